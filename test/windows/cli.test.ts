/** The built CLI on Windows: dist/cli.js run by the Windows build of Node (node.exe) under Wine, in a
 * Windows user profile of its own per test (test/support/wine.ts). What it proves: the paths each adapter
 * resolves from the Windows variables, CRLF files kept as CRLF, backups, `status`, `remove` byte-identical,
 * `--json`, Windows paths and `setx` in messages and next steps, a verified run against the local stand-in,
 * and tool CLIs that are npm's `.cmd` shims. Skipped, with the reason printed, where Wine or the Windows
 * node.exe is missing (`npm run test:windows` fetches node.exe; .ci/run installs Wine). */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { findWine, runWindows, runWindowsCli, startWine, windowsPath, windowsProfile, type Wine, type WindowsProfile, type WindowsRunOptions } from '../support/wine.js';

const found = findWine();
const skip = 'skip' in found ? found.skip : undefined;
if (skip) console.warn(skip);

const TOKEN = 'fake-windows-token-0123456789';

interface JsonResult {
  ok: boolean;
  tools: Array<{ tool: string; target: string; status: string; files: Array<{ path: string; change: string; backup?: string }>; nextSteps: string[]; warnings: string[]; check?: { status: string; message: string }; confirmation?: { ok: boolean; detail: string } }>;
}

describe.skipIf(skip)(`the built CLI on Windows Node under Wine${skip ? ` (${skip})` : ''}`, () => {
  const wine = found as Wine;
  let stopWine: (() => Promise<void>) | undefined;
  let profile: WindowsProfile;
  /** The profile folder as Windows names it, e.g. `Z:\tmp\mms-win-home-…`. */
  let home: string;

  beforeAll(async () => {
    stopWine = await startWine(wine);
  }, 200_000);
  afterAll(() => stopWine?.());
  beforeEach(async () => {
    profile = await windowsProfile();
    home = profile.env.USERPROFILE!;
  });
  afterEach(() => profile.cleanup());

  const cli = (args: readonly string[], options: WindowsRunOptions = {}) => runWindowsCli(wine, profile, args, options);
  const json = async (args: readonly string[], options: WindowsRunOptions = {}): Promise<JsonResult> => {
    const run = await cli([...args, '--json'], options);
    try {
      return JSON.parse(run.stdout) as JsonResult;
    } catch {
      throw new Error(`not JSON (exit ${run.exitCode}): ${run.stdout}${run.stderr}`);
    }
  };
  /** The Linux path of a Windows path under the profile (`Z:\tmp\…\x` → `/tmp/…/x`). */
  const linux = (windows: string) => windows.replace(/^Z:/, '').replaceAll('\\', '/');
  const put = async (windows: string, text: string) => {
    await mkdir(path.dirname(linux(windows)), { recursive: true });
    await writeFile(linux(windows), text);
  };
  const filesOf = (result: JsonResult) => Object.fromEntries(result.tools.map((tool) => [tool.target, tool.files.map((file) => file.path)]));

  it(`runs on ${wine.nodeVersion ?? 'node.exe'} as win32`, async () => {
    const run = await cli(['--version']);
    expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('writes every tool to its Windows user path (%USERPROFILE%, %APPDATA%), prints Windows paths, and a second run changes nothing', async () => {
    const first = await json(['--tool', 'all', '--token', TOKEN, '--no-verify', '--yes']);
    expect(first.ok).toBe(true);
    expect(filesOf(first)).toEqual({
      'Claude Code (user)': [`${home}\\.claude.json`],
      'Codex CLI (user)': [`${home}\\.codex\\config.toml`],
      'Cursor (user)': [`${home}\\.cursor\\mcp.json`],
      'VS Code, Copilot CLI and app (user)': [`${home}\\.copilot\\mcp-config.json`],
      'Claude Desktop': [],
      ChatGPT: [],
      'Gemini CLI (user)': [`${home}\\.gemini\\settings.json`],
      'opencode (user)': [`${home}\\.config\\opencode\\opencode.json`],
      'Hermes Agent (user)': [`${home}\\AppData\\Local\\hermes\\config.yaml`],
      'Cline for VS Code (user)': [`${home}\\AppData\\Roaming\\Code\\User\\globalStorage\\saoudrizwan.claude-dev\\settings\\cline_mcp_settings.json`],
      'Devin Local (user)': [`${home}\\AppData\\Roaming\\devin\\config.json`],
      'Zed (user)': [`${home}\\AppData\\Roaming\\Zed\\settings.json`],
      'Antigravity (user)': [`${home}\\.gemini\\config\\mcp_config.json`],
    });
    for (const file of Object.values(filesOf(first)).flat()) expect(JSON.stringify(await readFile(linux(file), 'utf8'))).not.toContain('\\n\\n\\n');
    const cursor = JSON.parse(await readFile(linux(`${home}\\.cursor\\mcp.json`), 'utf8'));
    expect(cursor.mcpServers.mittwald).toEqual({ url: 'https://mcp.mittwald.de/mcp', headers: { Authorization: `Bearer ${TOKEN}` } });
    const codex = await readFile(linux(`${home}\\.codex\\config.toml`), 'utf8');
    expect(codex).toContain('[mcp_servers.mittwald]');

    const mtimes = await Promise.all(Object.values(filesOf(first)).flat().map(async (file) => (await stat(linux(file))).mtimeMs));
    const second = await json(['--tool', 'all', '--token', TOKEN, '--no-verify', '--yes']);
    const written = second.tools.filter((tool) => tool.files.length > 0);
    expect(written.length).toBe(11);
    expect(written.map((tool) => tool.status)).toEqual(written.map(() => 'unchanged'));
    expect(await Promise.all(Object.values(filesOf(first)).flat().map(async (file) => (await stat(linux(file))).mtimeMs))).toEqual(mtimes);
    const text = await cli(['--tool', 'cursor', '--token', TOKEN, '--no-verify']);
    expect(text.stdout).toContain(`unchanged  ${home}\\.cursor\\mcp.json`);
  });

  it("keeps the core's code cache under %LOCALAPPDATA% and has it taken by the next run", async () => {
    const args = ['--tool', 'cursor', '--token', TOKEN, '--no-verify', '--debug'];
    const first = await cli(args);
    expect(first.exitCode, first.stderr).toBe(0);
    const folder = `${profile.env.LOCALAPPDATA!}\\mittwald-mcp-setup\\Cache`;
    expect(first.stderr).toContain(`code cache: none (${folder}\\core-`);
    expect(first.stderr).toContain('code cache: written');
    const second = await cli(args);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain(`code cache: accepted (${folder}\\core-`);
  });

  it('writes to the user profile when HOME points elsewhere (Git Bash, a company H: drive): the tools read the profile', async () => {
    const result = await json(['--tool', 'cursor,codex', '--token', TOKEN, '--no-verify', '--yes'], { env: { HOME: `${home}\\githome` } });
    expect(filesOf(result)).toEqual({ 'Cursor (user)': [`${home}\\.cursor\\mcp.json`], 'Codex CLI (user)': [`${home}\\.codex\\config.toml`] });
    expect(await readdir(profile.dir)).not.toContain('githome');
  });

  it('refuses a read-only file (the R attribute) with CONFIG_READ_ONLY and writes nothing into it', async () => {
    const file = `${home}\\.cursor\\mcp.json`;
    await put(file, '{}\r\n');
    await chmod(linux(file), 0o444);
    const run = await cli(['--tool', 'cursor', '--token', TOKEN, '--no-verify', '--yes', '--json']);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).tools[0]).toMatchObject({ status: 'failed', error: { code: 'CONFIG_READ_ONLY', message: `${file} is read-only (its permissions allow no writes)` } });
    expect(await readFile(linux(file), 'utf8')).toBe('{}\r\n');
  });

  it('honours CODEX_HOME, CLAUDE_CONFIG_DIR and COPILOT_HOME, and finds every Windows Copilot host', async () => {
    const elsewhere = `${home}\\elsewhere`;
    const env = { CODEX_HOME: `${elsewhere}\\codex`, CLAUDE_CONFIG_DIR: `${elsewhere}\\claude`, COPILOT_HOME: `${elsewhere}\\copilot` };
    // What each host's installer leaves behind (detection clues, as Windows names them).
    for (const dir of [`${home}\\AppData\\Roaming\\Code - Insiders\\User`, `${home}\\AppData\\Local\\github-copilot\\intellij`, `${home}\\Program Files\\Microsoft Visual Studio`, env.COPILOT_HOME]) {
      await mkdir(linux(dir), { recursive: true });
    }
    const result = await json(['--tool', 'claude-code,codex,copilot', '--token', TOKEN, '--no-verify', '--yes'], { env });
    expect(result.ok).toBe(true);
    expect(filesOf(result)).toEqual({
      'Claude Code (user)': [`${elsewhere}\\claude\\.claude.json`],
      'Codex CLI (user)': [`${elsewhere}\\codex\\config.toml`],
      // VS Code Insiders and the Copilot CLI read the one portable entry under COPILOT_HOME.
      'VS Code, Copilot CLI and app (user)': [`${elsewhere}\\copilot\\mcp-config.json`],
      'Copilot for JetBrains (user)': [`${home}\\AppData\\Local\\github-copilot\\intellij\\mcp.json`],
      'Visual Studio (user)': [`${home}\\.mcp.json`],
    });
    for (const file of Object.values(filesOf(result)).flat()) await expect(stat(linux(file))).resolves.toBeTruthy();
    // The message about a literal token names no file mode on Windows, where 0600 means nothing.
    const copilotCli = result.tools.find((tool) => tool.target === 'Visual Studio (user)')!;
    expect(JSON.stringify(copilotCli)).not.toContain('0600');
  });

  it('writes project files under the project folder and tells how to set the variable with setx, not export', async () => {
    const project = `${home}\\shop`;
    await mkdir(linux(`${project}\\.git`), { recursive: true });
    const result = await json(['--tool', 'claude-code,codex,cursor,copilot', '--scope', 'project', '--no-verify', '--yes'], { cwd: linux(project), env: { MITTWALD_API_TOKEN: TOKEN } });
    expect(result.ok).toBe(true);
    expect(filesOf(result)).toEqual({
      'Claude Code (project)': [`${project}\\.mcp.json`],
      'Codex CLI (project)': [`${project}\\.codex\\config.toml`],
      'Cursor (project)': [`${project}\\.cursor\\mcp.json`],
      // The workspace .mcp.json is Claude Code's project file too: one entry serves both.
      'VS Code, Copilot CLI and app (project)': [`${project}\\.mcp.json`],
    });
    const steps = result.tools.flatMap((tool) => tool.nextSteps).join('\n');
    expect(steps).toContain('setx MITTWALD_API_TOKEN "<your token>"');
    expect(steps).not.toMatch(/\bexport\b|~\/\.bashrc|~\/\.zshrc/);
    for (const file of Object.values(filesOf(result)).flat()) expect(await readFile(linux(file), 'utf8')).not.toContain(TOKEN);
  });

  it('keeps a CRLF file CRLF (and its BOM and comments), backs it up, and remove gives the bytes back', async () => {
    const file = `${home}\\.cursor\\mcp.json`;
    const original = '\uFEFF{\r\n  // my servers\r\n  "mcpServers": {\r\n    "files": { "command": "node", "args": ["C:\\\\tools\\\\files.js"] },\r\n  },\r\n}\r\n';
    await put(file, original);
    const codexFile = `${home}\\.codex\\config.toml`;
    const codexOriginal = '# mine\r\nmodel = "o3"\r\n\r\n[mcp_servers.files]\r\ncommand = "node"\r\n';
    await put(codexFile, codexOriginal);

    const setup = await json(['--tool', 'cursor,codex', '--token', TOKEN, '--no-verify', '--yes']);
    expect(setup.ok).toBe(true);
    for (const [path_, before] of [[file, original], [codexFile, codexOriginal]] as const) {
      const after = await readFile(linux(path_), 'utf8');
      expect(after).toContain('mittwald');
      expect(after.replaceAll('\r\n', '')).not.toContain('\n');
      expect(after.startsWith('\uFEFF')).toBe(before.startsWith('\uFEFF'));
      const written = setup.tools.flatMap((tool) => tool.files).find((entry) => entry.path === path_)!;
      expect(written.change).toBe('modified');
      expect(written.backup).toMatch(new RegExp(`^${home.replaceAll('\\', '\\\\')}\\\\\\.mittwald-mcp-setup\\\\backups\\\\`));
      expect(await readFile(linux(written.backup!), 'utf8')).toBe(before);
    }
    expect(await readFile(linux(file), 'utf8')).toContain('// my servers');

    const removed = await json(['remove', '--tool', 'cursor,codex']);
    expect(removed.tools.map((tool) => tool.status)).toEqual(['removed', 'removed']);
    expect(await readFile(linux(file), 'utf8')).toBe(original);
    expect(await readFile(linux(codexFile), 'utf8')).toBe(codexOriginal);
  });

  it('remove deletes a file setup created, and status --json reports entries with Windows paths', async () => {
    await json(['--tool', 'claude-code', '--token', TOKEN, '--no-verify', '--yes']);
    const status = JSON.parse((await cli(['status', '--tool', 'claude-code', '--json', '--no-verify'])).stdout);
    expect(status.tools[0].entries).toEqual([expect.objectContaining({ scope: 'user', file: `${home}\\.claude.json`, name: 'mittwald', auth: 'token-literal' })]);
    const removed = await json(['remove', '--tool', 'claude-code']);
    expect(removed.tools[0]).toMatchObject({ status: 'removed', files: [{ path: `${home}\\.claude.json` }] });
    expect(await readdir(profile.dir)).not.toContain('.claude.json');
  });

  it("finds Claude Desktop's MSIX folder (%LOCALAPPDATA%\\Packages\\Claude_…) and takes an old mcp-remote bridge out of it", async () => {
    const file = `${home}\\AppData\\Local\\Packages\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude\\claude_desktop_config.json`;
    await put(file, JSON.stringify({ mcpServers: { mittwald: { command: 'npx', args: ['-y', 'mcp-remote', 'https://mcp.mittwald.de/sse'] } } }, null, 2));
    const status = JSON.parse((await cli(['status', '--tool', 'claude-desktop', '--json', '--no-verify'])).stdout);
    expect(status.tools[0].detection.state).not.toBe('not-installed');
    expect(status.tools[0].entries).toEqual([expect.objectContaining({ file, name: 'mittwald', urlKind: 'legacy-sse' })]);
    const replaced = await json(['--tool', 'claude-desktop', '--no-verify', '--yes']);
    expect(replaced.tools[0]).toMatchObject({ status: 'instructions', files: [{ path: file, change: 'modified' }] });
    expect(JSON.parse(await readFile(linux(file), 'utf8'))).toEqual({ mcpServers: {} });
  });

  describe('against the local mittwald stand-in', () => {
    const token = createTestToken();
    let server: MittwaldTestServer;
    beforeAll(async () => {
      server = await startMittwaldServer({ tokens: [[token, createTestUser()]] });
    });
    afterAll(() => server.close());

    it('checks the credential and every written entry over node:http from Windows Node', async () => {
      const result = await json(['--tool', 'claude-code,codex,cursor,copilot', '--server-url', server.mcpUrl, '--api-url', server.apiUrl, '--token-stdin', '--yes'], { input: token });
      expect(result.ok).toBe(true);
      expect(result.tools.map((tool) => [tool.target, tool.check?.status])).toEqual([
        ['Claude Code (user)', 'connected'],
        ['Codex CLI (user)', 'connected'],
        ['Cursor (user)', 'connected'],
        ['VS Code, Copilot CLI and app (user)', 'connected'],
      ]);
    });

    it("starts npm's claude.cmd and codex.cmd shims found on PATH (in a folder with spaces and parentheses) and reads their answers", async () => {
      const bin = `${home}\\Ada Lovelace (x86)\\npm`;
      const argsFile = (tool: string) => `${bin}\\${tool}-args.txt`;
      // What npm's shims do, reduced: pass %* on to the program; here the "program" records its arguments
      // and answers like `claude mcp get` / `codex mcp get --json` do.
      await put(`${bin}\\claude.cmd`, `@echo off\r\necho %*>>"${argsFile('claude')}"\r\necho mittwald:\r\necho   Type: http\r\necho   URL: ${server.mcpUrl}\r\n`);
      await put(`${bin}\\codex.cmd`, `@echo off\r\necho %*>>"${argsFile('codex')}"\r\necho {"name":"mittwald","transport":{"type":"streamable_http","url":"${server.mcpUrl}"}}\r\n`);
      const result = await json(['--tool', 'claude-code,codex', '--server-url', server.mcpUrl, '--api-url', server.apiUrl, '--token-stdin', '--yes'], {
        input: token,
        env: { PATH: `${bin};${profile.env.PATH}` },
      });
      expect(result.tools.map((tool) => [tool.tool, tool.confirmation])).toEqual([
        ['claude-code', { ok: true, detail: '`claude mcp get mittwald` shows it' }],
        ['codex', { ok: true, detail: '`codex mcp get mittwald --json` shows it', activation: { state: 'active' } }],
      ]);
      expect((await readFile(linux(argsFile('claude')), 'utf8')).trim()).toBe('mcp get mittwald');
      expect((await readFile(linux(argsFile('codex')), 'utf8')).trim()).toBe('mcp get mittwald --json');
    });
  });

  describe('runToolCommand (src/kit/tool-command.ts, bundled) on Windows Node', () => {
    let bundle: string;
    beforeAll(async () => {
      const { build } = await import('esbuild');
      bundle = await mkdtemp(path.join(tmpdir(), 'mms-tool-command-'));
      await build({
        entryPoints: [path.resolve(import.meta.dirname, '../../src/kit/tool-command.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: path.join(bundle, 'tool-command.mjs'),
        logLevel: 'error',
        banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
      });
      await writeFile(path.join(bundle, 'run.mjs'), "import { runToolCommand } from './tool-command.mjs';\nprocess.stdout.write(JSON.stringify(await runToolCommand(JSON.parse(process.env.MMS_ARGV), { timeoutMs: 30_000 })));\n");
    });
    afterAll(() => rm(bundle, { recursive: true, force: true }));

    const runTool = async (argv: string[]) => {
      const run = await runWindows(wine, [windowsPath(path.join(bundle, 'run.mjs'))], { cwd: profile.dir, env: { ...profile.env, MMS_ARGV: JSON.stringify(argv) } });
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as { exitCode: number; stdout: string; output: string };
    };
    const shim = async () => {
      const file = `${home}\\Program Files (x86)\\nodejs\\tool.cmd`;
      await put(file, `@echo off\r\necho started>>"${home}\\started.txt"\r\necho ARGS:%*\r\nexit /b 3\r\n`);
      return file;
    };

    it('starts a .cmd in a folder with spaces and parentheses through cmd.exe and passes its arguments', async () => {
      const result = await runTool([await shim(), 'mcp', 'login', 'mittwald', '--scopes', 'project:read,app:write']);
      expect(result).toEqual({ exitCode: 3, stdout: 'ARGS:mcp login mittwald --scopes project:read,app:write', output: 'ARGS:mcp login mittwald --scopes project:read,app:write' });
    });

    it.each(['a&echo INJECTED>pwned.txt', '%PATH%', 'a|b', 'x"y'])('does not start a .cmd with the argument %j at all', async (argument) => {
      const result = await runTool([await shim(), 'mcp', 'get', argument]);
      expect(result).toMatchObject({ exitCode: 1, output: expect.stringContaining('cmd.exe would interpret') });
      expect(await readdir(profile.dir)).not.toContain('started.txt');
      expect(await readdir(profile.dir)).not.toContain('pwned.txt');
    });
  });

  it('an unparseable file is refused with its Windows path, and nothing is written', async () => {
    const file = `${home}\\.cursor\\mcp.json`;
    await put(file, '{ "mcpServers": { \r\n');
    const run = await cli(['--tool', 'cursor', '--token', TOKEN, '--no-verify', '--yes']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout + run.stderr).toContain(file);
    expect(await readFile(linux(file), 'utf8')).toBe('{ "mcpServers": { \r\n');
  });

  it('names the Windows form of a path it was given', () => {
    expect(windowsPath('/tmp/a b/c')).toBe('Z:\\tmp\\a b\\c');
  });
});
