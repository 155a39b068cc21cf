/** Builds an Adapter for an app that can only be set up in its settings screen: its plan is rendered
 * instructions, never a file or command. */
import type { Adapter } from './adapter.js';
import { detectFromClues, type DetectionClues } from './detect.js';
import type { Environment, SetupRequest, ToolId, ToolPlan } from './model.js';
import { CONNECTOR_DESCRIPTION, renderTemplate, TEMPLATES, VERIFICATION_PROMPT, type TemplateName } from './templates.js';

export interface SettingsScreenApp {
  id: ToolId & TemplateName;
  name: string;
  /** The page where the connector is added. */
  settingsUrl: string;
  clues(environment: Environment): DetectionClues;
  removal(name: string): string;
}

function signInNote(request: SetupRequest): string {
  if (!request.oauthVerifiedAs) return '';
  return `\nChecked from here: signing in to mittwald with OAuth works (as ${request.oauthVerifiedAs}) and the server answers.\nIf the connector still fails, the cause is in the app's settings (plan, workspace permissions), not your account.\n`;
}

/** The personalised steps for one app. */
export function renderInstructions(app: SettingsScreenApp, request: Pick<SetupRequest, 'name' | 'serverUrl' | 'oauthVerifiedAs'>): string {
  return renderTemplate(TEMPLATES[app.id], {
    name: request.name,
    serverUrl: request.serverUrl,
    settingsUrl: app.settingsUrl,
    description: CONNECTOR_DESCRIPTION,
    prompt: VERIFICATION_PROMPT,
    signInNote: signInNote(request as SetupRequest),
  });
}

export function defineSettingsScreenAdapter(app: SettingsScreenApp): Adapter & { settingsUrl: string } {
  const plan = (target: string, instructions: string, nextSteps: string[]): ToolPlan[] => [
    { tool: app.id, target, steps: [], stale: [], staleKept: [], instructions, nextSteps, warnings: [] },
  ];
  return {
    id: app.id,
    name: app.name,
    kind: 'instructions',
    scopes: ['user'],
    acceptsToken: false,
    secretReference: 'none',
    settingsUrl: app.settingsUrl,
    detect: (environment) => detectFromClues(app.id, environment, app.clues(environment)),
    plan: async (_environment, request) =>
      plan(app.name, renderInstructions(app, request), [`Open ${app.settingsUrl} and add the "${request.name}" connector as described above.`]),
    planRemove: async (_environment, { name }) => plan(app.name, app.removal(name), []),
    // The app keeps its connectors in the vendor's cloud: nothing here to read.
    inspect: async () => [],
  };
}

export { VERIFICATION_PROMPT };
