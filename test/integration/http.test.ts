/** The shared HTTP client: user agent, proxies from the environment, and failures classified. */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/net/http.js';
import { maskSecret, redact } from '../../src/secrets.js';
import { closedPort } from '../support/cli.js';

const servers: Server[] = [];
const savedEnv = { ...process.env };

afterEach(async () => {
  for (const key of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A target that echoes the user agent it saw. */
async function target(): Promise<string> {
  return listen(createServer((req, res) => res.end(JSON.stringify({ ua: req.headers['user-agent'] }))));
}

/** A forward proxy that records what went through it: absolute-form requests, and CONNECT tunnels (what
 * undici uses by default, and what HTTPS always needs). */
async function proxy(seen: string[]): Promise<string> {
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const upstream = httpRequest(req.url!, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return listen(server);
}

describe('createHttpClient', () => {
  it('sends a mittwald-mcp-setup user agent', async () => {
    const url = await target();
    const response = await createHttpClient({ version: '1.2.3' }).fetch(url);
    expect(await response.json()).toEqual({ ua: 'mittwald-mcp-setup/1.2.3' });
  });

  it('goes through HTTP_PROXY, and around it for hosts in NO_PROXY', async () => {
    const seen: string[] = [];
    const url = await target();
    process.env.HTTP_PROXY = await proxy(seen);
    const viaProxy = await createHttpClient({ version: 't' }).fetch(`${url}/via`);
    expect(viaProxy.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`^(CONNECT ${new URL(url).host}|${url}/via)$`));

    process.env.NO_PROXY = '127.0.0.1';
    await createHttpClient({ version: 't' }).fetch(`${url}/direct`);
    expect(seen).toHaveLength(1);
  });

  it('says a refused connection was refused', async () => {
    const port = await closedPort();
    await expect(createHttpClient({ version: 't' }).fetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringMatching(/refused/) });
  });

  it('speaks TLS to an https URL (node:https is loaded for it): a plain-text server there is no TLS peer', async () => {
    const { createServer: createTcpServer } = await import('node:net');
    const server = createTcpServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const client = createHttpClient({ version: 't' });
      // Over http the same server answers; over https the handshake fails before any byte of HTTP.
      await expect(client.fetch(`http://127.0.0.1:${port}/`).then((response) => response.text())).resolves.toBe('ok');
      await expect(client.fetch(`https://127.0.0.1:${port}/`, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'TLS' });
    } finally {
      server.close();
    }
  });

  it('times out with TIMEOUT', async () => {
    const url = await listen(createServer(() => undefined));
    await expect(createHttpClient({ version: 't' }).fetch(url, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('says a DNS lookup failed for a name that cannot resolve', async () => {
    await expect(createHttpClient({ version: 't' }).fetch('http://name-that-does-not-exist.invalid/', { timeoutMs: 5000 })).rejects.toMatchObject({
      code: expect.stringMatching(/UNREACHABLE|TIMEOUT/),
    });
  });

  it('hands a connection back when a stream was read up to what was wanted and then ends, and drops one left open', async () => {
    let connections = 0;
    const server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: wanted\n\n');
      // /open keeps the stream open, as a server that pushes more events would.
      if (req.url !== '/open') setTimeout(() => res.end('data: tail\n\n'), 20);
    });
    server.on('connection', () => connections++);
    const url = await listen(server);
    const client = createHttpClient({ version: 't' });
    const readFirst = async (path: string): Promise<void> => {
      for await (const chunk of (await client.fetch(`${url}${path}`)).chunks()) if (Buffer.from(chunk).toString().includes('wanted')) break;
    };
    await readFirst('/ends');
    await readFirst('/ends');
    expect(connections).toBe(1);
    await readFirst('/open');
    await readFirst('/ends');
    expect(connections).toBe(2);
    server.closeAllConnections();
  });

  it('follows redirects as fetch does: 307 keeps the POST, 303 becomes a GET, credentials stay with their origin', async () => {
    const seen: string[] = [];
    const other = await listen(
      createServer((req, res) => {
        seen.push(`other ${req.method} ${req.url} auth=${req.headers.authorization ?? '-'}`);
        res.end('elsewhere');
      }),
    );
    const url = await listen(
      createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          seen.push(`${req.method} ${req.url} body=${body || '-'} auth=${req.headers.authorization ?? '-'}`);
          if (req.url === '/keep') return void res.writeHead(307, { location: '/kept' }).end();
          if (req.url === '/see-other') return void res.writeHead(303, { location: '/seen' }).end();
          if (req.url === '/away') return void res.writeHead(302, { location: `${other}/there` }).end();
          res.end('here');
        });
      }),
    );
    const client = createHttpClient({ version: 't' });
    const post = { method: 'POST', body: 'payload', headers: { authorization: 'Bearer abcdefghijklmnop' } };
    expect(await (await client.fetch(`${url}/keep`, post)).text()).toBe('here');
    expect(await (await client.fetch(`${url}/see-other`, post)).text()).toBe('here');
    expect(await (await client.fetch(`${url}/away`, { headers: { authorization: 'Bearer abcdefghijklmnop' } })).text()).toBe('elsewhere');
    const manual = await client.fetch(`${url}/keep`, { ...post, redirect: 'manual' });
    expect([manual.status, manual.headers.get('location')]).toEqual([307, '/kept']);
    await manual.discard();
    expect(seen).toEqual([
      'POST /keep body=payload auth=Bearer abcdefghijklmnop',
      'POST /kept body=payload auth=Bearer abcdefghijklmnop',
      'POST /see-other body=payload auth=Bearer abcdefghijklmnop',
      'GET /seen body=- auth=Bearer abcdefghijklmnop',
      'GET /away body=- auth=Bearer abcdefghijklmnop',
      'other GET /there auth=-',
      'POST /keep body=payload auth=Bearer abcdefghijklmnop',
    ]);
  });

  it('masks credentials in --debug traces', async () => {
    const lines: string[] = [];
    const url = await target();
    await createHttpClient({ version: 't', trace: (line) => lines.push(line) }).fetch(url, { headers: { Authorization: 'Bearer abcdefghijklmnopqrstuvwxyz' } });
    expect(lines.join('\n')).toContain('authorization: Bearer ••••wxyz');
    expect(lines.join('\n')).not.toContain('abcdefghijklmnop');
  });

  it('masks a credential in a trace exactly as everything else the CLI prints masks it', async () => {
    const url = await target();
    for (const token of ['abcdefghij', 'abcdefghijklmnopqrstuvwxyz0123456789']) {
      const lines: string[] = [];
      await createHttpClient({ version: 't', trace: (line) => lines.push(line) }).fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      const shown = /authorization: ([^;}]*?)\s*[;}]/.exec(lines[0] ?? '')?.[1];
      expect(shown).toBe(`Bearer ${maskSecret(token)}`);
      expect(shown).toBe(redact(`Bearer ${token}`, [token]));
    }
  });
});
