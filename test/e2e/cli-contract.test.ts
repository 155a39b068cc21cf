/** The command-line contract of shared/design.md on the built CLI: usage errors, help, version, exit codes,
 * and the promise that --help / --version load no HTTP, OAuth or prompt code. */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, cleanEnv, runCli, tempHome } from '../support/cli.js';
import { loadedBy, loadedByAnEmptyScript } from '../support/bundle.js';

let home: Awaited<ReturnType<typeof tempHome>>;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(() => home.cleanup());

describe('usage errors exit 2 with one line naming the fix', () => {
  it.each([
    [['--frobnicate'], /Unknown option --frobnicate/],
    [['--tool', 'cursr'], /Unknown tool "cursr"/],
    [['--tool'], /Option --tool needs a value/],
    [['--tool', '--yes'], /Option --tool needs a value/],
    [['--tool', ''], /--tool is empty/],
    [['--tool='], /--tool is empty/],
    [['--json=yes', '--tool', 'cursor'], /Option --json does not take a value/],
    [['--tool', 'cursor', '--token', 'abc def'], /was more than the token pasted\?$/m],
    [['--scope', 'global', '--tool', 'cursor'], /--scope must be user or project/],
    [['--server-url', 'ftp://x', '--tool', 'cursor'], /--server-url must be an http\(s\) URL/],
    [['--token', 'a', '--oauth', '--tool', 'cursor'], /either --oauth or an API token/],
    [['remove'], /remove needs --tool/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['--tool', 'cursor', '--tokn', 'x'], /Did you mean --token\?/],
  ])('%j', async (args, message) => {
    const run = await runCli(args, { home: home.dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(run.stdout).toBe('');
  });

  it('--tool detected with only a settings folder names what it found and the flag that sets it up', async () => {
    const bare = await tempHome();
    try {
      await mkdir(path.join(bare.dir, '.cursor'));
      const run = await runCli(['--tool', 'detected', '--no-verify'], { home: bare.dir, env: { PATH: '/usr/bin:/bin' } });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(`settings were found for Cursor (${path.join(bare.dir, '.cursor')})`);
      expect(run.stderr).toContain('pass --tool cursor');
    } finally {
      await bare.cleanup();
    }
  });

  it('explains which flags to pass when there is no terminal and no --tool', async () => {
    const run = await runCli([], { home: home.dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--tool/);
    // The example keeps the token off the command line.
    expect(run.stderr).toContain('--token-stdin');
    expect(run.stderr).not.toMatch(/--token(?!-stdin)/);
  });
});

describe('help and version', () => {
  it('prints help with examples', async () => {
    const run = await runCli(['--help'], { home: home.dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Examples');
    for (const flag of ['--tool', '--token', '--oauth', '--access', '--scopes', '--secret', '--scope', '--server-url', '--api-url', '--name', '--dry-run', '--json', '--no-verify', '--no-browser', '--no-color', '--debug', '--yes']) {
      expect(run.stdout).toContain(flag);
    }
  });

  it('leads the help and README examples with MITTWALD_API_TOKEN and --token-stdin, never a token typed into the command line', async () => {
    const run = await runCli(['--help'], { home: home.dir });
    const examples = run.stdout.split('Examples\n')[1]!.split('\n').map((line) => line.trim()).filter(Boolean);
    const readme = await readFile(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const readmeExamples = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.split('\n')).filter((line) => line.includes('mittwald-mcp-setup'));
    for (const lines of [examples, readmeExamples]) {
      const withToken = lines.filter((line) => /MITTWALD_API_TOKEN=|--token/.test(line));
      expect(withToken[0]).toMatch(/^MITTWALD_API_TOKEN=… npx mittwald-mcp-setup --tool /);
      expect(withToken.some((line) => /--token-stdin/.test(line))).toBe(true);
      expect(lines.filter((line) => /--token(?!-stdin)/.test(line))).toEqual([]);
    }
    // --token stays documented, with the reason to prefer the others.
    expect(run.stdout).toMatch(/--token <token> .*shell history and the process list/);
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    const run = await runCli(['--version'], { home: home.dir });
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('loads nothing but its small entry file for --help and --version', async () => {
    const baseline = new Set(await loadedByAnEmptyScript());
    for (const flag of ['--help', '--version']) {
      const loaded = await loadedBy(path.dirname(CLI), [flag]);
      expect(loaded.files, flag).toEqual(['cli.js']);
      expect(loaded.code.length).toBeLessThan(30_000);
      // Neither HTTP nor Node's ES module loader (Node 24 loads part of it for any script: the baseline).
      expect(loaded.builtins.filter((name) => /\b(http|https|crypto|internal\/modules\/esm\/loader)$/.test(name) && !baseline.has(name)), flag).toEqual([]);
      // The answer is one write to fd 1, without Node's stdout stream and the stream modules it loads.
      expect(loaded.builtins.filter((name) => /^NativeModule (stream|internal\/fs\/sync_write_stream)$/.test(name) && !baseline.has(name)), flag).toEqual([]);
    }
  });

  it('answers into a pipe whose reader is gone, or reads only the first line, and exits 0', async () => {
    for (const flag of ['--help', '--version']) {
      for (const reader of ['true', 'head -1']) {
        const piped = await execa('bash', ['-c', `set -o pipefail; (sleep 0.2; exec "$0" "$@") | ${reader} >/dev/null`, process.execPath, CLI, flag], { env: cleanEnv(home.dir), extendEnv: false, reject: false });
        expect(piped.exitCode, `${flag} | ${reader}`).toBe(0);
        expect(piped.stderr, `${flag} | ${reader}`).toBe('');
      }
    }
  });
});

describe('the packed tarball', () => {
  it('installs into a fresh prefix and runs --help', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'mms-pack-'));
    try {
      const root = path.resolve(import.meta.dirname, '../..');
      const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
      const prefix = path.join(work, 'prefix');
      execFileSync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', path.join(work, packed.filename)], { stdio: 'ignore' });
      const bin = path.join(prefix, 'bin', 'mittwald-mcp-setup');
      const help = execFileSync(bin, ['--help'], { encoding: 'utf8' });
      expect(help).toContain('mittwald-mcp-setup');
      expect(packed.files.every((file: { path: string }) => ['package.json', 'README.md', 'LICENSE'].includes(file.path) || file.path.startsWith('dist/'))).toBe(true);
      expect(packed.files.map((file: { path: string }) => file.path)).toContain('LICENSE');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 120_000);
});
