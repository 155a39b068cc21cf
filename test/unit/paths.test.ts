/** Every tool's paths (each from its adapter) on each operating system, with and without the override variables. */
import { describe, expect, it } from 'vitest';
import type { Environment } from '../../src/model.js';
import { claudeCodeConfigDir, claudeCodeUserFile } from '../../adapters/claude-code.js';
import { claudeDesktopDirs } from '../../adapters/claude-desktop.js';
import { codexHome } from '../../adapters/codex.js';
import { copilotCliFile, copilotIdeFile, visualStudioUserFile, vscodeUserDir } from '../../adapters/copilot/index.js';
import { cursorUserFile } from '../../adapters/cursor.js';
import { mittwaldCliTokenFile } from '../../src/kit/paths.js';

const linux: Environment = { platform: 'linux', home: '/home/ada', cwd: '/home/ada', env: {} };
const darwin: Environment = { platform: 'darwin', home: '/Users/ada', cwd: '/Users/ada', env: {} };
const win32: Environment = { platform: 'win32', home: 'C:\\Users\\ada', cwd: 'C:\\Users\\ada', env: {} };
const withEnv = (environment: Environment, env: Record<string, string>): Environment => ({ ...environment, env });

describe('defaults per platform', () => {
  it.each([
    ['linux', linux, {
      claude: '/home/ada/.claude.json',
      claudeDir: '/home/ada/.claude',
      codex: '/home/ada/.codex',
      cursor: '/home/ada/.cursor/mcp.json',
      vscode: '/home/ada/.config/Code/User',
      insiders: '/home/ada/.config/Code - Insiders/User',
      jetbrains: '/home/ada/.config/github-copilot/intellij/mcp.json',
      xcode: '/home/ada/.config/github-copilot/xcode/mcp.json',
      copilotCli: '/home/ada/.copilot/mcp-config.json',
      desktop: ['/home/ada/.config/Claude'],
    }],
    ['darwin', darwin, {
      claude: '/Users/ada/.claude.json',
      claudeDir: '/Users/ada/.claude',
      codex: '/Users/ada/.codex',
      cursor: '/Users/ada/.cursor/mcp.json',
      vscode: '/Users/ada/Library/Application Support/Code/User',
      insiders: '/Users/ada/Library/Application Support/Code - Insiders/User',
      jetbrains: '/Users/ada/.config/github-copilot/intellij/mcp.json',
      xcode: '/Users/ada/.config/github-copilot/xcode/mcp.json',
      copilotCli: '/Users/ada/.copilot/mcp-config.json',
      desktop: ['/Users/ada/Library/Application Support/Claude'],
    }],
    ['win32', win32, {
      claude: 'C:\\Users\\ada\\.claude.json',
      claudeDir: 'C:\\Users\\ada\\.claude',
      codex: 'C:\\Users\\ada\\.codex',
      cursor: 'C:\\Users\\ada\\.cursor\\mcp.json',
      vscode: 'C:\\Users\\ada\\AppData\\Roaming\\Code\\User',
      insiders: 'C:\\Users\\ada\\AppData\\Roaming\\Code - Insiders\\User',
      jetbrains: 'C:\\Users\\ada\\AppData\\Local\\github-copilot\\intellij\\mcp.json',
      xcode: 'C:\\Users\\ada\\AppData\\Local\\github-copilot\\xcode\\mcp.json',
      copilotCli: 'C:\\Users\\ada\\.copilot\\mcp-config.json',
      desktop: ['C:\\Users\\ada\\AppData\\Roaming\\Claude', 'C:\\Users\\ada\\AppData\\Local\\Packages\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude'],
    }],
  ] as const)('%s', (_name, environment, expected) => {
    expect(claudeCodeUserFile(environment)).toBe(expected.claude);
    expect(claudeCodeConfigDir(environment)).toBe(expected.claudeDir);
    expect(codexHome(environment)).toBe(expected.codex);
    expect(cursorUserFile(environment)).toBe(expected.cursor);
    expect(vscodeUserDir(environment, 'Code')).toBe(expected.vscode);
    expect(vscodeUserDir(environment, 'Code - Insiders')).toBe(expected.insiders);
    expect(copilotIdeFile(environment, 'intellij')).toBe(expected.jetbrains);
    expect(copilotIdeFile(environment, 'xcode')).toBe(expected.xcode);
    expect(copilotCliFile(environment)).toBe(expected.copilotCli);
    expect(claudeDesktopDirs(environment)).toEqual(expected.desktop);
  });

  it('puts Visual Studio in the Windows profile folder', () => {
    expect(visualStudioUserFile(win32)).toBe('C:\\Users\\ada\\.mcp.json');
  });
});

describe('override variables', () => {
  it('CLAUDE_CONFIG_DIR moves .claude.json and the settings folder', () => {
    const environment = withEnv(linux, { CLAUDE_CONFIG_DIR: '/srv/claude' });
    expect(claudeCodeUserFile(environment)).toBe('/srv/claude/.claude.json');
    expect(claudeCodeConfigDir(environment)).toBe('/srv/claude');
  });

  it('CODEX_HOME moves Codex', () => {
    expect(codexHome(withEnv(linux, { CODEX_HOME: '/srv/codex' }))).toBe('/srv/codex');
    expect(codexHome(withEnv(win32, { CODEX_HOME: 'D:\\codex' }))).toBe('D:\\codex');
  });

  it('COPILOT_HOME moves the Copilot CLI file', () => {
    expect(copilotCliFile(withEnv(linux, { COPILOT_HOME: '/srv/copilot' }))).toBe('/srv/copilot/mcp-config.json');
  });

  it('XDG_CONFIG_HOME moves VS Code and the Copilot IDE files on Linux', () => {
    const environment = withEnv(linux, { XDG_CONFIG_HOME: '/cfg' });
    expect(vscodeUserDir(environment, 'Code')).toBe('/cfg/Code/User');
    expect(copilotIdeFile(environment, 'intellij')).toBe('/cfg/github-copilot/intellij/mcp.json');
  });

  it('APPDATA and LOCALAPPDATA move the Windows folders', () => {
    const environment = withEnv(win32, { APPDATA: 'D:\\Roaming', LOCALAPPDATA: 'D:\\Local' });
    expect(vscodeUserDir(environment, 'Code')).toBe('D:\\Roaming\\Code\\User');
    expect(copilotIdeFile(environment, 'xcode')).toBe('D:\\Local\\github-copilot\\xcode\\mcp.json');
    expect(claudeDesktopDirs(environment)).toEqual(['D:\\Roaming\\Claude', 'D:\\Local\\Packages\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude']);
  });
});

describe("the mittwald CLI's token", () => {
  it('follows MW_CONFIG_DIR, then XDG_CONFIG_HOME, then %LOCALAPPDATA% on Windows, then ~/.config (macOS too)', () => {
    expect(mittwaldCliTokenFile(withEnv(linux, { MW_CONFIG_DIR: '/srv/mw', XDG_CONFIG_HOME: '/cfg' }))).toBe('/srv/mw/token');
    expect(mittwaldCliTokenFile(withEnv(linux, { XDG_CONFIG_HOME: '/cfg' }))).toBe('/cfg/mw/token');
    expect(mittwaldCliTokenFile(linux)).toBe('/home/ada/.config/mw/token');
    expect(mittwaldCliTokenFile(darwin)).toBe('/Users/ada/.config/mw/token');
    expect(mittwaldCliTokenFile(win32)).toBe('C:\\Users\\ada\\AppData\\Local\\mw\\token');
    expect(mittwaldCliTokenFile(withEnv(win32, { LOCALAPPDATA: 'D:\\Local' }))).toBe('D:\\Local\\mw\\token');
    expect(mittwaldCliTokenFile(withEnv(win32, { MW_CONFIG_DIR: 'E:\\mw' }))).toBe('E:\\mw\\token');
  });
});
