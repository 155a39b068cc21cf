/** Claude Desktop (and claude.ai): its config file takes only local servers, so a remote server is added in
 * Settings → Connectors. mittwald is an official connector in Claude's directory; another server URL is
 * added as a custom connector, through Anthropic's prefilled "add custom connector" link. OAuth only. Old
 * setups bridged mittwald into the config file with `npx mcp-remote`; those bridges are found and, with
 * consent, taken out. */
import official from '../templates/claude-desktop.md?raw';
import custom from '../templates/claude-desktop-custom.md?raw';
import { pathExists } from '../src/system/environment.js';
import { defineSettingsScreenAdapter } from '../src/kit/instructions-adapter.js';
import type { Environment } from '../src/model.js';
import { appData, joinPath, localAppData, macApplicationSupport, xdgConfig } from '../src/kit/paths.js';

/** Claude Desktop's config folder (it takes only local servers in its file; we only detect it). Current
 * Windows MSIX installs keep it under the package's LocalCache instead of APPDATA. */
export function claudeDesktopDirs(environment: Environment): string[] {
  switch (environment.platform) {
    case 'darwin':
      return [joinPath(environment, macApplicationSupport(environment), 'Claude')];
    case 'win32':
      return [
        joinPath(environment, appData(environment), 'Claude'),
        joinPath(environment, localAppData(environment), 'Packages', 'Claude_pzs8sxrjxfjjc', 'LocalCache', 'Roaming', 'Claude'),
      ];
    default:
      return [joinPath(environment, xdgConfig(environment), 'Claude')];
  }
}

/** Where the Claude app is installed, for detection (Linux has no official build). */
function claudeInstallPaths(environment: Environment): string[] {
  switch (environment.platform) {
    case 'darwin':
      return ['/Applications/Claude.app'];
    case 'win32':
      return [joinPath(environment, localAppData(environment), 'AnthropicClaude', 'Claude.exe')];
    default:
      return [];
  }
}

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
  clues: (environment) => ({ installPaths: claudeInstallPaths(environment), configPaths: claudeDesktopDirs(environment) }),
  removal: (name) => `Claude Desktop: Settings → Connectors → ${name} → ⋯ → Disconnect (the directory connector) or Remove (a custom one).`,
  async localConfig(environment) {
    for (const dir of claudeDesktopDirs(environment)) {
      const file = joinPath(environment, dir, 'claude_desktop_config.json');
      if (await pathExists(file)) return file;
    }
    return undefined;
  },
});
