/** The one setup pipeline (src/flow/setup-flow.ts) on memfs, driven by a scripted prompter (its answers in a
 * list; a question it has no answer for fails the run) and by the flags' prompter: both front ends ask the
 * same questions in the same order and get the same files; a missing answer is a usage error for the flags. */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fs as memfsFs, vol } from 'memfs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Adapter } from '../../src/kit/adapter.js';
import type { Prompter, SetupView } from '../../src/flow/setup-flow.js';
import type { Environment } from '../../src/model.js';
import type { RunContext } from '../../src/cli/run-context.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
// The real disk, past the mock of node:fs below (process.getBuiltinModule is not mocked).
const { chmodSync, mkdtempSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { exitCode, runSetupFlow } = await import('../../src/flow/setup-flow.js');
const { flagPrompter, plainView } = await import('../../src/commands/setup.js');
const { resolveOptions } = await import('../../src/cli/options.js');
const { createOutput } = await import('../../src/cli/output.js');
const { createHttpClient } = await import('../../src/net/http.js');
const { loadAdapter } = await import('../../adapters/index.js');

const HOME = '/home/ada';
const TOKEN = 'fake-token-0123456789abcdef0123456789abcdef';
const CURSOR = `${HOME}/.cursor/mcp.json`;
const CODEX = `${HOME}/.codex/config.toml`;

let environment: Environment;
beforeEach(() => {
  vol.reset();
  vol.mkdirSync(HOME, { recursive: true });
  environment = { platform: 'linux', home: HOME, cwd: HOME, env: { HOME, PATH: '/nowhere' } };
});

/** Options exactly as the command line gives them. */
function options(...argv: string[]) {
  const values: Record<string, unknown> = {};
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]!.replace(/^--/, '');
    const next = argv[index + 1];
    if (next === undefined || next.startsWith('--')) values[flag] = true;
    else {
      values[flag] = flag === 'tool' || flag === 'scopes' ? [next] : next;
      index++;
    }
  }
  return resolveOptions({ command: 'setup', values } as never, { env: {}, readStdin: async () => '', colorCapable: false });
}

function context(interactive: boolean): RunContext & { printed: string[] } {
  const printed: string[] = [];
  const write = (text: string) => void printed.push(text);
  const out = createOutput({ json: false, color: false }, { stdout: { write }, stderr: { write } });
  return { environment, out, interactive, http: async () => createHttpClient({ version: 'test' }), printed };
}

type Question = Exclude<keyof Prompter, 'interactive'>;
type Script = Array<[Question, unknown]>;

/** Answers the questions in the order of `script`; any other question, or one too many, fails the run. */
function scripted(script: Script, interactive: boolean, tools: (ids: string[]) => Promise<Adapter[]> = (ids) => Promise.all(ids.map((id) => loadAdapter(id as never)))): Prompter {
  const queue = [...script];
  const next = (question: Question) => {
    const [expected, value] = queue.shift() ?? [];
    if (expected !== question) throw new Error(`no scripted answer for "${question}" (next in the script: ${expected ?? 'nothing'})`);
    return value;
  };
  const ask =
    <T,>(question: Question) =>
    async (..._args: unknown[]) =>
      next(question) as T;
  return {
    interactive,
    tools: async () => tools(next('tools') as string[]),
    credentialKind: ask('credentialKind'),
    access: ask('access'),
    token: ask('token'),
    tokenRefused: ask('tokenRefused'),
    signInFailed: ask('signInFailed'),
    scope: ask('scope'),
    secret: ask('secret'),
    replaceStale: ask('replaceStale'),
    showDiff: ask('showDiff'),
    confirmApply: ask('confirmApply'),
    offerLogin: ask('offerLogin'),
    openSettingsPage: ask('openSettingsPage'),
    copyServerUrl: ask('copyServerUrl'),
  } as Prompter;
}

/** Notes the name of every question asked, in order. */
function recording(prompter: Prompter, asked: string[]): Prompter {
  return new Proxy(prompter, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        asked.push(String(key));
        return value.apply(target, args);
      };
    },
  });
}

/** The plain view, with every step it is shown noted in order. */
function steps(view: SetupView, shown: string[]): SetupView {
  return new Proxy(view, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        shown.push(String(key));
        return value.apply(target, args);
      };
    },
  });
}

const read = (file: string) => (vol.existsSync(file) ? (vol.readFileSync(file, 'utf8') as string) : null);

async function run(ask: Prompter, argv: string[], interactive = false) {
  const given = await options(...argv);
  const ctx = context(interactive);
  const asked: string[] = [];
  const shown: string[] = [];
  const outcome = await runSetupFlow({ ask: recording(ask, asked), view: steps(plainView(given, ctx), shown) }, given, ctx);
  return { outcome, asked, shown, printed: ctx.printed.join(''), files: { cursor: read(CURSOR), codex: read(CODEX) } };
}

const tokenRun = ['--tool', 'cursor,codex', '--token', TOKEN, '--secret', 'literal', '--no-verify'];
const tokenScript: Script = [
  ['tools', ['codex', 'cursor']],
  ['credentialKind', 'token'],
  ['token', { value: TOKEN, source: 'flag' }],
  ['scope', 'user'],
  ['secret', 'literal'],
  ['showDiff', false],
  ['confirmApply', true],
];

describe('both front ends run the same pipeline', () => {
  it('asks the same questions in the same order, shows the same steps and writes the same files', async () => {
    const byFlags = await run(flagPrompter(await options(...tokenRun), { environment }), tokenRun);
    vol.reset();
    vol.mkdirSync(HOME, { recursive: true });
    const byScript = await run(scripted(tokenScript, false), tokenRun);
    vol.reset();
    vol.mkdirSync(HOME, { recursive: true });
    const byPerson = await run(scripted(tokenScript, true), tokenRun, true);

    expect(byFlags.asked).toEqual(tokenScript.map(([question]) => question));
    expect(byScript.asked).toEqual(byFlags.asked);
    expect(byPerson.asked).toEqual(byFlags.asked);
    expect(byFlags.shown).toEqual(['tokenFixes', 'plan', 'applyTool', 'applyTool', 'report']);
    expect(byScript.shown).toEqual(byFlags.shown);
    expect(byPerson.shown).toEqual(byFlags.shown);
    expect(byScript.files).toEqual(byFlags.files);
    expect(byPerson.files).toEqual(byFlags.files);
    expect(JSON.parse(byFlags.files.cursor!)).toEqual({ mcpServers: { mittwald: { url: 'https://mcp.mittwald.de/mcp', headers: { Authorization: `Bearer ${TOKEN}` } } } });
    expect(byFlags.files.codex).toContain('[mcp_servers.mittwald]');
    for (const { outcome } of [byFlags, byScript, byPerson]) {
      expect(outcome).toMatchObject({ kind: 'done', dryRun: false, auth: { method: 'token' } });
      expect(outcome.kind === 'done' && outcome.results.map((result) => [result.tool, result.status])).toEqual([
        ['codex', 'configured'],
        ['cursor', 'configured'],
      ]);
      expect(exitCode(outcome)).toBe(0);
    }
    expect(byFlags.printed).not.toContain(TOKEN);
  });

  it('fails the run on a question the script has no answer for, before anything is written', async () => {
    const script = tokenScript.filter(([question]) => question !== 'confirmApply');
    await expect(run(scripted(script, false), tokenRun)).rejects.toThrow('no scripted answer for "confirmApply"');
    expect(read(CURSOR)).toBeNull();
    expect(read(CODEX)).toBeNull();
  });

  it('a declined apply is a cancellation: exit 130, nothing written, the view told', async () => {
    const script: Script = [...tokenScript.slice(0, -1), ['confirmApply', false]];
    const { outcome, shown, printed } = await run(scripted(script, true), tokenRun);
    expect(outcome).toMatchObject({ kind: 'cancelled', results: [], skipped: [], message: 'Cancelled — nothing was changed.' });
    expect(exitCode(outcome)).toBe(130);
    expect(shown.at(-1)).toBe('cancelled');
    expect(printed).toContain('✗ Cancelled — nothing was changed.');
    expect(read(CURSOR)).toBeNull();
  });

  it('a dry run stops after the plan with the planned results', async () => {
    const { outcome, asked, files } = await run(flagPrompter(await options(...tokenRun, '--dry-run'), { environment }), [...tokenRun, '--dry-run']);
    expect(asked).toEqual(['tools', 'credentialKind', 'token', 'scope', 'secret']);
    expect(outcome.kind === 'done' && outcome.results.map((result) => result.status)).toEqual(['planned', 'planned']);
    expect(files).toEqual({ cursor: null, codex: null });
  });
});

describe('the token check, against the local mittwald stand-in', () => {
  const user = createTestUser({ person: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.test' });
  const good = createTestToken();
  const bad = createTestToken();
  let server: MittwaldTestServer;
  beforeAll(async () => {
    server = await startMittwaldServer({ tokens: [[good, user]] });
  });
  afterAll(() => server.close());
  const urls = () => ['--server-url', server.mcpUrl, '--api-url', server.apiUrl];

  it('a person whose token is rejected is asked for another, and the run goes on with it', async () => {
    const argv = ['--tool', 'cursor', '--secret', 'literal', ...urls()];
    const script: Script = [
      ['tools', ['cursor']],
      ['credentialKind', 'token'],
      ['token', { value: bad, source: 'flag' }],
      ['tokenRefused', undefined],
      ['token', { value: good, source: 'flag' }],
      ['scope', 'user'],
      ['secret', 'literal'],
      ['showDiff', false],
      ['confirmApply', true],
    ];
    const { outcome, printed } = await run(scripted(script, true), argv, true);
    expect(outcome).toMatchObject({ kind: 'done', auth: { method: 'token', identity: { email: 'ada@example.test' }, toolCount: 116 } });
    expect(outcome.kind === 'done' && outcome.results[0]!.check?.status).toBe('connected');
    expect(JSON.parse(read(CURSOR)!).mcpServers.mittwald.headers.Authorization).toBe(`Bearer ${good}`);
    expect(printed).not.toContain(good);
    expect(printed).not.toContain(bad);
  });

  it('the flags stop the run on a rejected token, with nothing written', async () => {
    const argv = ['--tool', 'cursor', '--token', bad, ...urls()];
    await expect(run(flagPrompter(await options(...argv), { environment }), argv)).rejects.toMatchObject({ code: 'TOKEN_REJECTED' });
    expect(read(CURSOR)).toBeNull();
  });
});

describe("the flags' prompter", () => {
  it('fails with a usage error (exit 2) when no tool is named', async () => {
    const given = await options('--no-verify');
    await expect(run(flagPrompter(given, { environment }), ['--no-verify'])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('No tool selected') });
  });

  it('refuses a token that cannot be one with a usage error, before anything is written', async () => {
    const argv = ['--tool', 'cursor', '--token', 'abc def', '--no-verify'];
    await expect(run(flagPrompter(await options(...argv), { environment }), argv)).rejects.toMatchObject({ code: 'USAGE' });
    expect(read(CURSOR)).toBeNull();
  });

  it('keeps older entries unless --yes, and never asks about them', async () => {
    const old = JSON.stringify({ mcpServers: { 'mittwald-old': { url: 'https://mcp.mittwald.de/sse' } } });
    vol.fromJSON({ [CURSOR]: old });
    const argv = ['--tool', 'cursor', '--no-verify', '--oauth'];
    const { asked, outcome } = await run(flagPrompter(await options(...argv), { environment }), argv);
    expect(asked).not.toContain('replaceStale');
    expect(outcome.kind === 'done' && outcome.results[0]!.staleKept.map((entry) => entry.name)).toEqual(['mittwald-old']);
    expect(JSON.parse(read(CURSOR)!).mcpServers).toHaveProperty('mittwald-old');
  });
});

describe('older entries, asked about', () => {
  /** Cursor's adapter, counting how often it is asked for a plan. */
  async function countingCursor(counter: { plans: number }): Promise<Adapter[]> {
    const cursor = await loadAdapter('cursor');
    return [
      {
        ...cursor,
        plan: (env, request) => {
          counter.plans++;
          return cursor.plan(env, request);
        },
      },
    ];
  }
  const old = JSON.stringify({ mcpServers: { 'mittwald-old': { url: 'https://mcp.mittwald.de/sse' } } });
  const argv = ['--tool', 'cursor', '--no-verify', '--oauth'];
  const script = (replace: boolean): Script => [
    ['tools', ['cursor']],
    ['credentialKind', 'oauth'],
    ['access', ['user:read', 'customer:read', 'project:read', 'app:read']],
    ['scope', 'user'],
    ['secret', undefined],
    ['replaceStale', replace],
    ['showDiff', false],
    ['confirmApply', true],
  ];

  it('plans each tool once when the person agrees to replace them (the recommended answer)', async () => {
    vol.fromJSON({ [CURSOR]: old });
    const counter = { plans: 0 };
    const { outcome } = await run(scripted(script(true), true, () => countingCursor(counter)), argv, true);
    expect(counter.plans).toBe(1);
    expect(outcome.kind === 'done' && outcome.results[0]!.stale.map((entry) => entry.name)).toEqual(['mittwald-old']);
    expect(JSON.parse(read(CURSOR)!).mcpServers).toEqual({ mittwald: { url: 'https://mcp.mittwald.de/mcp' } });
  });

  it('keeps them when the person declines, planning again only the tools that had some', async () => {
    vol.fromJSON({ [CURSOR]: old });
    const counter = { plans: 0 };
    const { outcome } = await run(scripted(script(false), true, () => countingCursor(counter)), argv, true);
    expect(counter.plans).toBe(2);
    expect(outcome.kind === 'done' && outcome.results[0]!.staleKept.map((entry) => entry.name)).toEqual(['mittwald-old']);
    expect(Object.keys(JSON.parse(read(CURSOR)!).mcpServers)).toEqual(['mittwald-old', 'mittwald']);
  });
});

describe("a tool's own sign-in is a step of the run", () => {
  let bin: string;
  beforeEach(() => {
    // A real `codex` to run (execa spawns it from the real disk), and the same path on memfs for the PATH lookup.
    bin = mkdtempSync(path.join(tmpdir(), 'mms-flow-'));
    const codex = path.join(bin, 'codex');
    writeFileSync(codex, `#!${process.execPath}\nif (process.argv.slice(2).join(' ') === 'mcp list') console.log('mittwald  https://mcp.mittwald.de/mcp  enabled  OAuth');\n`);
    chmodSync(codex, 0o755);
    vol.mkdirSync(bin, { recursive: true });
    vol.writeFileSync(codex, '');
    environment = { ...environment, env: { ...environment.env, PATH: bin } };
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  const argv = ['--tool', 'codex', '--oauth', '--no-verify'];
  const base: Script = [
    ['tools', ['codex']],
    ['credentialKind', 'oauth'],
    ['access', ['user:read', 'customer:read', 'project:read', 'app:read']],
    ['scope', 'user'],
    ['secret', undefined],
    ['showDiff', false],
    ['confirmApply', true],
  ];

  it('returns the login and the result it makes, when the person takes the offer', async () => {
    const { outcome, shown } = await run(scripted([...base, ['offerLogin', true]], true), argv, true);
    if (outcome.kind !== 'done') throw new Error('not done');
    expect(outcome.logins).toEqual([{ tool: 'codex', argv: ['codex', 'mcp', 'login', 'mittwald'], exitCode: 0, verdict: 'mittwald  https://mcp.mittwald.de/mcp  enabled  OAuth' }]);
    expect(outcome.results[0]!.check).toEqual({ status: 'connected', message: 'Signed in with `codex mcp login mittwald`' });
    expect(outcome.results[0]!.nextSteps.join('\n')).not.toContain('codex mcp login');
    expect(shown).toEqual(['plan', 'applyTool', 'login', 'report']);
  });

  it('leaves the login in the next steps when it is declined (and the flags always decline)', async () => {
    const declined = await run(scripted([...base, ['offerLogin', false]], true), argv, true);
    vol.unlinkSync(CODEX);
    const byFlags = await run(flagPrompter(await options(...argv), { environment }), argv);
    for (const { outcome } of [declined, byFlags]) {
      if (outcome.kind !== 'done') throw new Error('not done');
      expect(outcome.logins).toEqual([]);
      expect(outcome.results[0]!.check).toBeUndefined();
      expect(outcome.results[0]!.nextSteps.join('\n')).toContain('codex mcp login mittwald');
    }
    expect(byFlags.asked).toEqual(['tools', 'credentialKind', 'access', 'scope', 'secret', 'showDiff', 'confirmApply', 'offerLogin']);
  });
});

describe('settings-screen apps', () => {
  it('the core offers the page the adapter names; the flags decline it and print the steps', async () => {
    const argv = ['--tool', 'chatgpt', '--no-verify'];
    const { asked, printed, outcome } = await run(flagPrompter(await options(...argv), { environment }), argv);
    expect(asked).toEqual(['tools', 'access', 'scope', 'secret', 'openSettingsPage']);
    expect(printed).toContain('ChatGPT');
    expect(outcome.kind === 'done' && outcome.results[0]!.status).toBe('instructions');
  });

  it('--no-browser offers no page to open', async () => {
    const argv = ['--tool', 'chatgpt', '--no-verify', '--no-browser'];
    const { asked } = await run(flagPrompter(await options(...argv), { environment }), argv);
    expect(asked).not.toContain('openSettingsPage');
  });
});

