/** The instruction texts of the settings-screen apps: what templates/*.md render to through the adapters, and
 * the renderer's rules (every placeholder filled, an unknown one throws, values are not re-expanded). */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import chatgpt from '../../adapters/chatgpt.js';
import claudeDesktop, { customConnectorLink } from '../../adapters/claude-desktop.js';
import type { Adapter } from '../../src/kit/adapter.js';
import { signInNote } from '../../src/kit/instructions-adapter.js';
import type { Environment, SetupRequest } from '../../src/model.js';
import { CONNECTOR_DESCRIPTION, renderTemplate, SIGN_IN_NOTE_TEMPLATE, VERIFICATION_PROMPT, type TemplateValues } from '../../src/kit/templates.js';

const DEFAULT_URL = 'https://mcp.mittwald.de/mcp';
const CUSTOM_URL = 'https://mcp.staging.example.test/v2/mcp';
// The apps are configured in the vendor's cloud: planning reads nothing from this machine.
const environment: Environment = { platform: 'linux', home: '/home/ann', cwd: '/home/ann', env: {} };

function request(overrides: Partial<SetupRequest> = {}): SetupRequest {
  return { serverUrl: DEFAULT_URL, name: 'mittwald', scope: 'user', credential: { kind: 'oauth' }, replaceStale: false, ...overrides };
}

async function steps(adapter: Adapter, overrides: Partial<SetupRequest> = {}): Promise<string> {
  const plans = await adapter.plan(environment, request(overrides));
  expect(plans).toHaveLength(1);
  expect(plans[0]?.steps).toEqual([]);
  return plans[0]?.instructions ?? '';
}

const APPS = [
  ['claude-desktop', claudeDesktop],
  ['chatgpt', chatgpt],
] as const;

const OFFICIAL_PAGES = {
  'claude-desktop': 'https://claude.ai/directory/mittwald',
  chatgpt: 'https://chatgpt.com/plugins/plugin_asdk_app_6a68b368b8588191afee9a7e2b327d63',
} as const;

/** What only the custom-connector route asks for. */
const CUSTOM_ROUTE_MARKERS = { 'claude-desktop': 'Add custom connector', chatgpt: 'turn on Developer mode' } as const;

const TEMPLATE_DIR = path.resolve(import.meta.dirname, '../../templates');
const TEMPLATE_FILES = (await readdir(TEMPLATE_DIR)).filter((file) => file.endsWith('.md') && file !== 'sign-in-note.md');

const placeholders = (template: string): string[] => [...template.matchAll(/\{\{([^{}]*)\}\}/g)].map((match) => (match[1] ?? '').trim());

describe.each(APPS)('%s steps', (id, adapter) => {
  it('match the reviewed texts: the official listing for mittwald, a custom connector for another URL', async () => {
    await expect(await steps(adapter)).toMatchFileSnapshot(`__snapshots__/${id}.steps.txt`);
    await expect(await steps(adapter, { serverUrl: CUSTOM_URL, name: 'mw-staging' })).toMatchFileSnapshot(`__snapshots__/${id}-custom.steps.txt`);
  });

  it("lead with mittwald's official listing for mittwald's server: no URL to type", async () => {
    const text = await steps(adapter);
    expect(text).toContain(OFFICIAL_PAGES[id]);
    expect(adapter.settingsUrl?.(request())).toBe(OFFICIAL_PAGES[id]);
    expect(text).not.toMatch(/URL: /);
    expect(text.replace(/\s+/g, ' ')).not.toContain(CUSTOM_ROUTE_MARKERS[id]);
    expect((await steps(adapter, { serverUrl: CUSTOM_URL })).replace(/\s+/g, ' ')).toContain(CUSTOM_ROUTE_MARKERS[id]);
  });

  it.each([
    ['official', DEFAULT_URL],
    ['custom', CUSTOM_URL],
  ] as const)('%s: the prompt, the removal and the usual failures, with every placeholder filled', async (_route, serverUrl) => {
    const text = await steps(adapter, { name: 'mw-prod', serverUrl });
    expect(text).toContain(adapter.settingsUrl?.({ name: 'mw-prod', serverUrl }));
    expect(text).toContain(`Ask: "${VERIFICATION_PROMPT}"`);
    expect(text).toMatch(/To remove it: Settings → /);
    expect(text).toContain('"redirect_uri is not registered for this client"');
    expect(text).toMatch(/7 days/);
    expect(text).toMatch(/"403".*\n?.*read-only/);
    expect(text).toContain('it takes no API token');
    expect(text).not.toMatch(/\{\{|\}\}/);
  });

  it('a custom connector carries the name and --server-url, and nothing of mittwald\'s own URL', async () => {
    const text = await steps(adapter, { name: 'mw-prod', serverUrl: CUSTOM_URL });
    expect(text).toMatch(new RegExp(`URL: +${CUSTOM_URL.replace(/[.]/g, '\\.')}\\n`));
    expect(text).toMatch(/Name: +mw-prod\n/);
    expect(text).toMatch(/To remove it: Settings → .*mw-prod/);
    expect(text).not.toContain('mcp.mittwald.de');
    // The entry's name is never hard-coded: a quoted "mittwald" would be the default name leaking through.
    expect(text).not.toContain('"mittwald"');
  });

  it('say the account and server are fine only when the OAuth check of this run succeeded', async () => {
    const checked = await steps(adapter, { oauthVerifiedAs: 'Ada Lovelace <ada@example.test>' });
    expect(checked.replace(/\s+/g, ' ')).toContain('signing in to mittwald with OAuth works, as Ada Lovelace <ada@example.test>, and the server answers');
    expect(checked.replace(/\s+/g, ' ')).toContain('your account and the server are fine');
    expect(checked.indexOf('Checked from here')).toBeLessThan(checked.indexOf('To remove it'));
    expect(await steps(adapter)).not.toContain('Checked from here');
  });

  it('tell how to remove the connector', async () => {
    const [plan] = await adapter.planRemove(environment, { name: 'mw-prod', scope: 'user' });
    expect(plan?.steps).toEqual([]);
    expect(plan?.instructions).toMatch(/Settings → .*mw-prod/);
  });
});

describe.each(TEMPLATE_FILES)('templates/%s', (file) => {
  it('names only placeholders the renderer fills', async () => {
    const known: Array<keyof TemplateValues> = ['name', 'serverUrl', 'settingsUrl', 'description', 'prompt', 'signInNote'];
    const used = placeholders(await readFile(path.join(TEMPLATE_DIR, file), 'utf8'));
    for (const key of used) expect(known).toContain(key);
    expect(used).toEqual(expect.arrayContaining(['settingsUrl', 'prompt', 'signInNote', ...(file.includes('custom') ? ['name', 'serverUrl'] : [])]));
  });
});

describe('Claude custom connector', () => {
  it("opens Anthropic's prefilled add-custom-connector page with the name and the URL", () => {
    const link = new URL(customConnectorLink('mw prod', `${CUSTOM_URL}?a=1&b=2`));
    expect(link.origin + link.pathname).toBe('https://claude.ai/customize/connectors');
    expect(link.searchParams.get('modal')).toBe('add-custom-connector');
    expect(link.searchParams.get('connectorName')).toBe('mw prod');
    expect(link.searchParams.get('connectorUrl')).toBe(`${CUSTOM_URL}?a=1&b=2`);
  });
});

describe('ChatGPT steps', () => {
  it('give a developer-mode connector its description and OAuth as the authentication', async () => {
    const text = await steps(chatgpt, { serverUrl: CUSTOM_URL });
    expect(text).toMatch(new RegExp(`Description: +${CONNECTOR_DESCRIPTION.replace(/[.]/g, '\\.')}\\n`));
    expect(text).toMatch(/Authentication: +OAuth/);
    expect(text).toMatch(/Developer mode/);
  });

  it('say the official app works on every plan, Free included', async () => {
    expect((await steps(chatgpt)).replace(/\s+/g, ' ')).toContain('on every plan including Free');
  });
});

describe('signInNote', () => {
  it('is a paragraph of its own naming the account, or nothing', () => {
    expect(placeholders(SIGN_IN_NOTE_TEMPLATE)).toEqual(['account']);
    const note = signInNote({ oauthVerifiedAs: 'Ada Lovelace' });
    expect(note.startsWith('\n')).toBe(true);
    expect(note.endsWith('\n')).toBe(true);
    expect(note.replace(/\s+/g, ' ')).toContain('as Ada Lovelace,');
    expect(signInNote({})).toBe('');
  });
});

describe('renderTemplate', () => {
  const values: TemplateValues = {
    name: 'mittwald',
    serverUrl: DEFAULT_URL,
    settingsUrl: 'https://example.test/settings',
    description: 'd',
    prompt: 'p',
    signInNote: '',
  };

  it('replaces every occurrence, spaces inside the braces allowed', () => {
    expect(renderTemplate('{{name}} at {{ serverUrl }}; again {{name}}', values)).toBe(`mittwald at ${DEFAULT_URL}; again mittwald`);
  });

  it('throws on an unknown placeholder, naming it', () => {
    expect(() => renderTemplate('Hello {{nmae}}', values)).toThrow(/\{\{nmae\}\}/);
    expect(() => renderTemplate('{{}}', values)).toThrow(/placeholder/);
    // Not an own property: inherited keys are not values.
    expect(() => renderTemplate('{{toString}}', values)).toThrow(/toString/);
  });

  it('inserts values literally: no second expansion, no replacement patterns', () => {
    expect(renderTemplate('{{name}}', { ...values, name: '{{serverUrl}}' })).toBe('{{serverUrl}}');
    expect(renderTemplate('[{{name}}]', { ...values, name: "$& $' $1" })).toBe("[$& $' $1]");
  });

  it('leaves text without placeholders alone', () => {
    expect(renderTemplate('a { b } {c} }}{{', values)).toBe('a { b } {c} }}{{');
  });
});
