/** The core's shared-file rule (setup-steps.ts): a project-scope file never holds a literal secret, whatever
 * the adapter would write and whatever the person asked for. */
import { fs as memfsFs, vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Adapter } from '../../src/kit/adapter.js';
import type { Credential, Environment, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { planTools, sharedFileRequest } = await import('../../src/flow/setup-steps.js');
const { loadAdapter } = await import('../../adapters/index.js');

const HOME = '/home/ada';
const REPO = '/home/ada/work/shop';
const TOKEN = 'fake-token-0123456789abcdef0123456789abcdef';
const environment: Environment = { platform: 'linux', home: HOME, cwd: REPO, env: { HOME, PATH: '/nowhere' } };

const literal: Credential = { kind: 'token', token: TOKEN, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' };
const request = (overrides: Partial<SetupRequest> = {}): SetupRequest => ({
  serverUrl: 'https://mcp.mittwald.de/mcp',
  name: 'mittwald',
  scope: 'project',
  credential: literal,
  replaceStale: true,
  ...overrides,
});

/** An adapter that writes whatever `write` returns into `<repo>/.tool.json`, and records the requests it got. */
function fakeAdapter(secretReference: Adapter['secretReference'], write: (request: SetupRequest) => string): Adapter & { seen: SetupRequest[] } {
  const seen: SetupRequest[] = [];
  return {
    id: 'cursor',
    name: 'Some Tool',
    kind: 'config',
    scopes: ['user', 'project'],
    acceptsToken: true,
    secretReference,
    seen,
    detect: async () => ({ tool: 'cursor', state: 'installed', hosts: [], evidence: [] }),
    async plan(_environment, planned): Promise<ToolPlan[]> {
      seen.push(planned);
      const step = { kind: 'file' as const, path: `${REPO}/.tool.json`, before: null, after: write(planned), secret: false };
      return [{ tool: 'cursor', target: 'Some Tool (project)', steps: [step], stale: [], staleKept: [], nextSteps: [], warnings: ['its own warning'] }];
    },
    planRemove: async () => [],
    inspect: async () => [],
  };
}

const honest = (planned: SetupRequest) =>
  JSON.stringify({ auth: planned.credential.kind === 'token' && planned.credential.storage === 'literal' ? planned.credential.token : '${MITTWALD_API_TOKEN}' });

beforeEach(() => {
  vol.reset();
  vol.mkdirSync(`${REPO}/.git`, { recursive: true });
});

describe('sharedFileRequest', () => {
  it('turns a literal token into a reference in project scope, and says it did', () => {
    const adapter = fakeAdapter('env', honest);
    const { request: shared, forced } = sharedFileRequest(adapter, request());
    expect(forced).toBe(true);
    expect(shared.credential).toEqual({ ...literal, storage: 'ref' });
  });

  it.each([
    ['a user-scope literal', request({ scope: 'user' })],
    ['a project-scope reference', request({ credential: { ...literal, storage: 'ref' } })],
    ['OAuth', request({ credential: { kind: 'oauth' } })],
  ])('leaves %s as it is', (_what, given) => {
    expect(sharedFileRequest(fakeAdapter('env', honest), given)).toEqual({ request: given, forced: false });
  });

  it('refuses a token in project scope for a tool without a reference, naming --scope user and OAuth', () => {
    expect(() => sharedFileRequest(fakeAdapter('none', honest), request())).toThrow(
      expect.objectContaining({ code: 'SECRET_IN_SHARED_FILE', message: expect.stringMatching(/shared through git/), hint: expect.stringMatching(/--scope user.*OAuth/) }),
    );
  });
});

describe('planTools applies the rule for every adapter', () => {
  it('gives the adapter a reference and puts the reason first in the warnings', async () => {
    const adapter = fakeAdapter('env', honest);
    const [planned, ...rest] = await planTools([adapter], environment, () => request());
    expect(rest).toEqual([]);
    expect(adapter.seen.map((seen) => seen.credential)).toEqual([{ ...literal, storage: 'ref' }]);
    expect(planned!.request.credential).toEqual({ ...literal, storage: 'ref' });
    expect(planned!.plan!.warnings).toEqual([`${REPO}/.tool.json is shared through git, so it names the MITTWALD_API_TOKEN variable instead of holding the token.`, 'its own warning']);
  });

  it("words the warning for a tool's own prompt", async () => {
    const [planned] = await planTools([fakeAdapter('prompt', honest)], environment, () => request());
    expect(planned!.plan!.warnings[0]).toBe(`${REPO}/.tool.json is shared through git, so the entry has Some Tool ask for the token instead of holding it.`);
  });

  it('adds no warning when the reference was asked for', async () => {
    const [planned] = await planTools([fakeAdapter('env', honest)], environment, () => request({ credential: { ...literal, storage: 'ref' } }));
    expect(planned!.plan!.warnings).toEqual(['its own warning']);
  });

  it('fails a tool without a reference before planning it', async () => {
    const adapter = fakeAdapter('none', honest);
    const [planned] = await planTools([adapter], environment, () => request());
    expect(adapter.seen).toEqual([]);
    expect(planned!.plan).toBeUndefined();
    expect(planned!.error).toMatchObject({ code: 'SECRET_IN_SHARED_FILE' });
  });

  it('refuses a project plan that would add the token to a file anyway, and keeps planning the other tools', async () => {
    const careless = fakeAdapter('env', () => `{"auth":"Bearer ${TOKEN}"}`);
    const planned = await planTools([careless, fakeAdapter('env', honest)], environment, () => request());
    expect(planned[0]!.plan).toBeUndefined();
    expect(planned[0]!.error).toMatchObject({ code: 'SECRET_IN_SHARED_FILE', message: expect.stringContaining(`${REPO}/.tool.json`) });
    expect(String((planned[0]!.error as Error).message)).not.toContain(TOKEN);
    expect(planned[1]!.plan).toBeDefined();
  });

  it('lets the user file hold a literal token (0600) as asked', async () => {
    const [planned] = await planTools([fakeAdapter('env', honest)], environment, () => request({ scope: 'user' }));
    expect(planned!.request.credential).toEqual(literal);
    expect(planned!.plan!.steps[0]).toMatchObject({ after: JSON.stringify({ auth: TOKEN }) });
  });

  it('writes ${env:MITTWALD_API_TOKEN} into .cursor/mcp.json for a literal token asked in project scope', async () => {
    const [planned] = await planTools([await loadAdapter('cursor')], environment, () => request());
    const step = planned!.plan!.steps[0]!;
    expect(step).toMatchObject({ kind: 'file', path: `${REPO}/.cursor/mcp.json`, secret: false });
    const after = step.kind === 'file' ? (step.after ?? '') : '';
    expect(after).not.toContain(TOKEN);
    expect(JSON.parse(after).mcpServers.mittwald.headers.Authorization).toBe('Bearer ${env:MITTWALD_API_TOKEN}');
  });
});

describe('the reload step', () => {
  it.each(['claude-code', 'codex', 'cursor'] as const)('%s: asked for when the run changed the file, not when it left it as it was', async (id) => {
    vol.reset();
    const { resultFromPlan } = await import('../../src/flow/setup-steps.js');
    const adapter = await loadAdapter(id);
    const user = request({ scope: 'user' });
    const [first] = await adapter.plan(environment, user);
    const changed = resultFromPlan(first!, 'configured').nextSteps;
    expect(changed.some((step) => /^(Start a new|Reload)/.test(step))).toBe(true);
    // Written as planned, the next plan changes nothing: nothing for the running tool to pick up.
    for (const step of first!.steps) {
      vol.mkdirSync(step.path.slice(0, step.path.lastIndexOf('/')), { recursive: true });
      vol.writeFileSync(step.path, step.after ?? '');
    }
    const [again] = await adapter.plan(environment, user);
    expect(again!.steps.every((step) => step.before === step.after)).toBe(true);
    expect(resultFromPlan(again!, 'unchanged').nextSteps.some((step) => /^(Start a new|Reload)/.test(step))).toBe(false);
  });
});
