/** The transport for runs behind a proxy: undici's fetch with its EnvHttpProxyAgent, which reads HTTP_PROXY,
 * HTTPS_PROXY and NO_PROXY (either case) and connects directly to hosts NO_PROXY names. Loaded only when a
 * proxy variable is set: undici is the largest part of the bundle. */
import { EnvHttpProxyAgent, fetch } from 'undici';
import type { Response, Transport } from './http.js';

export function createProxyTransport(connectTimeoutMs: number): Transport {
  const dispatcher = new EnvHttpProxyAgent({ connect: { timeout: connectTimeoutMs } });
  return async (request) => {
    const answer = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal: request.signal,
      dispatcher,
    });
    let consumed = false;
    const take = (): void => {
      if (consumed) throw new TypeError('The body was already read.');
      consumed = true;
    };
    const response: Response = {
      status: answer.status,
      ok: answer.ok,
      url: request.url.href,
      headers: answer.headers,
      text: () => (take(), answer.text()),
      json: async () => JSON.parse(await response.text()) as unknown,
      async *chunks() {
        take();
        if (!answer.body) return;
        const reader = answer.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          await reader.cancel().catch(() => undefined);
        }
      },
      async discard() {
        if (consumed) return;
        consumed = true;
        await answer.body?.cancel().catch(() => undefined);
      },
    };
    return response;
  };
}
