// Bundles the CLI into dist/ so that `npx mittwald-mcp-setup` installs one package with no dependencies.
// dist/cli.js is a small CommonJS file (dist/package.json says so): it answers `--help` and `--version`
// without starting Node's ES module loader, which costs about a tenth of Node's own start-up. Everything else
// is ES modules (`.mjs`) with code splitting, so that HTTP-proxy, OAuth and prompt code load only when used.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/** Heavy dependency files swapped for slim stand-ins (see scripts/shims/). They reach into undici's and zod's
 * private file layout, which is why package.json pins both exactly: a shim that no longer matches anything
 * fails the build instead of silently bundling the heavy file. */
export const SHIMS = [
  { target: 'undici (its index)', filter: /^undici$/, file: 'undici.cjs' },
  { target: "undici's SIMD llhttp build", filter: /llhttp_simd-wasm\.js$/, file: 'no-simd-wasm.cjs' },
  { target: "zod's locale index", filter: /\/locales\/index\.js$/, file: 'zod-locales.js', importerIncludes: `${path.sep}zod${path.sep}` },
];

function shimPlugin(applied) {
  return {
    name: 'shims',
    setup(b) {
      for (const shim of SHIMS) {
        b.onResolve({ filter: shim.filter }, (args) => {
          if (shim.importerIncludes && !args.importer.includes(shim.importerIncludes)) return undefined;
          applied.add(shim.target);
          return { path: fileURLToPath(new URL(`./shims/${shim.file}`, import.meta.url)) };
        });
      }
    },
  };
}

/** The ES build's static imports of Node's own modules, rewritten to process.getBuiltinModule (Node ≥ 20.16):
 * an ES import of a built-in builds its namespace from every export, and on Node 22 and 24 that reads
 * node:http's lazy WebSocket getters, which load Node's internal undici — about 50 ms, more than half of a
 * setup run. Reading the few exports used, where the import stood, loads nothing more. Dynamic imports (of
 * modules loaded on first use) stay as they are. Exported for the build test. */
export function takeBuiltinsDirectly(code) {
  const rewritten = code.replace(/import\s*([^"';]*?)\s*from\s*"(node:[a-z_/]+)";?/g, (_, clause, specifier) => {
    const module = `process.getBuiltinModule(${JSON.stringify(specifier)})`;
    const namespace = /^\*\s*as\s+([\w$]+)$/.exec(clause);
    if (namespace) return `const ${namespace[1]}=${module};`;
    const [, name, named] = /^([\w$]+)?\s*,?\s*(?:\{([^}]*)\})?$/.exec(clause) ?? [];
    if (name === undefined && named === undefined) throw new Error(`scripts/build.mjs: an import of ${specifier} this build cannot rewrite: import ${clause} from "${specifier}"`);
    const bindings = (named ?? '')
      .split(',')
      .map((binding) => binding.trim())
      .filter(Boolean)
      .map((binding) => binding.replace(/^([\w$]+)\s+as\s+([\w$]+)$/, '$1:$2'));
    return [name === undefined ? '' : `const ${name}=${module};`, bindings.length ? `const{${bindings.join(',')}}=${module};` : ''].join('');
  });
  const left = /import\s*"(node:[a-z_/]+)"/.exec(rewritten);
  if (left) throw new Error(`scripts/build.mjs: an import of ${left[1]} this build cannot rewrite: ${left[0]}`);
  return rewritten;
}

/** cli.ts's `import('./run.js')` names the ES module build of run.ts. */
const runModule = {
  name: 'run-module',
  setup(b) {
    b.onResolve({ filter: /^\.\/run\.js$/ }, () => ({ path: './run.mjs', external: true }));
  },
};

/** Bundles src/cli/run.ts (ES modules, split) and src/cli/cli.ts (one CommonJS file). Returns the ES build's result
 * (with a metafile) and the targets the shims replaced; throws when a shim replaced nothing. `write: false`
 * keeps the output in memory (for the build test). */
export async function bundle({ outdir = 'dist', write = true } = {}) {
  const applied = new Set();
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    define: { __VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'warning',
    write,
  };
  await build({
    ...common,
    entryPoints: ['src/cli/cli.ts'],
    outfile: path.join(outdir, 'cli.js'),
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [runModule],
  });
  const result = await build({
    ...common,
    write: false,
    entryPoints: { run: 'src/cli/run.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    // jsonc-parser's "main" is a UMD build whose internal require()s esbuild cannot follow.
    mainFields: ['module', 'main'],
    chunkNames: 'chunks/[name]-[hash]',
    // Bundled CommonJS dependencies (undici) call require(); give ESM chunks one.
    banner: {
      js: "const require=process.getBuiltinModule('node:module').createRequire(import.meta.url);",
    },
    plugins: [rawText, shimPlugin(applied)],
    metafile: true,
  });
  const files = result.outputFiles.map((file) => ({ path: file.path, text: file.path.endsWith('.mjs') ? takeBuiltinsDirectly(file.text) : file.text }));
  if (write) {
    for (const file of files) {
      await mkdir(path.dirname(file.path), { recursive: true });
      await writeFile(file.path, file.text);
    }
    await writeFile(path.join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  }
  const missed = SHIMS.filter((shim) => !applied.has(shim.target)).map((shim) => shim.target);
  if (missed.length > 0) {
    throw new Error(`scripts/shims: nothing matched ${missed.join(', ')}; undici's or zod's files moved. Update the shims and the pinned versions together.`);
  }
  return { result, applied: [...applied], files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
  const { result } = await bundle();
  if (process.env.BUILD_METAFILE) await writeFile(process.env.BUILD_METAFILE, JSON.stringify(result.metafile));
}
