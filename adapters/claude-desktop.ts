/** Claude Desktop (and claude.ai): its config file takes only local servers, so a remote server is added in
 * Settings → Connectors. mittwald is an official connector in Claude's directory; another server URL is
 * added as a custom connector, through Anthropic's prefilled "add custom connector" link. OAuth only. Old
 * setups bridged mittwald into the config file with `npx mcp-remote`; those bridges are found and, with
 * consent, taken out. */
import official from '../templates/claude-desktop.md?raw';
import custom from '../templates/claude-desktop-custom.md?raw';
import { pathExists } from '../src/environment.js';
import { defineSettingsScreenAdapter } from '../src/instructions-adapter.js';
import { appInstallPaths, claudeDesktopDirs, joinPath } from '../src/paths.js';

/** Claude's page that opens "Add custom connector" with the name and URL filled in. */
export function customConnectorLink(name: string, serverUrl: string): string {
  const query = new URLSearchParams({ modal: 'add-custom-connector', connectorName: name, connectorUrl: serverUrl });
  return `https://claude.ai/customize/connectors?${query.toString()}`;
}

export default defineSettingsScreenAdapter({
  id: 'claude-desktop',
  name: 'Claude Desktop',
  official: { template: official, pageUrl: () => 'https://claude.ai/directory/mittwald' },
  custom: { template: custom, pageUrl: ({ name, serverUrl }) => customConnectorLink(name, serverUrl) },
  clues: (environment) => ({ installPaths: appInstallPaths(environment, 'claude'), configPaths: claudeDesktopDirs(environment) }),
  removal: (name) => `Claude Desktop: Settings → Connectors → ${name} → ⋯ → Disconnect (the directory connector) or Remove (a custom one).`,
  async localConfig(environment) {
    for (const dir of claudeDesktopDirs(environment)) {
      const file = joinPath(environment, dir, 'claude_desktop_config.json');
      if (await pathExists(file)) return file;
    }
    return undefined;
  },
});
