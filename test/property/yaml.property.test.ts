/** Properties of setup and remove over generated Hermes `config.yaml` files: comments on their own lines and
 * after values, CRLF or LF, with or without a final line break, blank lines, indentation steps of 2 or 4,
 * unicode in quoted strings, flow sequences, other top-level keys and servers, our entry present or not (with
 * the user's own keys). The Hermes planner runs on memfs, as the CLI runs it; the `yaml` library reads the
 * results (as YAML 1.1, as Hermes does).
 *
 * Seeded: a failure prints its seed and path; rerun with FC_SEED=<seed> to reproduce it. */
import fc from 'fast-check';
import { fs as memfsFs, vol } from 'memfs';
import { parse } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { breakages, breakText } from '../support/breakage.js';
import type { Credential, Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { default: hermes } = await import('../../adapters/hermes.js');
const { applyPlan } = await import('../../src/flow/apply.js');

const SEED = Number(process.env.FC_SEED ?? 20_251_202);
const RUNS = Number(process.env.FC_RUNS ?? 300);
const HOME = '/home/ada';
const FILE = `${HOME}/.hermes/config.yaml`;
const STATE = `${HOME}/.mittwald-mcp-setup/state.json`;
const BACKUPS = `${HOME}/.mittwald-mcp-setup/backups`;
const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const TOKEN = 'mw-fake-property-token-0000';
const environment: Environment = { platform: 'linux', home: HOME, cwd: HOME, env: { HOME, PATH: '/nowhere' } };

interface Printed {
  before: string[];
  ours: string[];
  after: string[];
  eol: '\n' | '\r\n';
  finalNewline: boolean;
}

const oneLine = fc.string({ unit: 'grapheme', maxLength: 10 }).map((text) => text.replace(/[\r\n\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/g, ' '));
const plain = fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/).filter((text) => !/^(y|n|yes|no|on|off|true|false|null)$/i.test(text));
const scalar = fc.oneof(plain, oneLine.map((text) => JSON.stringify(text)), fc.integer().map(String), fc.boolean().map(String), fc.array(plain, { maxLength: 3 }).map((items) => `[${items.join(', ')}]`));
const trailingComment = fc.option(oneLine.map((text) => `  # ${text}`), { nil: '', freq: 2 });
const commentLine = (indent: string) => oneLine.map((text) => `${indent}# ${text}`);

/** Key/value lines at `indent` with distinct keys, comment and blank lines among them. */
const body = (indent: string, exclude: readonly string[] = []) =>
  fc
    .uniqueArray(plain.filter((key) => !exclude.includes(key)), { maxLength: 3 })
    .chain((keys) =>
      fc.tuple(
        ...keys.map((key) =>
          fc.record({ value: scalar, comment: trailingComment }).chain(({ value, comment }) => {
            const line = `${indent}${key}: ${value}${comment}`;
            return fc.oneof({ weight: 4, arbitrary: fc.constant([line]) }, { weight: 1, arbitrary: commentLine(indent).map((c) => [c, line]) }, { weight: 1, arbitrary: fc.constant(['', line]) });
          }),
        ),
      ),
    )
    .map((groups) => groups.flat());

const printed: fc.Arbitrary<Printed> = fc
  .record({ step: fc.constantFrom(2, 4), eol: fc.constantFrom('\n' as const, '\r\n' as const), finalNewline: fc.boolean() })
  .chain(({ step, eol, finalNewline }) => {
    const one = ' '.repeat(step);
    const two = ' '.repeat(step * 2);
    const three = ' '.repeat(step * 3);
    const other = fc
      .record({ name: plain.filter((name) => name !== 'mittwald'), url: fc.webUrl(), extra: body(two, ['url']) })
      .map(({ name, url, extra }) => [`${one}${name}:`, `${two}url: ${JSON.stringify(url)}`, ...extra]);
    const ours = fc
      .record({
        url: fc.constantFrom(SERVER_URL, 'https://mcp.mittwald.de/sse', 'https://mittwald-mcp.fly.dev/sse'),
        credential: fc.constantFrom([], [`${two}auth: oauth`], [`${two}headers:`, `${three}Authorization: "Bearer old-literal-token"`, `${three}X-Trace: "1"`]),
        own: fc.subarray([`${two}enabled: false`, `${two}timeout: 30`, `${two}tools:`, `${three}include: [list-projects]`]),
        comment: trailingComment,
      })
      .map(({ url, credential, own, comment }) => [`${one}mittwald:${comment}`, `${two}url: ${url}`, ...credential, ...own.filter((line) => !line.endsWith('include: [list-projects]') || own.some((o) => o.endsWith('tools:')))]);
    return fc.record({
      top: body('', ['mcp_servers']),
      servers: fc.option(
        fc.record({
          others: fc.uniqueArray(other, { maxLength: 3, selector: (lines) => lines[0] }),
          ours: fc.option(fc.record({ lines: ours, at: fc.nat() }), { nil: undefined, freq: 1 }),
          comment: trailingComment,
        }),
        { nil: undefined, freq: 4 },
      ),
      rest: body('', ['mcp_servers']),
      eol: fc.constant(eol),
      finalNewline: fc.constant(finalNewline),
    });
  })
  .map(({ top, servers, rest, eol, finalNewline }) => {
    if (!servers) return { before: [...top, ...rest], ours: [], after: [], eol, finalNewline };
    const at = servers.ours ? servers.ours.at % (servers.others.length + 1) : servers.others.length;
    const head = [...top, `mcp_servers:${servers.comment}`, ...servers.others.slice(0, at).flat()];
    const tail = [...servers.others.slice(at).flat(), ...rest];
    return servers.ours ? { before: head, ours: servers.ours.lines, after: tail, eol, finalNewline } : { before: [...head, ...tail], ours: [], after: [], eol, finalNewline };
  })
  .filter((document) => parses(print(document)));

function parses(text: string): boolean {
  try {
    parse(text, { version: '1.1', uniqueKeys: true });
    return true;
  } catch {
    return false;
  }
}

function print(document: Printed): string {
  const lines = [...document.before, ...document.ours, ...document.after];
  return `${lines.join(document.eol)}${document.finalNewline && lines.length > 0 ? document.eol : ''}`;
}

const credential: fc.Arbitrary<Credential> = fc.constantFrom<Credential>(
  { kind: 'oauth' },
  { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' },
  { kind: 'token', token: TOKEN, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' },
);

const request = (credentialToUse: Credential): SetupRequest => ({ serverUrl: SERVER_URL, name: 'mittwald', scope: 'user', credential: credentialToUse, replaceStale: false });

function reset(text: string): void {
  vol.reset();
  vol.mkdirSync(`${HOME}/.hermes`, { recursive: true });
  vol.writeFileSync(FILE, text);
}

const planSetup = async (credentialToUse: Credential): Promise<ToolPlan> => (await hermes.plan(environment, request(credentialToUse)))[0] as ToolPlan;
const planRemove = async (): Promise<ToolPlan> => (await hermes.planRemove(environment, { name: 'mittwald', scope: 'user' }))[0] as ToolPlan;

function fileStep(plan: ToolPlan): FileStep {
  const [step] = plan.steps;
  if (step?.kind !== 'file') throw new Error('expected a file step');
  return step;
}

const read = (): string | null => (vol.existsSync(FILE) ? (vol.readFileSync(FILE, 'utf8') as string) : null);
const apply = (plan: ToolPlan) => applyPlan(plan, { backupDir: BACKUPS, stateFile: STATE });
const withoutOurs = (document: Record<string, unknown> | null) => {
  const servers = { ...((document?.['mcp_servers'] as Record<string, unknown> | null | undefined) ?? {}) };
  delete servers['mittwald'];
  return { ...document, mcp_servers: servers };
};
const parseText = (text: string) => parse(text, { version: '1.1' }) as Record<string, unknown> | null;

const params = { seed: SEED, numRuns: RUNS };

describe('Hermes config.yaml', () => {
  it('generates valid YAML', () => {
    fc.assert(
      fc.property(printed, (document) => {
        expect(parses(print(document))).toBe(true);
      }),
      params,
    );
  });

  it('setup keeps every byte outside our entry', async () => {
    await fc.assert(
      fc.asyncProperty(printed, credential, async (document, credentialToUse) => {
        const original = print(document);
        reset(original);
        const after = fileStep(await planSetup(credentialToUse)).after ?? '';
        const parsed = parseText(after) as Record<string, Record<string, Record<string, unknown>>>;
        expect(parsed['mcp_servers']?.['mittwald']).toMatchObject({ url: SERVER_URL });
        expect(withoutOurs(parsed)).toEqual(withoutOurs(parseText(original)));
        if (document.ours.length === 0) {
          // Appended after the last server (or at the end): the file's lines around it are all kept.
          const kept = [...document.before, ...document.after];
          // A file of one line has no line break to follow: ours then come with LF.
          const afterLines = after.split(/\r?\n/);
          for (const line of kept) expect(afterLines).toContain(line);
        } else {
          const eol = document.eol;
          const head = document.before.map((line) => line + eol).join('');
          const tail = document.after.length === 0 ? '' : `${eol}${document.after.join(eol)}${document.finalNewline ? eol : ''}`;
          expect(after.startsWith(head)).toBe(true);
          expect(after.endsWith(tail)).toBe(true);
        }
      }),
      params,
    );
  });

  it('setup then remove gives back the original bytes (and remove alone, when our entry was there)', async () => {
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
    const breakage = breakages([':', '"', "'", '[', ']', '{', '}', '\t', '  ', '- ', '&a ', '*b', '\nmcp_servers:\n']);
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
