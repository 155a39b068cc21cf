/** The platform folders adapters build their paths from. Pure functions of an Environment, so the Windows and
 * macOS paths are tested on Linux. Overrides honoured: APPDATA, LOCALAPPDATA, XDG_CONFIG_HOME, XDG_DATA_HOME. Where a tool
 * keeps its files is the tool's adapter's knowledge, not this module's. */
import path from 'node:path';
import type { Environment } from '../model.js';

function pathFor(environment: Environment): path.PlatformPath {
  return environment.platform === 'win32' ? path.win32 : path.posix;
}

/** `join` with the target platform's separator. */
export function joinPath(environment: Environment, ...parts: string[]): string {
  return pathFor(environment).join(...parts);
}

/** `%APPDATA%` (roaming), default `%USERPROFILE%\AppData\Roaming`. Meaningful on Windows only. */
export function appData(environment: Environment): string {
  return environment.env.APPDATA ?? joinPath(environment, environment.home, 'AppData', 'Roaming');
}

/** `%LOCALAPPDATA%`, default `%USERPROFILE%\AppData\Local`. Meaningful on Windows only. */
export function localAppData(environment: Environment): string {
  return environment.env.LOCALAPPDATA ?? joinPath(environment, environment.home, 'AppData', 'Local');
}

/** XDG config folder (`$XDG_CONFIG_HOME` or `~/.config`). Many CLI tools use `~/.config` on macOS too. */
export function xdgConfig(environment: Environment): string {
  return environment.env.XDG_CONFIG_HOME ?? joinPath(environment, environment.home, '.config');
}

/** XDG data folder (`$XDG_DATA_HOME` or `~/.local/share`), where such tools keep state such as sign-ins. */
export function xdgData(environment: Environment): string {
  return environment.env.XDG_DATA_HOME ?? joinPath(environment, environment.home, '.local', 'share');
}

/** `~/Library/Application Support` (macOS). */
export function macApplicationSupport(environment: Environment): string {
  return joinPath(environment, environment.home, 'Library', 'Application Support');
}

/** The folder where desktop apps keep their settings on this platform: `%APPDATA%` on Windows,
 * `~/Library/Application Support` on macOS, the XDG config folder on Linux. */
export function appSettingsDir(environment: Environment): string {
  switch (environment.platform) {
    case 'win32':
      return appData(environment);
    case 'darwin':
      return macApplicationSupport(environment);
    default:
      return xdgConfig(environment);
  }
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
