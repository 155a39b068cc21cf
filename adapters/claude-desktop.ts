/** Claude Desktop (and claude.ai): its config file takes only local servers, so a remote server is added in
 * Settings → Connectors. OAuth only. */
import { appInstallPaths, claudeDesktopDirs } from '../src/paths.js';
import { defineSettingsScreenAdapter } from '../src/instructions-adapter.js';

export default defineSettingsScreenAdapter({
  id: 'claude-desktop',
  name: 'Claude Desktop',
  settingsUrl: 'https://claude.ai/settings/connectors',
  clues: (environment) => ({ installPaths: appInstallPaths(environment, 'claude'), configPaths: claudeDesktopDirs(environment) }),
  removal: (name) => `Claude Desktop: Settings → Connectors → ${name} → ⋯ → Remove.`,
});
