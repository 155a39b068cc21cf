/** The bundle's guard rails: the shims in scripts/shims/ reach into undici's and zod's private files, so a
 * dependency update that moves those files must fail here (not ship a bundle twice the size), the versions
 * they rely on are pinned exactly, and the built package stays under 1 MB. */
import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticallyLoaded } from '../support/bundle.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** 1 MB before the YAML library (~120 KB minified, for Hermes Agent's config.yaml, a chunk of its own). */
const MAX_DIST_BYTES = 1_000_000;

interface BuildModule {
  SHIMS: Array<{ target: string; file: string }>;
  takeBuiltinsDirectly(code: string): string;
  bundle(options: { outdir?: string; write?: boolean }): Promise<{
    result: { metafile: { inputs: Record<string, unknown>; outputs: Record<string, { bytes: number }> } };
    applied: string[];
  }>;
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
    const { SHIMS, bundle } = (await import(path.join(ROOT, 'scripts/build.mjs'))) as BuildModule;
    const { result, applied } = await bundle({ outdir: path.join(ROOT, 'dist-test-unwritten'), write: false });
    expect(applied.sort()).toEqual(SHIMS.map((shim) => shim.target).sort());

    // Paths relative to the working directory; node_modules may be a link to another checkout's.
    const inputs = Object.keys(result.metafile.inputs).map((input) => input.replace(/^.*?(?=node_modules\/)/, ''));
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

  it('loads neither undici, zod, openid-client nor the prompts for a run that needs none of them', async () => {
    // Everything run.mjs imports statically, i.e. what every command loads; the rest is reached by import().
    const { code: eager, files } = await staticallyLoaded(path.join(ROOT, 'dist', 'run.mjs'));
    // undici (only behind a proxy), zod (only OAuth), openid-client (only OAuth), clack (only the wizard),
    // yaml (only for a Hermes file).
    for (const marker of ['EnvHttpProxyAgent', 'llhttp', 'ZodError', 'oauth-authorization-server', 'isCancel', 'Implicit keys need to be on a single line']) expect(eager, marker).not.toContain(marker);
    expect(files.length).toBeLessThanOrEqual(8);
  });

  it('takes Node\'s own modules with process.getBuiltinModule, not an ES import (which loads more on Node 22+)', async () => {
    const { takeBuiltinsDirectly } = (await import(path.join(ROOT, 'scripts', 'build.mjs'))) as BuildModule;
    expect(takeBuiltinsDirectly('import*as e from"node:fs/promises";import t from"node:path";import{isUtf8 as r,Buffer}from"node:buffer";import n,{request as q}from"node:http";x(import("node:https"));')).toBe(
      'const e=process.getBuiltinModule("node:fs/promises");const t=process.getBuiltinModule("node:path");const{isUtf8:r,Buffer}=process.getBuiltinModule("node:buffer");' +
        'const n=process.getBuiltinModule("node:http");const{request:q}=process.getBuiltinModule("node:http");x(import("node:https"));',
    );
    expect(() => takeBuiltinsDirectly('import"node:fs";')).toThrow(/cannot rewrite/);
    const dist = path.join(ROOT, 'dist');
    const chunks = [path.join(dist, 'run.mjs'), ...(await readdir(path.join(dist, 'chunks'))).map((name) => path.join(dist, 'chunks', name))];
    for (const chunk of chunks) expect(await readFile(chunk, 'utf8'), chunk).not.toMatch(/from\s*"node:/);
    // What a setup run loads, on the Node this test runs on (CI: 20, 22 and 24), brings none of Node's
    // internal undici with it (the ES namespace of node:http did on 22 and 24).
    const setup = (await readdir(path.join(dist, 'chunks'))).find((name) => name.startsWith('setup-'));
    const script = `await import(${JSON.stringify(path.join(dist, 'run.mjs'))}); await import(${JSON.stringify(path.join(dist, 'chunks', setup!))}); console.log(process.moduleLoadList.filter((name) => name.includes('undici')).length)`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()).toBe('0');
  });

  it('keeps dist/ under 1 MB', async () => {
    expect(await sizeOf(path.join(ROOT, 'dist'))).toBeLessThan(MAX_DIST_BYTES);
  });
});
