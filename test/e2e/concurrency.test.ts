/** Runs of the built CLI at the same time on one config file: each takes the file's lock, reads it again
 * under it and plans again from what the other wrote, so neither loses the other's entry. */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import { createTestToken } from '../support/mittwald-fixtures.js';

const ROUNDS = 15;

describe('two runs at once on ~/.cursor/mcp.json', () => {
  it(`keep both entries, every time (${ROUNDS} rounds)`, async () => {
    const home = await tempHome();
    try {
      const file = path.join(home.dir, '.cursor', 'mcp.json');
      const token = createTestToken();
      const setup = (name: string) =>
        // No --yes: it would replace the other run's entry as a duplicate of ours (same URL), on purpose.
        runCli(['--tool', 'cursor', '--name', name, '--token-stdin', '--no-verify', '--json'], { home: home.dir, input: `${token}\n` });
      for (let round = 0; round < ROUNDS; round++) {
        // Every other round the file exists already, with someone else's server in it.
        await rm(file, { force: true });
        if (round % 2 === 1) {
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, '{\n  // mine\n  "mcpServers": { "keep": { "url": "https://example.test/mcp" } }\n}\n');
        }
        const runs = await Promise.all([setup('alpha'), setup('beta')]);
        for (const run of runs) {
          expect(run.stderr).toBe('');
          expect(run.exitCode, `round ${round}: ${run.stdout}`).toBe(0);
          expect(JSON.parse(run.stdout).tools[0].status).toBe('configured');
        }
        const servers = Object.keys((parseJsonc(await readFile(file, 'utf8')) as { mcpServers: Record<string, unknown> }).mcpServers);
        expect(servers.sort(), `round ${round}`).toEqual(round % 2 === 1 ? ['alpha', 'beta', 'keep'] : ['alpha', 'beta']);
        // No lock and no temp file is left behind.
        expect((await readdir(path.dirname(file))).filter((name) => name !== 'mcp.json')).toEqual([]);
      }
    } finally {
      await home.cleanup();
    }
  }, 180_000);
});
