/** Claude Desktop (and claude.ai): its config file takes only local servers, so a remote server is added in
 * Settings → Connectors. OAuth only. Old setups bridged mittwald into that file with `npx mcp-remote`; those
 * bridges are found and, with consent, taken out. */
import { pathExists } from '../src/environment.js';
import { defineSettingsScreenAdapter } from '../src/instructions-adapter.js';
import { appInstallPaths, claudeDesktopDirs, joinPath } from '../src/paths.js';

export default defineSettingsScreenAdapter({
  id: 'claude-desktop',
  name: 'Claude Desktop',
  settingsUrl: 'https://claude.ai/settings/connectors',
  clues: (environment) => ({ installPaths: appInstallPaths(environment, 'claude'), configPaths: claudeDesktopDirs(environment) }),
  removal: (name) => `Claude Desktop: Settings → Connectors → ${name} → ⋯ → Remove.`,
  async localConfig(environment) {
    for (const dir of claudeDesktopDirs(environment)) {
      const file = joinPath(environment, dir, 'claude_desktop_config.json');
      if (await pathExists(file)) return file;
    }
    return undefined;
  },
});
