/** Builds an Adapter for an app that can only be set up in its settings screen: its plan is rendered
 * instructions, never a file or command. */
import type { Adapter } from './adapter.js';
import { detectFromClues, type DetectionClues } from './detect.js';
import type { Environment, SetupRequest, ToolId, ToolPlan } from './model.js';
import { CONNECTOR_DESCRIPTION, renderTemplate, SIGN_IN_NOTE_TEMPLATE, TEMPLATES, VERIFICATION_PROMPT, type TemplateName } from './templates.js';

export interface SettingsScreenApp {
  id: ToolId & TemplateName;
  name: string;
  /** The page where the connector is added. */
  settingsUrl: string;
  clues(environment: Environment): DetectionClues;
  removal(name: string): string;
}

/** What the steps need from a setup request. */
export type InstructionsRequest = Pick<SetupRequest, 'name' | 'serverUrl' | 'oauthVerifiedAs'>;

/** The paragraph saying the OAuth check from here worked (so a failing connector is the app's problem), or
 * the empty string when no check succeeded in this run. */
export function signInNote(request: Pick<SetupRequest, 'oauthVerifiedAs'>): string {
  return request.oauthVerifiedAs ? renderTemplate(SIGN_IN_NOTE_TEMPLATE, { account: request.oauthVerifiedAs }) : '';
}

/** The personalised steps for one app: the entry's name and URL, the connector description, the prompt to
 * try, how to remove it, and what to do about the usual failures. */
export function renderInstructions(app: SettingsScreenApp, request: InstructionsRequest): string {
  return renderTemplate(TEMPLATES[app.id], {
    name: request.name,
    serverUrl: request.serverUrl,
    settingsUrl: app.settingsUrl,
    description: CONNECTOR_DESCRIPTION,
    prompt: VERIFICATION_PROMPT,
    signInNote: signInNote(request),
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
