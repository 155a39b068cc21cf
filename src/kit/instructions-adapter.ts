/** Builds an Adapter for an app that can only be set up in its settings screen: its plan is rendered
 * instructions. The one file step it may carry takes old local bridges to mittwald out of the app's own
 * config file (`npx mcp-remote …/sse`, how the server was wired before connectors). */
import type { Adapter } from './adapter.js';
import { readConfigFile } from '../files/config-file.js';
import { detectFromClues, type DetectionClues } from './detect.js';
import { getJsonValue, parseJsonDocument, removeJsonValue } from '../files/jsonc-document.js';
import { DEFAULT_SERVER_URL, type Environment, type FileStep, type InstalledEntry, type SetupRequest, type StaleEntry, type ToolId, type ToolPlan } from '../model.js';
import { bridgedUrl, classifyServerUrl } from './server-url.js';
import { CONNECTOR_DESCRIPTION, renderTemplate, SIGN_IN_NOTE_TEMPLATE, VERIFICATION_PROMPT } from './templates.js';

/** One way of adding the server in the app: its step-by-step text (templates/) and the page it starts on. */
export interface ConnectorRoute {
  template: string;
  pageUrl(request: Pick<SetupRequest, 'name' | 'serverUrl'>): string;
}

export interface SettingsScreenApp {
  id: ToolId;
  name: string;
  /** mittwald's own listing in the app (a directory entry, an app): for mittwald's server URL. */
  official: ConnectorRoute;
  /** A connector made by hand: for any other server URL (`--server-url`). */
  custom: ConnectorRoute;
  clues(environment: Environment): DetectionClues;
  /** Said in the tool list instead of the detection state (a web app has nothing to detect). */
  detectionNote?: string;
  removal(name: string): string;
  /** The app's local config file, whose `mcpServers` may still hold an old bridge to mittwald. */
  localConfig?(environment: Environment): Promise<string | undefined>;
}

interface LocalBridges {
  file: string;
  text: string;
  bridges: StaleEntry[];
}

/** Local stdio bridges (`mcp-remote <mittwald URL>`) in the app's config file, under any name. */
async function localBridges(app: SettingsScreenApp, environment: Environment, serverUrl: string): Promise<LocalBridges | undefined> {
  const file = await app.localConfig?.(environment);
  if (!file) return undefined;
  const { text } = await readConfigFile(file);
  if (text === null) return undefined;
  const servers = (parseJsonDocument(text, file, 'json')?.mcpServers ?? {}) as Record<string, unknown>;
  const bridges: StaleEntry[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    const url = bridgedUrl(entry);
    const kind = url === undefined ? 'other' : classifyServerUrl(url, serverUrl);
    if (url !== undefined && kind !== 'other') bridges.push({ name, url, file, reason: kind === 'current' ? 'duplicate' : kind });
  }
  return { file, text, bridges };
}

/** What the steps need from a setup request. */
export type InstructionsRequest = Pick<SetupRequest, 'name' | 'serverUrl' | 'oauthVerifiedAs'>;

/** The paragraph saying the OAuth check from here worked (so a failing connector is the app's problem), or
 * the empty string when no check succeeded in this run. */
export function signInNote(request: Pick<SetupRequest, 'oauthVerifiedAs'>): string {
  return request.oauthVerifiedAs ? renderTemplate(SIGN_IN_NOTE_TEMPLATE, { account: request.oauthVerifiedAs }) : '';
}

/** mittwald's server has an official listing in the app; any other URL is added as a custom connector. */
export function connectorRoute(app: SettingsScreenApp, request: Pick<SetupRequest, 'serverUrl'>): ConnectorRoute {
  return request.serverUrl === DEFAULT_SERVER_URL ? app.official : app.custom;
}

/** The personalised steps for one app: the page to start on, the entry's name and URL, the connector
 * description, the prompt to try, how to remove it, and what to do about the usual failures. */
export function renderInstructions(app: SettingsScreenApp, request: InstructionsRequest): string {
  const route = connectorRoute(app, request);
  return renderTemplate(route.template, {
    name: request.name,
    serverUrl: request.serverUrl,
    settingsUrl: route.pageUrl(request),
    description: CONNECTOR_DESCRIPTION,
    prompt: VERIFICATION_PROMPT,
    signInNote: signInNote(request),
  });
}

export function defineSettingsScreenAdapter(app: SettingsScreenApp): Adapter {
  const plan = (target: string, instructions: string, nextSteps: string[], local?: LocalBridges, remove = false): ToolPlan[] => {
    const bridges = local?.bridges ?? [];
    const steps: FileStep[] = [];
    if (local && remove && bridges.length > 0) {
      const after = bridges.reduce((text, bridge) => removeJsonValue(text, ['mcpServers', bridge.name]), local.text);
      steps.push({ kind: 'file', path: local.file, before: local.text, after, secret: false });
    }
    const warnings = bridges.length && !remove ? [`${app.name}'s config file still starts an old local bridge to mittwald; pass --yes to take it out.`] : [];
    return [{ tool: app.id, target, steps, stale: remove ? bridges : [], staleKept: remove ? [] : bridges, instructions, nextSteps, warnings }];
  };
  return {
    id: app.id,
    name: app.name,
    kind: 'instructions',
    scopes: ['user'],
    acceptsToken: false,
    secretReference: 'none',
    settingsUrl: (request) => connectorRoute(app, request).pageUrl(request),
    detect: async (environment) => {
      const detection = await detectFromClues(app.id, environment, app.clues(environment));
      return app.detectionNote === undefined ? detection : { ...detection, note: app.detectionNote };
    },
    plan: async (environment, request) =>
      plan(
        app.name,
        renderInstructions(app, request),
        [`Open ${connectorRoute(app, request).pageUrl(request)} and add the connector as described above.`],
        await localBridges(app, environment, request.serverUrl),
        request.replaceStale,
      ),
    planRemove: async (environment, { name }) => {
      const local = await localBridges(app, environment, DEFAULT_SERVER_URL);
      const ours = local && getJsonValue(local.text, ['mcpServers', name]) !== undefined ? { ...local, bridges: local.bridges.filter((bridge) => bridge.name === name) } : undefined;
      return plan(app.name, app.removal(name), [], ours, true);
    },
    // The connectors live in the vendor's cloud; only old local bridges can be seen here.
    inspect: async (environment, { serverUrl }) =>
      ((await localBridges(app, environment, serverUrl))?.bridges ?? []).map(
        (bridge): InstalledEntry => ({ tool: app.id, scope: 'user', host: 'local bridge', file: bridge.file, name: bridge.name, url: bridge.url, auth: 'oauth', unresolved: [] }),
      ),
  };
}
