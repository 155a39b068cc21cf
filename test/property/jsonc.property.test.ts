/** Properties of setup and remove over generated JSONC files (Cursor's and Copilot for JetBrains' `mcp.json`): comments
 * (line and block) anywhere, CRLF or LF, a BOM, tabs or spaces or one line, trailing commas, unicode keys and
 * strings, nesting, other servers, our entry present or not (with the user's own keys on it). The planners
 * run on memfs, as the CLI runs them; the checks read the results with jsonc-parser, independently of the
 * editor under test.
 *
 * Seeded: a failure prints its seed and path; rerun with FC_SEED=<seed> to reproduce it. */
import fc from 'fast-check';
import { findNodeAtLocation, parse, parseTree, type ParseError } from 'jsonc-parser';
import { fs as memfsFs, vol } from 'memfs';
import { describe, expect, it, vi } from 'vitest';
import { breakages, breakText } from '../support/breakage.js';
import type { Credential, Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { loadAdapter } = await import('../../adapters/index.js');
const { applyPlan } = await import('../../src/flow/apply.js');

const SEED = Number(process.env.FC_SEED ?? 20_251_201);
const RUNS = Number(process.env.FC_RUNS ?? 500);
const HOME = '/home/ada';
const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const TOKEN = 'mw-fake-property-token-0000';
const FILES = { cursor: { path: `${HOME}/.cursor/mcp.json`, map: 'mcpServers' }, copilot: { path: `${HOME}/.config/github-copilot/intellij/mcp.json`, map: 'servers' } } as const;
type Tool = keyof typeof FILES;
const environment: Environment = { platform: 'linux', home: HOME, cwd: HOME, env: { HOME, PATH: '/nowhere' } };
const STATE = `${HOME}/.mittwald-mcp-setup/state.json`;
const BACKUPS = `${HOME}/.mittwald-mcp-setup/backups`;

// ---------------------------------------------------------------------------------------------------------
// Documents

interface Comment {
  kind: 'line' | 'block';
  text: string;
}
/** A container is written on one line (`inline`) or one member a line. */
type Value =
  | { kind: 'scalar'; value: string | number | boolean | null }
  | { kind: 'object'; members: Member[]; trailing: boolean; inline?: boolean }
  | { kind: 'array'; elements: Element[]; trailing: boolean; inline?: boolean };
interface Member {
  key: string;
  value: Value;
  comment?: Comment;
}
interface Element {
  value: Value;
  comment?: Comment;
}
interface Layout {
  indent: string;
  eol: '\n' | '\r\n';
  bom: boolean;
  finalNewline: boolean;
  oneLine: boolean;
  /** Spaces after commas and colons on one line (`{"a": 1, "b": 2}`) or none (`{"a":1,"b":2}`). */
  spaced: boolean;
}
interface Generated {
  tool: Tool;
  layout: Layout;
  root: Value & { kind: 'object' };
  /** Whether our entry is in the document. */
  ours: boolean;
  header?: Comment;
}

const unicode = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const commentText = unicode(10).map((text) => text.replace(/[\r\n]/g, ' ').replace(/\*\//g, '* /'));
const comment: fc.Arbitrary<Comment | undefined> = fc.option(fc.record({ kind: fc.constantFrom('line' as const, 'block' as const), text: commentText }), { nil: undefined, freq: 3 });
const key = fc.oneof(unicode(6), fc.constantFrom('url', 'type', 'headers', 'a b', 'ü/ß', '"q"', '\\'));
const scalar: fc.Arbitrary<Value> = fc
  .oneof(unicode(12), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
  .map((value) => ({ kind: 'scalar' as const, value: Object.is(value, -0) ? 0 : value }));

const { value } = fc.letrec<{ value: Value; object: Value; array: Value }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('object'), tie('array')),
  object: fc.record({ kind: fc.constant('object' as const), members: fc.array(fc.record({ key, value: tie('value'), comment }, { requiredKeys: ['key', 'value'] }), { maxLength: 3 }), trailing: fc.boolean(), inline: fc.boolean() }),
  array: fc.record({ kind: fc.constant('array' as const), elements: fc.array(fc.record({ value: tie('value'), comment }, { requiredKeys: ['value'] }), { maxLength: 3 }), trailing: fc.boolean(), inline: fc.boolean() }),
}));

const obj = (members: Member[], trailing = false): Value & { kind: 'object' } => ({ kind: 'object', members, trailing });
const str = (text: string): Value => ({ kind: 'scalar', value: text });

/** Our entry as a user may have it: an old URL, maybe a credential, maybe keys of their own. */
const ourEntry: fc.Arbitrary<Value> = fc
  .record({
    url: fc.constantFrom(SERVER_URL, 'https://mcp.mittwald.de/sse', 'https://mittwald-mcp.fly.dev/sse'),
    header: fc.option(fc.constantFrom('Bearer ${env:MITTWALD_API_TOKEN}', 'Bearer old-literal-token-000'), { nil: undefined }),
    extra: fc.array(fc.record({ key: fc.constantFrom('timeout', 'autoApprove', 'X-Note', 'ünïcode'), value }), { maxLength: 2 }),
    trace: fc.boolean(),
    comment,
    trailing: fc.boolean(),
    inline: fc.boolean(),
  })
  .map(({ url, header, extra, trace, comment: note, trailing, inline }) => {
    const headers: Member[] = [...(header ? [{ key: 'Authorization', value: str(header) }] : []), ...(trace ? [{ key: 'X-Trace', value: str('on') }] : [])];
    const members: Member[] = [{ key: 'url', value: str(url), ...(note ? { comment: note } : {}) }, ...(headers.length ? [{ key: 'headers', value: obj(headers) }] : [])];
    // The user's keys, without duplicates of ours.
    for (const member of extra) if (!members.some((known) => known.key === member.key)) members.push(member);
    return { ...obj(members, trailing), inline };
  });

const layout: fc.Arbitrary<Layout> = fc.record({
  indent: fc.constantFrom('  ', '    ', '\t'),
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  oneLine: fc.boolean(),
  spaced: fc.boolean(),
});

const serverName = unicode(6).filter((name) => name !== 'mittwald');
const otherServer = fc.oneof(
  fc.record({ url: fc.webUrl() }).map(({ url }) => obj([{ key: 'url', value: str(url) }])),
  fc.record({ command: unicode(5), args: fc.array(unicode(5), { maxLength: 2 }) }).map(({ command, args }) =>
    obj([
      { key: 'command', value: str(command) },
      { key: 'args', value: { kind: 'array', elements: args.map((arg) => ({ value: str(arg) })), trailing: false } },
    ]),
  ),
  value,
);

const generated: fc.Arbitrary<Generated> = fc
  .record({
    tool: fc.constantFrom<Tool>('cursor', 'copilot'),
    layout,
    others: fc.array(fc.record({ key: key.filter((name) => name !== 'mcpServers' && name !== 'servers' && name !== 'inputs'), value, comment }, { requiredKeys: ['key', 'value'] }), { maxLength: 3 }),
    servers: fc.option(fc.array(fc.record({ key: serverName, value: otherServer, comment }, { requiredKeys: ['key', 'value'] }), { maxLength: 3 }), { nil: undefined, freq: 2 }),
    ours: fc.option(fc.record({ entry: ourEntry, at: fc.nat(), comment }), { nil: undefined, freq: 1 }),
    inputs: fc.option(fc.array(fc.record({ id: unicode(4) }), { maxLength: 2 }), { nil: undefined }),
    at: fc.nat(),
    trailing: fc.boolean(),
    serversTrailing: fc.boolean(),
    header: comment,
  })
  .map(({ tool, layout: shape, others, servers, ours, inputs, at, trailing, serversTrailing, header }) => {
    const members: Member[] = [...others];
    const serverMembers: Member[] = [...(servers ?? [])];
    if (ours) serverMembers.splice(ours.at % (serverMembers.length + 1), 0, { key: 'mittwald', value: ours.entry, ...(ours.comment ? { comment: ours.comment } : {}) });
    if (servers !== undefined || ours) members.splice(at % (members.length + 1), 0, { key: FILES[tool].map, value: obj(serverMembers, serversTrailing) });
    if (inputs !== undefined && tool === 'copilot') {
      members.push({ key: 'inputs', value: { kind: 'array', elements: inputs.map(({ id }) => ({ value: obj([{ key: 'id', value: str(id) }]) })), trailing: false } });
    }
    return { tool, layout: shape, root: obj(members, trailing), ours: ours !== undefined, ...(header ? { header } : {}) };
  });

/** Prints a document in its layout. A line comment ends its line, so a one-line document has block
 * comments only. */
function print(document: Generated): string {
  const { layout: shape } = document;
  const commentText = (note: Comment | undefined, level: number, inline: boolean): string => {
    if (note === undefined) return '';
    if (note.kind === 'block' || inline) return `/*${note.text}*/ `;
    return `//${note.text}${shape.eol}${shape.indent.repeat(level)}`;
  };
  const printValue = (node: Value, level: number, inline: boolean): string => {
    if (node.kind === 'scalar') return JSON.stringify(node.value);
    const open = node.kind === 'object' ? '{' : '[';
    const close = node.kind === 'object' ? '}' : ']';
    const oneLine = inline || node.inline === true;
    const space = oneLine && !shape.spaced ? '' : ' ';
    const items =
      node.kind === 'object'
        ? node.members.map((member) => ({ comment: member.comment, text: `${JSON.stringify(member.key)}:${space}${printValue(member.value, level + 1, oneLine)}` }))
        : node.elements.map((element) => ({ comment: element.comment, text: printValue(element.value, level + 1, oneLine) }));
    if (items.length === 0) return `${open}${close}`;
    const trailing = node.trailing ? ',' : '';
    if (oneLine) {
      const pad = shape.oneLine ? '' : ' ';
      return `${open}${pad}${items.map((item) => commentText(item.comment, 0, true) + item.text).join(`,${space}`)}${trailing}${pad}${close}`;
    }
    const inner = shape.indent.repeat(level + 1);
    return `${open}${shape.eol}${items.map((item) => inner + commentText(item.comment, level + 1, false) + item.text).join(`,${shape.eol}`)}${trailing}${shape.eol}${shape.indent.repeat(level)}${close}`;
  };
  const header = document.header ? (document.header.kind === 'block' || shape.oneLine ? `/*${document.header.text}*/ ` : `//${document.header.text}${shape.eol}`) : '';
  return `${shape.bom ? '\uFEFF' : ''}${header}${printValue({ ...document.root, inline: shape.oneLine }, 0, shape.oneLine)}${shape.finalNewline ? shape.eol : ''}`;
}

function jsoncErrors(text: string): ParseError[] {
  const errors: ParseError[] = [];
  parseTree(text.replace(/^\uFEFF/, ''), errors, { allowTrailingComma: true, allowEmptyContent: true });
  return errors;
}

// ---------------------------------------------------------------------------------------------------------
// Running the planners

const credential: fc.Arbitrary<Credential> = fc.constantFrom<Credential>(
  { kind: 'oauth' },
  { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' },
  { kind: 'token', token: TOKEN, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' },
);

function request(credentialToUse: Credential): SetupRequest {
  return { serverUrl: SERVER_URL, name: 'mittwald', scope: 'user', credential: credentialToUse, replaceStale: false };
}

function reset(tool: Tool, text: string): void {
  vol.reset();
  vol.mkdirSync(FILES[tool].path.slice(0, FILES[tool].path.lastIndexOf('/')), { recursive: true });
  vol.writeFileSync(FILES[tool].path, text);
  // Copilot for JetBrains counts as found (its folder exists), so that only its plan comes back.
  vol.mkdirSync('/nowhere', { recursive: true });
}

async function planSetup(tool: Tool, credentialToUse: Credential): Promise<ToolPlan> {
  const plans = await (await loadAdapter(tool)).plan(environment, request(credentialToUse));
  return plans[0] as ToolPlan;
}

async function planRemove(tool: Tool): Promise<ToolPlan> {
  const plans = await (await loadAdapter(tool)).planRemove(environment, { name: 'mittwald', scope: 'user' });
  return plans.find((candidate) => candidate.host === undefined || candidate.host === 'Copilot for JetBrains') as ToolPlan;
}

function fileStep(plan: ToolPlan): FileStep {
  const [step] = plan.steps;
  if (step?.kind !== 'file') throw new Error('expected a file step');
  return step;
}

const read = (tool: Tool): string | null => (vol.existsSync(FILES[tool].path) ? (vol.readFileSync(FILES[tool].path, 'utf8') as string) : null);
const apply = (plan: ToolPlan) => applyPlan(plan, { backupDir: BACKUPS, stateFile: STATE });

/** The text range of the value (or member) at `path`, found by jsonc-parser. */
function range(text: string, path: string[], member = false): { start: number; end: number } | undefined {
  const bom = text.startsWith('\uFEFF') ? 1 : 0;
  const root = parseTree(text.slice(bom), [], { allowTrailingComma: true });
  let node = root && findNodeAtLocation(root, path);
  if (node && member) node = node.parent;
  return node && { start: node.offset + bom, end: node.offset + node.length + bom };
}

/** `removed` as a multiset of characters taken out of `longer` leaves `shorter`, in order. */
function extraCharacters(longer: string, shorter: string): string | undefined {
  let i = 0;
  let extra = '';
  for (const char of longer) {
    if (i < shorter.length && shorter.startsWith(char, i)) i += char.length;
    else extra += char;
  }
  return i === shorter.length ? extra : undefined;
}

const params = { seed: SEED, numRuns: RUNS };

describe('JSONC servers files', () => {
  it('generates valid JSONC', () => {
    fc.assert(
      fc.property(generated, (document) => {
        expect(jsoncErrors(print(document))).toEqual([]);
      }),
      { ...params, numRuns: RUNS * 2 },
    );
  });

  it('setup keeps every byte outside our entry', async () => {
    await fc.assert(
      fc.asyncProperty(generated.filter((document) => document.tool === 'cursor'), credential, async (document, credentialToUse) => {
        const original = print(document);
        reset('cursor', original);
        const after = fileStep(await planSetup('cursor', credentialToUse)).after ?? '';
        expect(jsoncErrors(after)).toEqual([]);
        const parsedAfter = parse(after.replace(/^\uFEFF/, ''), [], { allowTrailingComma: true }) as { mcpServers: Record<string, unknown> };
        expect(parsedAfter.mcpServers.mittwald).toMatchObject({ url: SERVER_URL });
        const path = ['mcpServers', 'mittwald'];
        if (document.ours) {
          const before = range(original, path)!;
          const now = range(after, path)!;
          expect(after.slice(0, now.start)).toBe(original.slice(0, before.start));
          expect(after.slice(now.end)).toBe(original.slice(before.end));
        } else {
          // What is new is our member (with the servers map, when there was none), separators and blanks; the
          // original is all there, in order.
          const member = range(after, range(original, ['mcpServers']) ? path : ['mcpServers'], true)!;
          const extra = extraCharacters(after.slice(0, member.start) + after.slice(member.end), original);
          expect(extra).toBeDefined();
          expect(extra).toMatch(/^[\s,]*$/);
          expect(extra!.replace(/[^,]/g, '').length).toBeLessThanOrEqual(1);
        }
      }),
      params,
    );
  });

  it('setup then remove gives back the original bytes (and remove alone, when our entry was there)', async () => {
    await fc.assert(
      fc.asyncProperty(generated, credential, async (document, credentialToUse) => {
        const original = print(document);
        reset(document.tool, original);
        const removedOnly = document.ours ? (fileStep(await planRemove(document.tool)).after ?? null) : original;
        if (document.ours && removedOnly !== null && document.tool === 'cursor') {
          // Remove takes out our member with its separators, and nothing else.
          const member = range(original, ['mcpServers', 'mittwald'], true)!;
          const extra = extraCharacters(original.slice(0, member.start) + original.slice(member.end), removedOnly);
          expect(extra).toMatch(/^[\s,]*$/);
          expect(extra!.replace(/[^,]/g, '').length).toBeLessThanOrEqual(1);
        }
        await apply(await planSetup(document.tool, credentialToUse));
        const removal = await planRemove(document.tool);
        await apply(removal);
        expect(read(document.tool)).toBe(removedOnly);
      }),
      params,
    );
  });

  it('setup twice changes nothing the second time', async () => {
    await fc.assert(
      fc.asyncProperty(generated, credential, async (document, credentialToUse) => {
        reset(document.tool, print(document));
        await apply(await planSetup(document.tool, credentialToUse));
        const again = fileStep(await planSetup(document.tool, credentialToUse));
        expect(again.after).toBe(again.before);
      }),
      params,
    );
  });

  it('never writes a file that does not parse', async () => {
    const breakage = breakages(['{', '}', '[', ']', ',', ':', '"', '/', 'x', '/*']);
    await fc.assert(
      fc.asyncProperty(generated, breakage, credential, async (document, broke, credentialToUse) => {
        const broken = breakText(print(document), broke);
        fc.pre(jsoncErrors(broken).length > 0);
        reset(document.tool, broken);
        await expect(planSetup(document.tool, credentialToUse)).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
        await expect(planRemove(document.tool)).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
        // Compared as bytes: a cut may split a surrogate pair, which no UTF-8 text holds.
        expect(vol.readFileSync(FILES[document.tool].path)).toEqual(Buffer.from(broken));
        expect(vol.existsSync(BACKUPS)).toBe(false);
      }),
      params,
    );
  });
});
