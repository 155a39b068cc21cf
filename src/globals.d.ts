/** Replaced by the build (scripts/build.mjs) and by vitest.config.ts with package.json's version. */
declare const __VERSION__: string;

declare module '*?raw' {
  const text: string;
  export default text;
}
