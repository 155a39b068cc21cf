/** The text `ci` generates: every YAML scalar it writes reads back (js-yaml) as the string meant, every shell
 * word it quotes reaches the program as given, and the pipelines parse for any entry name and server URL the
 * options allow. Seeded (FC_SEED / FC_RUNS). */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadAdapter } from '../../adapters/index.js';
import type { Adapter, CiSupport } from '../../src/kit/adapter.js';
import { githubWorkflow, gitlabJob, shellWord, yamlScalar } from '../../src/commands/ci.js';

const SEED = Number(process.env.FC_SEED ?? 20_261_201);
const RUNS = Number(process.env.FC_RUNS ?? 300);

/** Strings made of what trips YAML and shells up: indicators, quotes, colons and hashes with and without
 * spaces, words YAML 1.1 reads as booleans or null, numbers, non-ASCII, tabs and newlines. */
const tricky = fc
  .array(
    fc.oneof(
      fc.constantFrom(':', ': ', ' #', '#', '-', '- ', '?', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '\\', '$', '${{ x }}', ' ', '\t', '\n', 'yes', 'No', 'on', 'null', '~', '0x1F', '1.5', '.inf', '-3', 'é', '→', '🙂'),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

describe('yamlScalar', () => {
  it('reads back as the same string in a block mapping and in a block sequence', () => {
    fc.assert(
      fc.property(tricky, (value) => {
        expect(load(`key: ${yamlScalar(value)}\n`)).toEqual({ key: value });
        expect(load(`list:\n  - ${yamlScalar(value)}\n`)).toEqual({ list: [value] });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('leaves ordinary commands plain', () => {
    expect(yamlScalar('npm install -g @openai/codex')).toBe('npm install -g @openai/codex');
    expect(yamlScalar('Install Claude Code')).toBe('Install Claude Code');
    expect(yamlScalar('yes')).toBe('"yes"');
    expect(yamlScalar('a: b')).toBe('"a: b"');
  });
});

describe('shellWord', () => {
  it('reaches the program exactly as given', () => {
    const words = fc.sample(tricky.filter((word) => !word.includes('\0')), { seed: SEED, numRuns: RUNS });
    const script = `printf '%s\\0' ${words.map(shellWord).join(' ')}`;
    const printed = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(printed).toEqual(words);
  });
});

describe('the pipelines', () => {
  const ciAdapters = async () =>
    (await Promise.all((['claude-code', 'codex', 'copilot'] as const).map(loadAdapter))).filter((adapter): adapter is Adapter & { ci: CiSupport } => adapter.ci !== undefined);

  it('parse for any entry name and http(s) server URL', async () => {
    const adapters = await ciAdapters();
    expect(adapters).toHaveLength(3);
    const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
    const url = fc.tuple(fc.webUrl({ withQueryParameters: true, withFragments: true }), tricky).map(([base, extra]) => `${base}${encodeURIComponent(extra)}`);
    fc.assert(
      fc.property(name, url, fc.subarray(adapters, { minLength: 1 }), (entry, serverUrl, tools) => {
        const settings = { version: '9.9.9', name: entry, serverUrl, apiUrl: 'https://api.mittwald.de' };
        const github = load(githubWorkflow(tools, settings)) as { jobs: { agent: { steps: Array<{ run?: string }> } } };
        const connect = github.jobs.agent.steps.at(-1)?.run ?? '';
        expect(connect).toContain(`--tool ${tools.map((tool) => tool.id).join(',')}`);
        expect(connect).toContain(shellWord(serverUrl));
        const gitlab = load(gitlabJob(tools, settings)) as { 'mittwald-mcp': { script: string[] } };
        expect(gitlab['mittwald-mcp'].script.at(-1)).toBe(connect.split('\n')[1]);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
