/** The one servers-map planner over each document backend: the same request planned into a JSON and a TOML
 * file gives the same entry, keeps the user's bytes, and `remove` gives the file back byte for byte. */
import { fs as memfsFs, vol } from 'memfs';
import { parse } from 'smol-toml';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EntryShape, ServersFile } from '../../src/kit/json-servers.js';
import type { SetupRequest } from '../../src/model.js';
import { SHELL_BRACED_SYNTAX } from '../../src/kit/references.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { planServersFile, planServersFileRemoval, inspectServersFile } = await import('../../src/kit/json-servers.js');
const { serversDocument } = await import('../../src/files/servers-document.js');

const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const environment = { platform: 'linux' as const, home: '/home/ada', cwd: '/home/ada', env: { MITTWALD_API_TOKEN: 'mw-fake-token-0000' } };
const shape: EntryShape = {
  build: (request) => ({ url: request.serverUrl, ...(request.credential.kind === 'token' ? { bearer_token_env_var: 'MITTWALD_API_TOKEN' } : {}) }),
  read: (entry) => (typeof entry === 'object' && entry !== null && typeof (entry as { url?: unknown }).url === 'string' ? { url: (entry as { url: string }).url } : {}),
  syntax: SHELL_BRACED_SYNTAX,
  keys: { owned: [['url'], ['bearer_token_env_var']] },
};
const request = (replaceStale = false): SetupRequest => ({
  name: 'mittwald',
  serverUrl: SERVER_URL,
  scope: 'user',
  credential: { kind: 'token', token: 'mw-fake-token-0000', storage: 'ref', envVar: 'MITTWALD_API_TOKEN' },
  replaceStale,
});
const tomlFile: ServersFile = { tool: 'example', scope: 'user', path: '/home/ada/.example/config.toml', format: 'toml', serversPath: ['mcp_servers'] };

const USER_TOML = `# my settings
model = "o3" # keep

[mcp_servers.other]
command = "other-server"

[mcp_servers.old]
url = "https://mittwald-mcp.fly.dev/sse"
`;

beforeEach(() => {
  vol.reset();
  vol.fromJSON({ [tomlFile.path]: USER_TOML });
});

describe('the TOML backend under the servers-map planner', () => {
  it('adds our table, keeps every other byte, and reports the retired entry as stale', async () => {
    const planned = await planServersFile(tomlFile, shape, request());
    const after = planned.step.after!;
    expect(after.startsWith(USER_TOML)).toBe(true);
    expect(parse(after)).toMatchObject({ model: 'o3', mcp_servers: { mittwald: { url: SERVER_URL, bearer_token_env_var: 'MITTWALD_API_TOKEN' }, other: { command: 'other-server' } } });
    expect(planned.staleKept.map((entry) => entry.name)).toEqual(['old']);
  });

  it('replaces the stale entry with replaceStale, and plans nothing when the entry is already there', async () => {
    const planned = await planServersFile(tomlFile, shape, request(true));
    expect(Object.keys((parse(planned.step.after!) as { mcp_servers: object }).mcp_servers)).toEqual(['other', 'mittwald']);
    vol.fromJSON({ [tomlFile.path]: planned.step.after! });
    const again = await planServersFile(tomlFile, shape, request(true));
    expect(again.step.after).toBe(again.step.before);
  });

  it('removes our table again byte for byte', async () => {
    const planned = await planServersFile(tomlFile, shape, request());
    vol.fromJSON({ [tomlFile.path]: planned.step.after! });
    const removal = await planServersFileRemoval(tomlFile, 'mittwald');
    expect(removal.after).toBe(USER_TOML);
  });

  it('inspects the entries as the tool reads them', async () => {
    const entries = await inspectServersFile(tomlFile, shape, environment, { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries.map((entry) => [entry.name, entry.url])).toEqual([['old', 'https://mittwald-mcp.fly.dev/sse']]);
  });

  it('refuses a file that does not parse, and a servers key that is no table', async () => {
    vol.fromJSON({ [tomlFile.path]: 'model = "o3\n' });
    await expect(planServersFile(tomlFile, shape, request())).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
    vol.fromJSON({ [tomlFile.path]: 'mcp_servers = "none"\n' });
    await expect(planServersFile(tomlFile, shape, request())).rejects.toMatchObject({ code: 'CONFIG_PARSE', message: expect.stringContaining('is not a table') });
  });
});

describe('each backend', () => {
  it.each([
    ['json', '{\n  "servers": {}\n}\n', ['servers'], true],
    ['json', '{ "servers": { "a": 1 } }', ['servers', 'b'], false],
    ['toml', '[servers.a]\nurl = "x"\n', ['servers'], true],
    ['toml', 'a = 1\n[servers.a]\nurl = "x"\n', ['servers'], false],
    ['yaml', 'mcp_servers:\n  a:\n    url: x\n', ['mcp_servers'], true],
    ['yaml', '# mine\nmodel: x\nmcp_servers:\n  a:\n    url: x\n', ['mcp_servers'], false],
  ] as const)('%s: %j without %j is empty: %s', async (format, text, keyPath, empty) => {
    const document = await serversDocument(format);
    expect(document.isEmpty(document.remove(text, keyPath, 'f'))).toBe(empty);
  });
});
