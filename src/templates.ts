/** Renders the instruction texts in templates/: `{{placeholder}}` replaced from `values`. An unknown
 * placeholder is a bug, so it throws rather than print `{{…}}` to a user. */
import chatgpt from '../templates/chatgpt.md?raw';
import claudeDesktop from '../templates/claude-desktop.md?raw';

export const TEMPLATES = { 'claude-desktop': claudeDesktop, chatgpt } as const;
export type TemplateName = keyof typeof TEMPLATES;

export interface TemplateValues {
  name: string;
  serverUrl: string;
  settingsUrl: string;
  description: string;
  prompt: string;
  /** A paragraph (with its own blank lines) or the empty string. */
  signInNote: string;
}

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    if (!Object.hasOwn(values, key)) throw new Error(`Template placeholder {{${key}}} has no value`);
    return values[key as keyof TemplateValues];
  });
}

/** The first thing to ask a newly connected assistant: read-only and telling. */
export const VERIFICATION_PROMPT = 'Use the mittwald tools to get my user information, then list my projects.';
export const CONNECTOR_DESCRIPTION = 'Manage mittwald hosting: projects, apps, databases, domains, mail and more.';
