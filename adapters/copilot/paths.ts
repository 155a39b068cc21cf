/** Where each GitHub Copilot host keeps its files and is installed, on each platform. */
import path from 'node:path';
import type { Environment } from '../../src/model.js';
import { appSettingsDir, joinPath, localAppData, xdgConfig } from '../../src/kit/paths.js';

/** The folder that holds VS Code's `User` folder, for stable (`Code`) or Insiders (`Code - Insiders`). */
export function vscodeUserDir(environment: Environment, edition: 'Code' | 'Code - Insiders'): string {
  return joinPath(environment, appSettingsDir(environment), edition, 'User');
}

/** Where VS Code (stable or Insiders) is installed, for detection. */
export function vscodeInstallPaths(environment: Environment, edition: 'Code' | 'Code - Insiders'): string[] {
  const insiders = edition === 'Code - Insiders';
  switch (environment.platform) {
    case 'darwin':
      return [insiders ? '/Applications/Visual Studio Code - Insiders.app' : '/Applications/Visual Studio Code.app'];
    case 'win32':
      return [joinPath(environment, localAppData(environment), 'Programs', insiders ? 'Microsoft VS Code Insiders' : 'Microsoft VS Code', insiders ? 'Code - Insiders.exe' : 'Code.exe')];
    default:
      return insiders ? ['/usr/share/code-insiders', '/snap/code-insiders'] : ['/usr/share/code', '/snap/code'];
  }
}

/** Copilot for JetBrains / Xcode: `~/.config/github-copilot/<ide>/mcp.json` (macOS too, where GitHub's IDE
 * plugins keep their files); on Windows under LOCALAPPDATA. */
export function copilotIdeFile(environment: Environment, ide: 'intellij' | 'xcode'): string {
  const base = environment.platform === 'win32' ? localAppData(environment) : xdgConfig(environment);
  return joinPath(environment, base, 'github-copilot', ide, 'mcp.json');
}

/** Visual Studio's user-wide file, `%USERPROFILE%\.mcp.json` (Windows only). */
export function visualStudioUserFile(environment: Environment): string {
  return joinPath(environment, environment.home, '.mcp.json');
}

/** Where Visual Studio is installed (Windows only), for detection. */
export function visualStudioInstallPaths(environment: Environment): string[] {
  return environment.platform === 'win32' ? [joinPath(environment, environment.env.ProgramFiles ?? 'C:\\Program Files', 'Microsoft Visual Studio')] : [];
}

/** `$COPILOT_HOME`, default `~/.copilot`: the folder of Copilot's shared runtime (CLI, app, VS Code). */
export function copilotHome(environment: Environment): string {
  return environment.env.COPILOT_HOME ?? joinPath(environment, environment.home, '.copilot');
}

/** `$COPILOT_HOME/mcp-config.json`, default `~/.copilot/mcp-config.json`: the portable format's user file. */
export function copilotCliFile(environment: Environment): string {
  return joinPath(environment, copilotHome(environment), 'mcp-config.json');
}

export function dirname(environment: Environment, file: string): string {
  return (environment.platform === 'win32' ? path.win32 : path.posix).dirname(file);
}
