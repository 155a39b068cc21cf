// Bundles the CLI into dist/ so that `npx mittwald-mcp-setup` installs one package with no dependencies.
// Code splitting keeps `--help` / `--version` from loading HTTP, OAuth or prompt code: those are dynamic imports.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

/** Lets `import text from './x.md?raw'` work the same in the bundle as under Vite/Vitest. */
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: new URL(args.path.slice(0, -4), `file://${args.resolveDir}/`).pathname,
      namespace: 'raw-text',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

/** Swaps two heavy dependency entry points for slim ones (see scripts/shims/). */
const shims = {
  name: 'shims',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: fileURLToPath(new URL('./shims/undici.cjs', import.meta.url)) }));
    b.onResolve({ filter: /llhttp_simd-wasm\.js$/ }, () => ({ path: fileURLToPath(new URL('./shims/no-simd-wasm.cjs', import.meta.url)) }));
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`) ? { path: fileURLToPath(new URL('./shims/zod-locales.js', import.meta.url)) } : undefined,
    );
  },
};

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // jsonc-parser's "main" is a UMD build whose internal require()s esbuild cannot follow.
  mainFields: ['module', 'main'],
  target: 'node20',
  minify: true,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies (undici) call require(); give ESM chunks one.
  banner: {
    js: "#!/usr/bin/env node\nimport{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  },
  plugins: [rawText, shims],
  logLevel: 'warning',
  metafile: Boolean(process.env.BUILD_METAFILE),
});
if (process.env.BUILD_METAFILE) await writeFile(process.env.BUILD_METAFILE, JSON.stringify(result.metafile));
