/** An HTTP proxy that lets nothing through and remembers what was asked of it: pointed at by every proxy
 * variable, it shows (and stops) whatever a real client tries to send off this machine. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrapProxy {
  server: Server;
  url: string;
  /** `METHOD url` of each plain request, `CONNECT host:port` of each tunnel asked for. */
  requests: string[];
}

export async function startTrapProxy(): Promise<TrapProxy> {
  const requests: string[] = [];
  const proxy = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(403).end();
  });
  proxy.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    // A client that resets the refused tunnel is no failure of the test.
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { server: proxy, url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, requests };
}
