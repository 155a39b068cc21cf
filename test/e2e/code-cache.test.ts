/** The core's code cache as a user meets it: the first run that succeeds leaves it in the user's cache
 * folder, the next run has V8 take it and works the same; a dry run, a failed run and
 * NODE_DISABLE_COMPILE_CACHE leave none; a spoiled cache or one that cannot be written never costs a run. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useCliFixture } from '../support/cli.js';
import { createTestUser } from '../support/mittwald-server.js';

const fixture = useCliFixture(createTestUser({ person: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.test' }));
const { token, urls } = fixture;

const cacheFolder = () => path.join(fixture.home, '.cache', 'mittwald-mcp-setup');
const cacheFiles = async () => (await readdir(cacheFolder()).catch(() => [])).sort();
/** A verified setup of Cursor; `--debug` says what became of the cache (on stderr). */
const setup = (args: string[] = [], env: Record<string, string | undefined> = {}) =>
  runCli(['--tool', 'cursor', '--token-stdin', '--debug', ...urls(), ...args], { home: fixture.home, input: token, env });
const cacheLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('code cache: '));

describe('the code cache', () => {
  it('is written by the first run that succeeds and taken by the next, which works the same', async () => {
    const first = await setup();
    expect(first.exitCode, first.stderr).toBe(0);
    const [name] = await cacheFiles();
    expect(name).toMatch(new RegExp(`^core-[0-9a-f]{16}-[0-9a-z]+-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8$`));
    expect(cacheLines(first.stderr)).toEqual([`code cache: none (${path.join(cacheFolder(), name!)})`, 'code cache: written']);

    const second = await setup();
    expect(second.exitCode, second.stderr).toBe(0);
    expect(cacheLines(second.stderr)).toEqual([`code cache: accepted (${path.join(cacheFolder(), name!)})`]);
    expect(second.stdout).toContain('✓ Cursor (user): unchanged — Connected as Ada Lovelace <ada@example.test> — 116 tools');
    expect(await cacheFiles()).toEqual([name]);
  });

  it('with the cache taken, the lazy files share the core: doctor runs and reports as it does without it', async () => {
    expect((await setup()).exitCode).toBe(0);
    // What require() compiles itself: the core must not be among them (a second instance of it).
    const preload = path.join(fixture.home, 'note-compiled.cjs');
    const report = path.join(fixture.home, 'compiled.json');
    await writeFile(
      preload,
      `const Module = require('node:module'); const compile = Module.prototype._compile; const seen = [];
Module.prototype._compile = function (content, file) { seen.push(require('node:path').basename(file)); return compile.call(this, content, file); };
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(seen)));\n`,
    );
    const withCache = await runCli(['doctor', '--tool', 'cursor', '--json', '--debug', ...urls()], { home: fixture.home, env: { MITTWALD_API_TOKEN: token, NODE_OPTIONS: `--require ${preload}` } });
    expect(cacheLines(withCache.stderr)[0]).toMatch(/^code cache: accepted /);
    const compiled = JSON.parse(await readFile(report, 'utf8')) as string[];
    expect(compiled).toContain('doctor.cjs');
    expect(compiled).not.toContain('core.cjs');
    const without = await runCli(['doctor', '--tool', 'cursor', '--json', ...urls()], { home: fixture.home, env: { MITTWALD_API_TOKEN: token, NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(withCache.exitCode).toBe(without.exitCode);
    expect(JSON.parse(withCache.stdout)).toEqual(JSON.parse(without.stdout));
  });

  it('is not written by a dry run, a run that failed, or with NODE_DISABLE_COMPILE_CACHE', async () => {
    expect((await setup(['--dry-run'])).exitCode).toBe(0);
    const rejected = await runCli(['--tool', 'cursor', '--token-stdin', ...urls()], { home: fixture.home, input: 'mw-not-a-token-the-server-knows-0000' });
    expect(rejected.exitCode).toBe(1);
    expect((await runCli(['--tool', 'cursor', '--bogus'], { home: fixture.home })).exitCode).toBe(2);
    const off = await setup([], { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.exitCode).toBe(0);
    expect(cacheLines(off.stderr)).toEqual(['code cache: off']);
    expect(await cacheFiles()).toEqual([]);
  });

  it('is not written on a CI runner (CI set), but one that is there is used', async () => {
    const onRunner = await setup([], { CI: 'true' });
    expect(onRunner.exitCode).toBe(0);
    expect(cacheLines(onRunner.stderr).at(-1)).toBe('code cache: not written on a CI runner');
    expect(await cacheFiles()).toEqual([]);
    // CI=false (or 0, or empty) is no runner.
    expect((await setup([], { CI: 'false' })).exitCode).toBe(0);
    expect(await cacheFiles()).toHaveLength(1);
    expect(cacheLines((await setup([], { CI: 'true' })).stderr)[0]).toMatch(/^code cache: accepted /);
  });

  it.skipIf(process.getuid?.() !== 0)('is not written under sudo (root in the home of the user who ran sudo)', async () => {
    const run = await setup([], { SUDO_UID: '1000', SUDO_USER: 'ada' });
    expect(run.exitCode).toBe(0);
    expect(cacheLines(run.stderr).at(-1)).toBe('code cache: not written under sudo');
    expect(await cacheFiles()).toEqual([]);
  });

  it('a spoiled cache is refused by V8 and replaced; the run is not affected', async () => {
    expect((await setup()).exitCode).toBe(0);
    const [name] = await cacheFiles();
    await writeFile(path.join(cacheFolder(), name!), Buffer.alloc(64 * 1024, 0x5a));
    const spoiled = await setup();
    expect(spoiled.exitCode, spoiled.stderr).toBe(0);
    expect(cacheLines(spoiled.stderr)).toEqual([`code cache: rejected (${path.join(cacheFolder(), name!)})`, 'code cache: written']);
    expect((await readFile(path.join(cacheFolder(), name!))).equals(Buffer.alloc(64 * 1024, 0x5a))).toBe(false);
    expect(cacheLines((await setup()).stderr)[0]).toMatch(/^code cache: accepted /);
  });

  it('a cache folder that is a file costs the run nothing', async () => {
    await mkdir(path.dirname(cacheFolder()), { recursive: true });
    await writeFile(cacheFolder(), 'not a folder');
    const run = await setup();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(cacheLines(run.stderr).at(-1)).toBe('code cache: could not be written');
    expect(run.stdout).toContain('✓ Cursor (user): configured — Connected as Ada Lovelace');
  });
});
