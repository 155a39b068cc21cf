/** Replaced by the build (scripts/build.mjs) and by vitest.config.ts with package.json's version. */
declare const __VERSION__: string;
/** Replaced by the build with a hash of dist/core.cjs (names the build of its code cache, cli/code-cache.ts). */
declare const __CORE_BUILD__: string;

declare module '*?raw' {
  const text: string;
  export default text;
}
