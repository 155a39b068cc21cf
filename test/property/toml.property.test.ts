/** Properties of setup and remove over generated Codex `config.toml` files: comments on their own lines and
 * after values, CRLF or LF, a BOM, blank lines, unicode keys and strings (basic and literal), arrays and
 * inline tables, other tables and servers, our table present or not (with the user's own keys and
 * sub-tables). The Codex planner runs on memfs, as the CLI runs it; smol-toml reads the results.
 *
 * Seeded: a failure prints its seed and path; rerun with FC_SEED=<seed> to reproduce it. */
import fc from 'fast-check';
import { fs as memfsFs, vol } from 'memfs';
import { parse } from 'smol-toml';
import { describe, expect, it, vi } from 'vitest';
import { breakages, breakText } from '../support/breakage.js';
import type { Credential, Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { default: codex } = await import('../../adapters/codex.js');
const { applyPlan } = await import('../../src/flow/apply.js');

const SEED = Number(process.env.FC_SEED ?? 20_251_201);
const RUNS = Number(process.env.FC_RUNS ?? 500);
const HOME = '/home/ada';
const FILE = `${HOME}/.codex/config.toml`;
const STATE = `${HOME}/.mittwald-mcp-setup/state.json`;
const BACKUPS = `${HOME}/.mittwald-mcp-setup/backups`;
const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const TOKEN = 'mw-fake-property-token-0000';
const environment: Environment = { platform: 'linux', home: HOME, cwd: HOME, env: { HOME, PATH: '/nowhere' } };

// ---------------------------------------------------------------------------------------------------------
// Documents: a list of lines, ours tagged, printed with the file's line ending

interface Printed {
  /** Lines before our table, our table's lines, the lines after it (each without its line ending). */
  before: string[];
  ours: string[];
  after: string[];
  eol: '\n' | '\r\n';
  bom: boolean;
  finalNewline: boolean;
}

const unicode = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const oneLine = unicode(10).map((text) => text.replace(/[\r\n\u0000-\u0008\u000b-\u001f\u007f]/g, ' '));

function basicString(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`).replace(/[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

const tomlString = fc.oneof(
  unicode(10).map(basicString),
  oneLine.filter((text) => !text.includes("'")).map((text) => `'${text}'`),
);
const tomlKey = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), unicode(6).filter((text) => text.length > 0).map(basicString));
const tomlValue = fc.oneof(tomlString, fc.integer().map(String), fc.boolean().map(String), fc.array(tomlString, { maxLength: 3 }).map((items) => `[${items.join(', ')}]`), fc.record({ k: tomlKey, v: tomlString }).map(({ k, v }) => `{ ${k} = ${v} }`));
const trailingComment = fc.option(oneLine.map((text) => `  # ${text}`), { nil: '', freq: 2 });
const commentLine = oneLine.map((text) => `# ${text}`);
const keyValue = (key: string) => fc.record({ value: tomlValue, comment: trailingComment }).map(({ value, comment }) => `${key} = ${value}${comment}`);
/** Key/value lines with distinct keys (TOML forbids duplicates), comments and blank lines among them. */
const body: fc.Arbitrary<string[]> = fc
  .uniqueArray(tomlKey.filter((key) => !/^"?url"?$/.test(key)), { maxLength: 3, selector: (key) => key.replace(/^"|"$/g, '') })
  .chain((keys) =>
    fc.tuple(
      ...keys.map((key) =>
        keyValue(key).chain((line) =>
          fc.oneof(
            { weight: 4, arbitrary: fc.constant([line]) },
            { weight: 1, arbitrary: commentLine.map((comment) => [comment, line]) },
            { weight: 1, arbitrary: fc.constant(['', line]) },
          ),
        ),
      ),
    ),
  )
  .map((groups) => groups.flat());

/** Our table as a user may have it: an old URL, maybe a credential, maybe keys and sub-tables of their own. */
const ourTable = fc
  .record({
    url: fc.constantFrom(SERVER_URL, 'https://mcp.mittwald.de/sse', 'https://mittwald-mcp.fly.dev/sse'),
    credential: fc.constantFrom('', 'bearer_token_env_var = "MITTWALD_API_TOKEN"', 'http_headers = { Authorization = "Bearer old-literal-token" }'),
    own: fc.subarray(['enabled = false', 'startup_timeout_sec = 20', 'enabled_tools = ["list-projects"]']),
    subTables: fc.subarray(['[mcp_servers.mittwald.env_http_headers]\nX-Project = "MITTWALD_PROJECT_ID"', '[mcp_servers.mittwald.tools.delete-project]\nenabled = false', '[mcp_servers.mittwald.env]\nDEBUG = "1"']),
    comment: trailingComment,
  })
  .map(({ url, credential, own, subTables, comment }) => [
    `[mcp_servers.mittwald]${comment}`,
    `url = ${basicString(url)}`,
    ...(credential ? [credential] : []),
    ...own,
    ...subTables.flatMap((table) => ['', ...table.split('\n')]),
  ]);

const otherServer = fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/).filter((name) => name !== 'mittwald'), url: fc.webUrl(), extra: body }).map(({ name, url, extra }) => [`[mcp_servers.${name}]`, `url = ${basicString(url)}`, ...extra]);
const otherTable = fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/).filter((name) => name !== 'mcp_servers'), lines: body }).map(({ name, lines }) => [`[${name}]`, ...lines]);

const printed: fc.Arbitrary<Printed> = fc
  .record({
    top: body,
    tables: fc.uniqueArray(fc.oneof(otherServer, otherTable), { maxLength: 3, selector: (lines) => lines[0] }),
    ours: fc.option(fc.record({ lines: ourTable, at: fc.nat(), above: fc.option(commentLine, { nil: undefined }) }), { nil: undefined, freq: 1 }),
    eol: fc.constantFrom('\n' as const, '\r\n' as const),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ top, tables, ours, eol, bom, finalNewline }) => {
    // Blank lines between tables, as people write them.
    const blocks = tables.map((lines) => ['', ...lines]);
    const at = ours ? ours.at % (blocks.length + 1) : blocks.length;
    const before = [...top, ...blocks.slice(0, at).flat(), ...(ours ? ['', ...(ours.above ? [ours.above] : [])] : [])];
    return { before, ours: ours?.lines ?? [], after: blocks.slice(at).flat(), eol, bom, finalNewline };
  })
  // Keys spelled differently can still be the same key ("a" and a): such a document is no valid TOML.
  .filter((document) => parses(print(document)));

function parses(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

function print(document: Printed): string {
  const lines = [...document.before, ...document.ours, ...document.after];
  const text = lines.join(document.eol);
  return `${document.bom ? '\uFEFF' : ''}${text}${document.finalNewline && lines.length > 0 ? document.eol : ''}`;
}

// ---------------------------------------------------------------------------------------------------------

const credential: fc.Arbitrary<Credential> = fc.constantFrom<Credential>(
  { kind: 'oauth' },
  { kind: 'oauth', scopes: ['user:read'] },
  { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' },
  { kind: 'token', token: TOKEN, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' },
);

const request = (credentialToUse: Credential): SetupRequest => ({ serverUrl: SERVER_URL, name: 'mittwald', scope: 'user', credential: credentialToUse, replaceStale: false });

function reset(text: string): void {
  vol.reset();
  vol.mkdirSync(`${HOME}/.codex`, { recursive: true });
  vol.writeFileSync(FILE, text);
}

async function planSetup(credentialToUse: Credential): Promise<ToolPlan> {
  return (await codex.plan(environment, request(credentialToUse)))[0] as ToolPlan;
}

async function planRemove(): Promise<ToolPlan> {
  return (await codex.planRemove(environment, { name: 'mittwald', scope: 'user' }))[0] as ToolPlan;
}

function fileStep(plan: ToolPlan): FileStep {
  const [step] = plan.steps;
  if (step?.kind !== 'file') throw new Error('expected a file step');
  return step;
}

const read = (): string | null => (vol.existsSync(FILE) ? (vol.readFileSync(FILE, 'utf8') as string) : null);
const apply = (plan: ToolPlan) => applyPlan(plan, { backupDir: BACKUPS, stateFile: STATE });
const withoutOurs = (document: Record<string, unknown>) => {
  const servers = { ...(document['mcp_servers'] as Record<string, unknown> | undefined) };
  delete servers['mittwald'];
  return { ...document, mcp_servers: servers };
};

const params = { seed: SEED, numRuns: RUNS };

describe('Codex config.toml', () => {
  it('generates valid TOML', () => {
    fc.assert(
      fc.property(printed, (document) => {
        expect(parse(print(document))).toBeTypeOf('object');
      }),
      { ...params, numRuns: RUNS * 2 },
    );
  });

  it('setup keeps every byte outside our table', async () => {
    await fc.assert(
      fc.asyncProperty(printed, credential, async (document, credentialToUse) => {
        const original = print(document);
        reset(original);
        const after = fileStep(await planSetup(credentialToUse)).after ?? '';
        const parsed = parse(after) as Record<string, Record<string, Record<string, unknown>>>;
        expect(parsed['mcp_servers']?.['mittwald']).toMatchObject({ url: SERVER_URL });
        expect(withoutOurs(parsed)).toEqual(withoutOurs(parse(original) as Record<string, unknown>));
        if (document.ours.length === 0) {
          expect(after.startsWith(original)).toBe(true);
        } else {
          const eol = document.eol;
          const head = `${document.bom ? '\uFEFF' : ''}${document.before.map((line) => line + eol).join('')}`;
          const tail = document.after.length === 0 ? '' : `${eol}${document.after.join(eol)}${document.finalNewline ? eol : ''}`;
          expect(after.startsWith(head)).toBe(true);
          expect(after.endsWith(tail)).toBe(true);
        }
      }),
      params,
    );
  });

  it('setup then remove gives back the original bytes (and remove alone, when our table was there)', async () => {
    await fc.assert(
      fc.asyncProperty(printed, credential, async (document, credentialToUse) => {
        const original = print(document);
        reset(original);
        const mode = vol.statSync(FILE).mode & 0o777;
        const removedOnly = document.ours.length > 0 ? fileStep(await planRemove()).after : original;
        await apply(await planSetup(credentialToUse));
        await apply(await planRemove());
        expect(read()).toBe(removedOnly);
        expect(vol.statSync(FILE).mode & 0o777).toBe(mode);
      }),
      params,
    );
  });

  it('setup twice changes nothing the second time', async () => {
    await fc.assert(
      fc.asyncProperty(printed, credential, async (document, credentialToUse) => {
        reset(print(document));
        await apply(await planSetup(credentialToUse));
        const again = fileStep(await planSetup(credentialToUse));
        expect(again.after).toBe(again.before);
      }),
      params,
    );
  });

  it('never writes a file that does not parse', async () => {
    const breakage = breakages(['[', ']', '=', '"', "'", '{', '}', ',', 'x y', '\n[mcp_servers.mittwald]\n']);
    await fc.assert(
      fc.asyncProperty(printed, breakage, credential, async (document, broke, credentialToUse) => {
        const broken = breakText(print(document), broke);
        fc.pre(!parses(broken));
        reset(broken);
        await expect(planSetup(credentialToUse)).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
        await expect(planRemove()).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
        expect(vol.readFileSync(FILE)).toEqual(Buffer.from(broken));
        expect(vol.existsSync(BACKUPS)).toBe(false);
      }),
      params,
    );
  });
});
