// Bundles the CLI into dist/ so that `npx mittwald-mcp-setup` installs one package with no dependencies. All of
// it is CommonJS, loaded with require(): Node's ES module loader costs a setup run about a twentieth of its time
// (its own start-up, then an asynchronous resolve, read, link and evaluate per chunk), and esbuild splits code
// only into ES modules. So the split is made here, by hand:
//   dist/cli.js    the entry: answers `--help` and `--version` without loading anything else, and loads the
//                  core with its code cache (src/cli/code-cache.ts);
//   dist/core.cjs  everything a command runs on its common path: our own code and the small libraries;
//   dist/lazy/*    what only some runs need, each loaded with require() when first used: the doctor and report
//                  commands, OAuth (openid-client) and its discovery, the validation of what OAuth fetches
//                  (zod's small build), a Hermes YAML file (yaml), an HTTP proxy (undici), the wizard's
//                  prompts (@clack/prompts).
// A lazy file takes what it shares with the core from the core's module registry (core.cjs's `modules`), so
// each module exists once, and a class such as SetupError is the same class everywhere.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));

/** What only some runs need, each bundled into dist/lazy/<name>.cjs: a module of ours (by its source path)
 * or a library (by its package name). An import of one, static or dynamic, from anywhere else becomes a
 * require() of its file; a static import from the core would load it with the core, which fails the build. */
export const LAZY = [
  { name: 'oauth', source: 'src/oauth/oauth.ts' },
  { name: 'oauth-discovery', source: 'src/oauth/oauth-discovery.ts' },
  { name: 'doctor', source: 'src/commands/doctor.ts' },
  { name: 'report', source: 'src/commands/report.ts' },
  { name: 'yaml-document', source: 'src/files/yaml-document.ts' },
  { name: 'http-proxy', source: 'src/net/http-proxy.ts' },
  { name: 'validation', source: 'src/oauth/validation.ts' },
  { name: 'prompts', library: '@clack/prompts' },
];

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

/** `import('./x.js')` in our TypeScript names ./x.ts. */
function sourceOf(importPath, resolveDir) {
  return path.relative(ROOT, path.resolve(resolveDir, importPath.replace(/\.js$/, '.ts'))).split(path.sep).join('/');
}

/** `file` (relative to dist/) as a require() path from the folder `from` (relative to dist/). */
function requirePath(from, file) {
  const relative = path.posix.relative(from, file);
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** Sends imports of the lazy files (and, in a lazy file, of the core's modules) to the files that hold them.
 * `from` is the output file's folder relative to dist/; `core` the core's modules (source paths) when
 * building a lazy file. Notes every core module a lazy file takes, and every static import of a lazy file. */
function splitPlugin({ from, self, core, taken, eager }) {
  return {
    name: 'split',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || args.namespace === 'core-ref') return undefined;
        const relative = args.path.startsWith('.');
        const source = relative ? sourceOf(args.path, args.resolveDir) : undefined;
        const lazy = LAZY.find((unit) => unit.name !== self && (relative ? unit.source === source : unit.library === args.path));
        if (lazy) {
          if (args.kind === 'import-statement' && self === undefined) eager.add(`${args.importer} imports ${args.path}`);
          return { path: requirePath(from, `lazy/${lazy.name}.cjs`), external: true };
        }
        if (core && source && core.has(source)) {
          taken.add(source);
          return { path: source, namespace: 'core-ref' };
        }
        return undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'core-ref' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(requirePath(from, 'core.cjs'))}).modules[${JSON.stringify(args.path)}];`,
        resolveDir: ROOT,
        loader: 'js',
      }));
      b.onResolve({ filter: /core\.cjs$/ }, (args) => (args.namespace === 'core-ref' ? { path: args.path, external: true } : undefined));
    },
  };
}

/** The core's entry: run() and the registry of the modules the lazy files take from it. */
function coreEntry(modules) {
  const lines = ["export { run } from './src/cli/run.ts';"];
  modules.forEach((source, index) => lines.push(`import * as m${index} from './${source}';`));
  lines.push(`export const modules = { ${modules.map((source, index) => `${JSON.stringify(source)}: m${index}`).join(', ')} };`);
  return lines.join('\n');
}

/** Builds dist/: cli.js, core.cjs and the lazy files (see the top of this file). Returns every build's
 * result (with metafiles), the targets the shims replaced and the files; throws when a shim replaced nothing
 * or the core imports a lazy file statically. `write: false` keeps the output in memory (for the build test). */
export async function bundle({ outdir = 'dist', write = true } = {}) {
  const applied = new Set();
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    define: { __VERSION__: JSON.stringify(pkg.version) },
    // import() becomes require() (in a promise): the files are CommonJS, and Node's ES loader stays unloaded.
    supported: { 'dynamic-import': false },
    // jsonc-parser's "main" is a UMD build whose internal require()s esbuild cannot follow.
    mainFields: ['module', 'main'],
    logLevel: 'warning',
    write: false,
    metafile: true,
  };
  const plugins = (split) => [rawText, shimPlugin(applied), splitPlugin(split)];
  const eager = new Set();

  // The core twice: once to learn which modules it holds, then with the registry of those the lazy files take.
  const coreOptions = { ...common, outfile: path.join(outdir, 'core.cjs') };
  const first = await build({ ...coreOptions, stdin: { contents: coreEntry([]), resolveDir: ROOT, sourcefile: 'core-entry.js' }, plugins: plugins({ from: '.', eager }) });
  const core = new Set(Object.keys(first.metafile.inputs).filter((input) => /^(src|adapters)\//.test(input)));
  const taken = new Set();
  const lazy = [];
  for (const unit of LAZY) {
    lazy.push(
      await build({
        ...common,
        ...(unit.source ? { entryPoints: [unit.source] } : { stdin: { contents: `export * from ${JSON.stringify(unit.library)};`, resolveDir: ROOT, sourcefile: `${unit.name}.js` } }),
        outfile: path.join(outdir, 'lazy', `${unit.name}.cjs`),
        plugins: plugins({ from: 'lazy', self: unit.name, core, taken, eager }),
      }),
    );
  }
  const coreBuild = await build({ ...coreOptions, stdin: { contents: coreEntry([...taken].sort()), resolveDir: ROOT, sourcefile: 'core-entry.js' }, plugins: plugins({ from: '.', eager: new Set() }) });
  // The entry last: it names the core's build, for the core's code cache (src/cli/code-cache.ts).
  const coreHash = createHash('sha256').update(coreBuild.outputFiles[0].contents).digest('hex').slice(0, 16);
  const entry = await build({
    ...common,
    entryPoints: ['src/cli/cli.ts'],
    outfile: path.join(outdir, 'cli.js'),
    banner: { js: '#!/usr/bin/env node' },
    define: { ...common.define, __CORE_BUILD__: JSON.stringify(coreHash) },
  });

  if (eager.size > 0) throw new Error(`scripts/build.mjs: the core imports a lazy file statically, so it would load with every run: ${[...eager].join('; ')}. Import it with import().`);
  const missed = SHIMS.filter((shim) => !applied.has(shim.target)).map((shim) => shim.target);
  if (missed.length > 0) {
    throw new Error(`scripts/shims: nothing matched ${missed.join(', ')}; undici's or zod's files moved. Update the shims and the pinned versions together.`);
  }
  const results = [entry, coreBuild, ...lazy];
  const files = results.flatMap((result) => result.outputFiles.map((file) => ({ path: file.path, text: file.text })));
  if (write) {
    for (const file of files) {
      await mkdir(path.dirname(file.path), { recursive: true });
      await writeFile(file.path, file.text);
    }
    await writeFile(path.join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  }
  const inputs = Object.assign({}, ...results.map((result) => result.metafile.inputs));
  return { results, inputs, applied: [...applied], files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
  const { inputs } = await bundle();
  if (process.env.BUILD_METAFILE) await writeFile(process.env.BUILD_METAFILE, JSON.stringify({ inputs }));
}
