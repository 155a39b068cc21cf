/** ChatGPT: a web app; connectors are created in Settings → Apps & Connectors with developer mode on.
 * OAuth only, nothing to install or detect. */
import { defineSettingsScreenAdapter } from '../src/instructions-adapter.js';

export default defineSettingsScreenAdapter({
  id: 'chatgpt',
  name: 'ChatGPT',
  settingsUrl: 'https://chatgpt.com/#settings/Connectors',
  clues: () => ({}),
  removal: (name) => `ChatGPT: Settings → Apps & Connectors → ${name} → Delete.`,
});
