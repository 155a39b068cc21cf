/** Where each tool keeps its configuration, per operating system. Pure functions of an Environment, so the
 * Windows and macOS tables are tested on Linux. Overrides: APPDATA, LOCALAPPDATA, XDG_CONFIG_HOME,
 * CODEX_HOME, CLAUDE_CONFIG_DIR, COPILOT_HOME. */
import path from 'node:path';
import type { Environment } from './model.js';

function pathFor(environment: Environment): path.PlatformPath {
  return environment.platform === 'win32' ? path.win32 : path.posix;
}

/** `join` with the target platform's separator. */
export function joinPath(environment: Environment, ...parts: string[]): string {
  return pathFor(environment).join(...parts);
}

function appData(environment: Environment): string {
  return environment.env.APPDATA ?? joinPath(environment, environment.home, 'AppData', 'Roaming');
}

function localAppData(environment: Environment): string {
  return environment.env.LOCALAPPDATA ?? joinPath(environment, environment.home, 'AppData', 'Local');
}

/** XDG config folder on Linux (`$XDG_CONFIG_HOME` or `~/.config`); `~/.config` elsewhere, which is where
 * GitHub Copilot's IDE plugins keep their files on macOS too. */
function xdgConfig(environment: Environment): string {
  return environment.env.XDG_CONFIG_HOME ?? joinPath(environment, environment.home, '.config');
}

/** Claude Code's main file: `~/.claude.json`, or `$CLAUDE_CONFIG_DIR/.claude.json`. */
export function claudeCodeUserFile(environment: Environment): string {
  const dir = environment.env.CLAUDE_CONFIG_DIR;
  return dir ? joinPath(environment, dir, '.claude.json') : joinPath(environment, environment.home, '.claude.json');
}

/** Claude Code's settings folder (`~/.claude`, or `$CLAUDE_CONFIG_DIR`). */
export function claudeCodeConfigDir(environment: Environment): string {
  return environment.env.CLAUDE_CONFIG_DIR ?? joinPath(environment, environment.home, '.claude');
}

/** `$CODEX_HOME` or `~/.codex` (`%USERPROFILE%\.codex` on Windows). */
export function codexHome(environment: Environment): string {
  return environment.env.CODEX_HOME ?? joinPath(environment, environment.home, '.codex');
}

export function cursorUserFile(environment: Environment): string {
  return joinPath(environment, environment.home, '.cursor', 'mcp.json');
}

/** The folder that holds VS Code's `User` folder, for stable (`Code`) or Insiders (`Code - Insiders`). */
export function vscodeUserDir(environment: Environment, edition: 'Code' | 'Code - Insiders'): string {
  switch (environment.platform) {
    case 'win32':
      return joinPath(environment, appData(environment), edition, 'User');
    case 'darwin':
      return joinPath(environment, environment.home, 'Library', 'Application Support', edition, 'User');
    default:
      return joinPath(environment, xdgConfig(environment), edition, 'User');
  }
}

/** Copilot for JetBrains / Xcode: `~/.config/github-copilot/<ide>/mcp.json`; on Windows under LOCALAPPDATA. */
export function copilotIdeFile(environment: Environment, ide: 'intellij' | 'xcode'): string {
  const base =
    environment.platform === 'win32'
      ? joinPath(environment, localAppData(environment), 'github-copilot')
      : joinPath(environment, xdgConfig(environment), 'github-copilot');
  return joinPath(environment, base, ide, 'mcp.json');
}

/** Visual Studio's user-wide file, `%USERPROFILE%\.mcp.json` (Windows only). */
export function visualStudioUserFile(environment: Environment): string {
  return joinPath(environment, environment.home, '.mcp.json');
}

/** `$COPILOT_HOME/mcp-config.json`, default `~/.copilot/mcp-config.json`. */
export function copilotCliFile(environment: Environment): string {
  const dir = environment.env.COPILOT_HOME ?? joinPath(environment, environment.home, '.copilot');
  return joinPath(environment, dir, 'mcp-config.json');
}

/** Claude Desktop's config folder (it takes only local servers in its file; we only detect it). Current
 * Windows MSIX installs keep it under the package's LocalCache instead of APPDATA. */
export function claudeDesktopDirs(environment: Environment): string[] {
  switch (environment.platform) {
    case 'darwin':
      return [joinPath(environment, environment.home, 'Library', 'Application Support', 'Claude')];
    case 'win32':
      return [
        joinPath(environment, appData(environment), 'Claude'),
        joinPath(environment, localAppData(environment), 'Packages', 'Claude_pzs8sxrjxfjjc', 'LocalCache', 'Roaming', 'Claude'),
      ];
    default:
      return [joinPath(environment, xdgConfig(environment), 'Claude')];
  }
}

/** Where a desktop app is installed, for detection. */
export function appInstallPaths(environment: Environment, app: 'cursor' | 'vscode' | 'vscode-insiders' | 'claude' | 'visual-studio'): string[] {
  const { platform, home } = environment;
  const local = localAppData(environment);
  const table: Record<typeof app, Record<Environment['platform'], string[]>> = {
    cursor: {
      darwin: ['/Applications/Cursor.app', joinPath(environment, home, 'Applications', 'Cursor.app')],
      win32: [joinPath(environment, local, 'Programs', 'cursor', 'Cursor.exe')],
      linux: ['/usr/share/cursor', '/opt/Cursor', joinPath(environment, home, 'Applications', 'cursor.AppImage')],
    },
    vscode: {
      darwin: ['/Applications/Visual Studio Code.app'],
      win32: [joinPath(environment, local, 'Programs', 'Microsoft VS Code', 'Code.exe')],
      linux: ['/usr/share/code', '/snap/code'],
    },
    'vscode-insiders': {
      darwin: ['/Applications/Visual Studio Code - Insiders.app'],
      win32: [joinPath(environment, local, 'Programs', 'Microsoft VS Code Insiders', 'Code - Insiders.exe')],
      linux: ['/usr/share/code-insiders', '/snap/code-insiders'],
    },
    claude: {
      darwin: ['/Applications/Claude.app'],
      win32: [joinPath(environment, local, 'AnthropicClaude', 'Claude.exe')],
      linux: [],
    },
    'visual-studio': {
      darwin: [],
      win32: [
        joinPath(environment, environment.env.ProgramFiles ?? 'C:\\Program Files', 'Microsoft Visual Studio'),
      ],
      linux: [],
    },
  };
  return table[app][platform];
}

/** Where the mittwald CLI (`mw login token`) keeps its API token: `$MW_CONFIG_DIR/token`, else
 * `$XDG_CONFIG_HOME/mw/token`, else `%LOCALAPPDATA%\mw\token` on Windows, else `~/.config/mw/token` (macOS too). */
export function mittwaldCliTokenFile(environment: Environment): string {
  const { env } = environment;
  if (env.MW_CONFIG_DIR) return joinPath(environment, env.MW_CONFIG_DIR, 'token');
  if (env.XDG_CONFIG_HOME) return joinPath(environment, env.XDG_CONFIG_HOME, 'mw', 'token');
  if (environment.platform === 'win32') return joinPath(environment, localAppData(environment), 'mw', 'token');
  return joinPath(environment, environment.home, '.config', 'mw', 'token');
}
