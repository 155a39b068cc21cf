/** The bundle's guard rails: the shims in scripts/shims/ reach into undici's and zod's private files, so a
 * dependency update that moves those files must fail here (not ship a bundle twice the size), the versions
 * they rely on are pinned exactly, a run loads only what it needs, each module is bundled once, and the built
 * package stays under 1 MB. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadedBy, loadedByAnEmptyScript } from '../support/bundle.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** 1 MB before the YAML library (~120 KB minified, for Hermes Agent's config.yaml, a chunk of its own). */
const MAX_DIST_BYTES = 1_000_000;

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { bytes: number; inputs: Record<string, unknown> }>;
}

interface BuildModule {
  SHIMS: Array<{ target: string; file: string }>;
  LAZY: Array<{ name: string; source?: string; library?: string }>;
  bundle(options: { outdir?: string; write?: boolean }): Promise<{ results: Array<{ metafile: Metafile }>; inputs: Record<string, unknown>; applied: string[] }>;
}

const DIST = path.join(ROOT, 'dist');

/** scripts/build.mjs, and one in-memory build of it that the tests share. */
let sharedBuild: Promise<{ build: BuildModule; output: Awaited<ReturnType<BuildModule['bundle']>> }> | undefined;
function buildOnce() {
  sharedBuild ??= (async () => {
    const build = (await import(path.join(ROOT, 'scripts/build.mjs'))) as BuildModule;
    return { build, output: await build.bundle({ outdir: path.join(ROOT, 'dist-test-unwritten'), write: false }) };
  })();
  return sharedBuild;
}

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await sizeOf(full) : (await stat(full)).size;
  }
  return total;
}

describe('the build', () => {
  it('applies every shim and leaves out what they drop', async () => {
    const { build, output } = await buildOnce();
    const { SHIMS } = build;
    const { inputs: built, applied } = output;
    expect(applied.sort()).toEqual(SHIMS.map((shim) => shim.target).sort());

    // Paths relative to the working directory; node_modules may be a link to another checkout's.
    const inputs = Object.keys(built).map((input) => input.replace(/^.*?(?=node_modules\/)/, ''));
    for (const shim of SHIMS) expect(inputs).toContain(`scripts/shims/${shim.file}`);
    // What the shims keep out: undici's index (WebSocket, EventSource, cache, mocks), its SIMD parser, and
    // zod's other locales.
    expect(inputs).not.toContain('node_modules/undici/index.js');
    expect(inputs.filter((input) => input.includes('node_modules/undici/lib/web/websocket/'))).toEqual([]);
    expect(inputs.filter((input) => input.includes('llhttp_simd-wasm'))).toEqual([]);
    expect(inputs.filter((input) => /node_modules\/zod\/v4\/locales\/(?!en\.js)/.test(input))).toEqual([]);
    // … and what the undici shim reaches for is really bundled.
    for (const file of ['lib/web/fetch/index.js', 'lib/dispatcher/env-http-proxy-agent.js']) {
      expect(inputs).toContain(`node_modules/undici/${file}`);
    }
  });

  it('pins undici and zod exactly, at the versions installed', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const name of ['undici', 'zod']) {
      const installed = JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      expect(pkg.devDependencies[name], name).toBe(installed.version);
    }
  });

  it('loads neither undici, zod, openid-client, yaml nor the prompts for a setup run that needs none of them', async () => {
    // A script's setup of the four tools of the bench: what it requires is the entry and the core, nothing lazy.
    const loaded = await loadedBy(DIST, ['--tool', 'cursor,codex,claude-code,copilot', '--no-verify', '--token-stdin', '--json'], { input: 'mw-build-test-not-a-real-token-0000' });
    expect(loaded.files).toEqual(['cli.js', 'core.cjs']);
    // undici (only behind a proxy), zod (only OAuth), openid-client (only OAuth), clack (only the wizard),
    // yaml (only for a Hermes file).
    for (const marker of ['EnvHttpProxyAgent', 'llhttp', 'ZodError', 'oauth-authorization-server', 'clack:cancel', 'Implicit keys need to be on a single line']) expect(loaded.code, marker).not.toContain(marker);
    // Nor node:crypto (about 7 ms): temp names and lock tokens are unique without it (files/unique-name.ts).
    expect(loaded.builtins).not.toContain('NativeModule crypto');
  });

  it("is CommonJS throughout: a run loads neither Node's ES module loader (beyond what Node loads for any script) nor, on Node 22 and 24, its internal undici", async () => {
    const files = await readdir(DIST, { recursive: true });
    expect(files.filter((file) => /\.m?js$|\.cjs$/.test(file) && !/^(cli\.js|core\.cjs|lazy[\\/][\w-]+\.cjs)$/.test(file))).toEqual([]);
    // On the Node running this test (CI: 20, 22 and 24), with the token check's HTTP client loaded.
    const loaded = await loadedBy(DIST, ['--tool', 'cursor', '--token-stdin', '--server-url', 'http://127.0.0.1:9/mcp', '--api-url', 'http://127.0.0.1:9'], { input: 'mw-build-test-not-a-real-token-0000' });
    expect(loaded.builtins).toContain('NativeModule http');
    const baseline = new Set(await loadedByAnEmptyScript());
    expect(loaded.builtins.filter((name) => /internal\/modules\/esm\/(loader|module_job)$|undici/.test(name) && !baseline.has(name))).toEqual([]);
  });

  it('bundles each module once: a lazy file takes what it shares with the core from the core', async () => {
    const { build, output } = await buildOnce();
    const { results } = output;
    const { LAZY } = build;
    const outputsOf = new Map<string, string[]>();
    for (const { metafile } of results) {
      for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
        for (const input of Object.keys(inputs)) outputsOf.set(input, [...(outputsOf.get(input) ?? []), path.basename(output)]);
      }
    }
    // cli.js keeps its own copy of the two small modules --help needs.
    const twice = [...outputsOf].filter(([input, outputs]) => outputs.length > 1 && !input.startsWith('core-ref:') && !(outputs.includes('cli.js') && outputs.length === 2));
    expect(twice).toEqual([]);
    expect(LAZY.map((unit) => unit.name).sort()).toEqual((await readdir(path.join(DIST, 'lazy'))).map((file) => file.replace(/\.cjs$/, '')).sort());
  });

  it('keeps dist/ under 1 MB', async () => {
    expect(await sizeOf(path.join(ROOT, 'dist'))).toBeLessThan(MAX_DIST_BYTES);
  });
});
