/** ChatGPT: a web app. mittwald's server is the official mittwald app (Settings → Plugins, every plan);
 * another server URL is added as a connector in Settings → Apps & Connectors with developer mode on.
 * OAuth only, nothing to install or detect. */
import official from '../templates/chatgpt.md?raw';
import custom from '../templates/chatgpt-custom.md?raw';
import { defineSettingsScreenAdapter } from '../src/kit/instructions-adapter.js';

export default defineSettingsScreenAdapter({
  id: 'chatgpt',
  name: 'ChatGPT',
  official: { template: official, pageUrl: () => 'https://chatgpt.com/plugins/plugin_asdk_app_6a68b368b8588191afee9a7e2b327d63' },
  custom: { template: custom, pageUrl: () => 'https://chatgpt.com/#settings/Connectors' },
  clues: () => ({}),
  detectionNote: 'web app, nothing to install',
  removal: (name) => `ChatGPT: Settings → Plugins → mittwald → Uninstall (the official app), or Settings → Apps & Connectors → ${name} → Delete (a connector made in developer mode).`,
});
