/** The command-line contract of shared/design.md on the built CLI: usage errors, help, version, exit codes,
 * and the promise that --help / --version load no HTTP, OAuth or prompt code. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempHome } from '../support/cli.js';

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

  it('explains which flags to pass when there is no terminal and no --tool', async () => {
    const run = await runCli([], { home: home.dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--tool/);
  });
});

describe('help and version', () => {
  it('prints help with examples', async () => {
    const run = await runCli(['--help'], { home: home.dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Examples');
    for (const flag of ['--tool', '--token', '--oauth', '--scopes', '--secret', '--scope', '--server-url', '--api-url', '--name', '--dry-run', '--json', '--no-verify', '--no-browser', '--no-color', '--debug', '--yes']) {
      expect(run.stdout).toContain(flag);
    }
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    const run = await runCli(['--version'], { home: home.dir });
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('loads no HTTP, OAuth or prompt code for --help and --version', async () => {
    // Follow the static imports of the entry chunk: everything else is only reachable by dynamic import().
    const seen = new Set<string>();
    const visit = async (file: string): Promise<string> => {
      if (seen.has(file)) return '';
      seen.add(file);
      const code = await readFile(file, 'utf8');
      const imports = [...code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w${},*\s]+from\s*)?["'](\.[^"']+)["']/g)].map((match) => path.resolve(path.dirname(file), match[1]!));
      return code + (await Promise.all(imports.map(visit))).join('');
    };
    const eager = await visit(CLI);
    expect(eager.length).toBeLessThan(30_000);
    for (const marker of ['EnvHttpProxyAgent', 'undici', 'oauth-authorization-server', 'code_challenge', '@clack', 'isCancel']) {
      expect(eager).not.toContain(marker);
    }
    expect((await readFile(CLI, 'utf8')).includes('import(')).toBe(true);
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
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 120_000);
});
