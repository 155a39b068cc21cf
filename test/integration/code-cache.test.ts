/** The code cache on real files and V8's real cache: a first load offers none and saves one, the next load
 * has it taken; files that require the loaded module get the same instance; a cache that is garbage, from
 * another build or from an edited file is never used, and one that cannot be written costs nothing.
 * What V8 makes of a cache is read in fresh processes: within one, V8 answers a source it compiled before
 * from memory, whatever cache it is offered. */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireWithCodeCache, userCacheFolder, type CodeCacheState } from '../../src/cli/code-cache.js';

const requireHere = createRequire(import.meta.url);
let work: string;
let folder: string;
/** code-cache.ts as CommonJS, for the fresh processes. */
let bundled: string;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mms-code-cache-module-'));
  bundled = path.join(dir, 'code-cache.cjs');
  await build({ entryPoints: [path.resolve(import.meta.dirname, '../../src/cli/code-cache.ts')], outfile: bundled, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  return () => rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'mms-code-cache-'));
  folder = path.join(work, 'cache', 'mittwald-mcp-setup');
});
afterEach(async () => {
  for (const key of Object.keys(requireHere.cache)) if (key.startsWith(work)) delete requireHere.cache[key];
  await rm(work, { recursive: true, force: true });
});

/** A core-like file: a registry object, and functions that only compile when called. */
async function writeCore(name = 'core.cjs', body = 'exports.registry = { made: Date.now() }; exports.add = (a, b) => a + b;'): Promise<string> {
  const file = path.join(work, name);
  await writeFile(file, `"use strict";\n${body}\n`);
  return file;
}

interface ChildLoad {
  state: CodeCacheState;
  cacheFile: string;
  /** What the loaded file's `add(2, 3)` returned. */
  sum: number;
  saved?: boolean;
}

/** Loads `file` in a fresh Node process, as the CLI does, and saves the cache there when asked. */
async function loadInChild(file: string, build: string, options: { save?: boolean } = {}): Promise<ChildLoad> {
  const driver = `const { requireWithCodeCache } = require(${JSON.stringify(bundled)});
const loaded = requireWithCodeCache(${JSON.stringify(file)}, { folder: ${JSON.stringify(folder)}, build: ${JSON.stringify(build)} }, module.constructor);
const saved = ${options.save ? 'loaded.save()' : 'undefined'};
process.stdout.write(JSON.stringify({ state: loaded.state, cacheFile: loaded.cacheFile, sum: loaded.exports.add(2, 3), saved }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', driver]);
  return JSON.parse(stdout) as ChildLoad;
}

describe('requireWithCodeCache', () => {
  it('offers no cache the first time, saves one (0600 in a 0700 folder), and V8 takes it the next time', async () => {
    const file = await writeCore();
    const first = await loadInChild(file, 'b1', { save: true });
    expect(first).toMatchObject({ state: 'none', sum: 5, saved: true });
    expect(await readdir(folder)).toEqual([path.basename(first.cacheFile)]);
    if (process.platform !== 'win32') {
      expect((await stat(first.cacheFile)).mode & 0o777).toBe(0o600);
      expect((await stat(folder)).mode & 0o777).toBe(0o700);
    }
    const second = await loadInChild(file, 'b1');
    expect(second).toMatchObject({ state: 'accepted', cacheFile: first.cacheFile, sum: 5 });
  });

  it('enters the module in require\'s cache: a file that requires it gets this instance, not a second one', async () => {
    const file = await writeCore();
    await writeFile(path.join(work, 'lazy.cjs'), 'module.exports = require("./core.cjs").registry;\n');
    const loaded = requireWithCodeCache(file, { folder, build: 'b1' }, Module);
    expect(requireHere(path.join(work, 'lazy.cjs'))).toBe((loaded.exports as { registry: object }).registry);
    expect(requireHere.cache[file]?.exports).toBe(loaded.exports);
    expect(requireHere.cache[file]?.loaded).toBe(true);
  });

  it('runs the file as require() would: __filename, __dirname, module.exports and a require of its own folder', async () => {
    await writeFile(path.join(work, 'helper.cjs'), 'module.exports = 41;\n');
    const file = await writeCore('core.cjs', 'module.exports = { file: __filename, dir: __dirname, answer: require("./helper.cjs") + 1, line: new Error().stack.split("\\n")[1] };');
    const { exports } = requireWithCodeCache(file, { folder, build: 'b1' }, Module);
    expect(exports).toMatchObject({ file, dir: work, answer: 42 });
    // Line numbers in stack traces stay the file's own (the wrapper shares its first line).
    expect((exports as { line: string }).line).toContain(`${file}:2:`);
  });

  it('a cache that is garbage is rejected, the file still loads, and saving replaces it', async () => {
    const file = await writeCore();
    const first = await loadInChild(file, 'b1', { save: true });
    await writeFile(first.cacheFile, Buffer.alloc(4096, 7));
    expect(await loadInChild(file, 'b1', { save: true })).toMatchObject({ state: 'rejected', sum: 5, saved: true });
    expect(await loadInChild(file, 'b1')).toMatchObject({ state: 'accepted', sum: 5 });
  });

  it("never offers another build's cache, and keeps the newest three builds' caches (someone who switches between two keeps both)", async () => {
    const file = await writeCore();
    const first = await loadInChild(file, 'b1', { save: true });
    await writeFile(path.join(folder, 'other-b1-x.v8'), 'not ours');
    const second = await loadInChild(file, 'b2', { save: true });
    expect(second).toMatchObject({ state: 'none', saved: true });
    expect(second.cacheFile).not.toBe(first.cacheFile);
    // Switching back finds the first build's cache still there.
    expect(await loadInChild(file, 'b1')).toMatchObject({ state: 'accepted' });
    const old = new Date(Date.now() - 60_000);
    await utimes(first.cacheFile, old, old);
    const third = await loadInChild(file, 'b3', { save: true });
    const fourth = await loadInChild(file, 'b4', { save: true });
    expect((await readdir(folder)).sort()).toEqual([second, third, fourth].map((load) => path.basename(load.cacheFile)).concat('other-b1-x.v8').sort());
  });

  it('an edited file (its time changed) is a build of its own: the old cache is not offered', async () => {
    const file = await writeCore();
    await loadInChild(file, 'b1', { save: true });
    // The same length, other text: V8 alone would take the old cache for it.
    await writeFile(file, (await readFile(file, 'utf8')).replace('a + b', 'a - b'));
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    expect(await loadInChild(file, 'b1')).toMatchObject({ state: 'none', sum: -1 });
  });

  it('a folder that cannot be made costs the run nothing: save() says false and leaves no temp file', async () => {
    const file = await writeCore();
    await writeFile(path.join(work, 'cache'), 'a file where the folder would go');
    const loaded = requireWithCodeCache(file, { folder, build: 'b1' }, Module);
    expect(loaded.state).toBe('none');
    expect(loaded.save()).toBe(false);
    expect((await readdir(work)).sort()).toEqual(['cache', 'core.cjs']);
  });

  it("throws the file's own error and leaves no half-loaded module in require's cache", async () => {
    const file = await writeCore('broken.cjs', 'throw new Error("broken at load");');
    expect(() => requireWithCodeCache(file, { folder, build: 'b1' }, Module)).toThrow('broken at load');
    expect(requireHere.cache[file]).toBeUndefined();
  });
});

describe('userCacheFolder', () => {
  it('follows each platform: XDG on Linux, Library/Caches on macOS, LOCALAPPDATA on Windows', () => {
    expect(userCacheFolder('app', 'linux', { HOME: '/home/u' })).toBe('/home/u/.cache/app');
    expect(userCacheFolder('app', 'linux', { HOME: '/home/u', XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/app');
    // The XDG spec: a relative path is invalid and ignored.
    expect(userCacheFolder('app', 'linux', { HOME: '/home/u', XDG_CACHE_HOME: 'cache' })).toBe('/home/u/.cache/app');
    expect(userCacheFolder('app', 'darwin', { HOME: '/Users/u', XDG_CACHE_HOME: '/x' })).toBe('/Users/u/Library/Caches/app');
    expect(userCacheFolder('app', 'win32', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' })).toBe('C:\\Users\\u\\AppData\\Local\\app\\Cache');
    expect(userCacheFolder('app', 'win32', { USERPROFILE: 'C:\\Users\\u' })).toBe('C:\\Users\\u\\AppData\\Local\\app\\Cache');
  });

  it('is undefined when no home folder is known', () => {
    expect(userCacheFolder('app', 'linux', {})).toBeUndefined();
    expect(userCacheFolder('app', 'darwin', {})).toBeUndefined();
    expect(userCacheFolder('app', 'win32', {})).toBeUndefined();
  });
});
