/** The two rules that keep the house one a newcomer can live in: nothing about a particular tool under src/
 * (its id, its file names), and the import directions (the core reaches adapters only through the registry;
 * adapters use only the kit the core offers, never a front end or the applier). */
import path from 'node:path';
import { fs as memfsFs, vol } from 'memfs';
import { describe, expect, it, vi } from 'vitest';
import type { Environment, SetupRequest } from '../../src/model.js';
// The real disk, past the mock of node:fs below (process.getBuiltinModule is not mocked).
const { readdirSync, readFileSync } = process.getBuiltinModule('node:fs');

// The adapters plan on an empty memfs volume; this file's own reads of the source tree go to the real disk.
vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { availableTools, loadAdapter, TOOL_IDS } = await import('../../adapters/index.js');

const ROOT = path.resolve(import.meta.dirname, '../..');

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(folder, file));
}

/** The string and template literals of a TypeScript file, comments skipped. */
function stringLiterals(source: string): string[] {
  const literals: string[] = [];
  const token = /\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g;
  for (const [match] of source.matchAll(token)) if (!match.startsWith('/')) literals.push(match.slice(1, -1));
  return literals;
}

/** The modules a file imports (static `import … from`, `export … from` and dynamic `import()`). */
function importsOf(file: string): string[] {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1] ?? match[2]!);
  return specifiers.filter((specifier) => specifier.startsWith('.')).map((specifier) => path.join(path.dirname(file), specifier.replace(/\?raw$/, '')).replace(/\.js$/, '.ts'));
}

/** The base names of every file each config adapter plans, in each of its scopes, on each platform. */
async function toolFileNames(): Promise<Set<string>> {
  const names = new Set<string>();
  vol.reset();
  for (const platform of ['linux', 'darwin', 'win32'] as const) {
    const home = platform === 'win32' ? 'C:\\Users\\ada' : '/home/ada';
    const environment: Environment = { platform, home, cwd: home, env: {} };
    for (const id of availableTools()) {
      const adapter = await loadAdapter(id);
      if (adapter.kind !== 'config') continue;
      for (const scope of adapter.scopes) {
        const request: SetupRequest = { name: 'mittwald', serverUrl: 'https://mcp.mittwald.de/mcp', scope, credential: { kind: 'oauth' }, replaceStale: false };
        const plans = await adapter.plan(environment, request).catch(() => []);
        for (const step of plans.flatMap((plan) => plan.steps)) names.add((platform === 'win32' ? path.win32 : path.posix).basename(step.path));
      }
    }
  }
  return names;
}

describe('nothing about a particular tool under src/', () => {
  it('names no tool id in a string of the core (a tool id, `--tool <id>`)', () => {
    const offences: string[] = [];
    for (const file of sourceFiles('src')) {
      for (const literal of stringLiterals(readFileSync(path.join(ROOT, file), 'utf8'))) {
        for (const id of TOOL_IDS) {
          if (literal === id || new RegExp(`--tool[ =]${id}\\b`).test(literal)) offences.push(`${file}: "${literal}"`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it("names no tool's config file in a string of the core", async () => {
    const names = await toolFileNames();
    expect(names.size).toBeGreaterThan(3);
    const offences: string[] = [];
    for (const file of sourceFiles('src')) {
      for (const literal of stringLiterals(readFileSync(path.join(ROOT, file), 'utf8'))) {
        for (const name of names) if (literal.includes(name)) offences.push(`${file}: "${literal}" names ${name}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('finds a tool id when one is put in a core string (the check itself works)', () => {
    expect(stringLiterals("if (adapter.id === 'chatgpt') return 1; // 'codex' in a comment")).toEqual(['chatgpt']);
  });
});

describe('import rules', () => {
  const REGISTRY = new Set(['adapters/index.ts', 'adapters/tool-ids.ts']);
  /** Core folders adapters must not use: the command line, the front ends and the setup pipeline (they
   * build on src/kit, the file editors in src/files, and the shared vocabulary). */
  const NOT_KIT = /^src\/(?:cli|commands|flow)\//;

  it('the core imports adapters only through the registry', () => {
    const offences = sourceFiles('src').flatMap((file) => importsOf(file).filter((target) => target.startsWith('adapters/') && !REGISTRY.has(target)).map((target) => `${file} → ${target}`));
    expect(offences).toEqual([]);
  });

  it('adapters import only the kit the core offers, and no other adapter', () => {
    const offences: string[] = [];
    for (const file of sourceFiles('adapters').filter((candidate) => !REGISTRY.has(candidate))) {
      for (const target of importsOf(file)) {
        if (target.startsWith('src/') && NOT_KIT.test(target)) offences.push(`${file} → ${target}`);
        // An adapter folder (adapters/<tool>/…) may import its own files.
        const own = path.dirname(file) !== 'adapters' && target.startsWith(`${path.dirname(file)}/`);
        if (target.startsWith('adapters/') && !own && target !== file) offences.push(`${file} → ${target}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('reads the imports of a file (the check itself works)', () => {
    expect(importsOf('adapters/index.ts')).toContain('adapters/cursor.ts');
    expect(importsOf('adapters/index.ts')).toContain('src/kit/adapter.ts');
  });
});
