/** The one HTTP client of the CLI: a user agent, timeouts, redirects, keep-alive connections, an optional
 * trace, and network failures turned into SetupErrors that say which of DNS, refusal, TLS or time-out it was.
 *
 * Requests go straight through node:http / node:https, which Node has already loaded: a verified run makes a
 * handful of requests, and a fetch implementation (undici, bundled or Node's own) costs more start-up time and
 * memory than all of them together. Only when HTTP(S)_PROXY is set is undici loaded (http-proxy.ts), for its
 * proxy agent, which also honours NO_PROXY. */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { SetupError } from '../errors.js';
import { maskHeaderValue } from '../secrets.js';

export interface HttpRequestInit {
  method?: string;
  /** A plain object, name–value pairs, or anything with forEach (a WHATWG Headers). */
  headers?: HeadersInput;
  body?: string | Uint8Array | URLSearchParams | null;
  signal?: AbortSignal | null;
  /** 'follow' (default) follows up to 20 redirects; 'manual' returns the 3xx answer. */
  redirect?: 'follow' | 'manual' | 'error';
  /** Whole-request time limit in milliseconds (default: the client's). */
  timeoutMs?: number;
}

export type HeadersInput =
  | Readonly<Record<string, string>>
  | ReadonlyArray<readonly [string, string]>
  | { forEach(callback: (value: string, name: string) => void): void };

export interface ResponseHeaders {
  /** The value of header `name` (any case); several values joined by ", ". */
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

/** What a request answers: the status and headers at once, the body on demand. Read the body (text, json,
 * chunks) or discard it, so that the connection can be used again. */
export interface Response {
  readonly status: number;
  /** 200–299 */
  readonly ok: boolean;
  readonly url: string;
  readonly headers: ResponseHeaders;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** The body as it arrives (for event streams). Leaving the loop early drops the rest. */
  chunks(): AsyncIterable<Uint8Array>;
  /** Drops the body. Never rejects. */
  discard(): Promise<void>;
}

export interface HttpClient {
  readonly userAgent: string;
  /** Like fetch, but rejects only with a SetupError (UNREACHABLE, TIMEOUT or TLS), or the caller's abort. */
  fetch(url: string | URL, init?: HttpRequestInit): Promise<Response>;
}

export interface HttpClientOptions {
  version: string;
  timeoutMs?: number;
  /** Receives one line per request and response; header values that carry credentials are masked. */
  trace?: (line: string) => void;
}

/** One request without redirects, as a transport sends it. Headers are lower-case. */
export interface TransportRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  signal: AbortSignal;
}

export type Transport = (request: TransportRequest) => Promise<Response>;

const SECRET_HEADERS = /^(authorization|x-access-token|cookie|set-cookie|proxy-authorization)$/i;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
const TAIL_WAIT_MS = 250;
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const userAgent = `mittwald-mcp-setup/${options.version}`;
  const defaultTimeout = options.timeoutMs ?? 15_000;
  const env = process.env;
  const trace = options.trace;
  const proxied = PROXY_VARIABLES.some((name) => Boolean(env[name]?.trim()));
  let transport: Promise<Transport> | undefined;
  const send = (request: TransportRequest): Promise<Response> => {
    transport ??= proxied ? import('./http-proxy.js').then((module) => module.createProxyTransport(Math.min(defaultTimeout, 10_000))) : Promise.resolve(nodeTransport());
    return transport.then((deliver) => deliver(request));
  };

  return {
    userAgent,
    async fetch(url, init = {}) {
      const { timeoutMs = defaultTimeout, signal } = init;
      const headers = normalizeHeaders(init.headers);
      headers['user-agent'] ??= userAgent;
      let body = encodeBody(init.body, headers);
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let target = new URL(String(url));
      let method = (init.method ?? 'GET').toUpperCase();
      for (let hop = 0; ; hop++) {
        trace?.(`→ ${method} ${target.href} ${describeHeaders(headers)}`);
        let response: Response;
        try {
          response = await send({ url: target, method, headers, body, signal: combined });
        } catch (error) {
          if (signal?.aborted) throw error;
          throw networkError(target.href, error, timeout.aborted);
        }
        trace?.(`← ${response.status} ${target.href} ${describeHeaders(response.headers)}`);
        const location = response.headers.get('location');
        if (!REDIRECTS.has(response.status) || location === null || init.redirect === 'manual') return response;
        await response.discard();
        if (init.redirect === 'error' || hop >= MAX_REDIRECTS) {
          throw new SetupError('PROTOCOL', `${String(url)} redirected ${init.redirect === 'error' ? 'where no redirect was expected' : 'too many times'}.`, {
            hint: 'Check the URL.',
          });
        }
        const next = new URL(location, target);
        // As fetch does: 303 (and 301/302 after a POST) become a GET without a body; credentials stay with
        // their origin.
        if (response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST') {
          method = 'GET';
          body = undefined;
          for (const name of Object.keys(headers)) if (name.startsWith('content-')) delete headers[name];
        }
        if (next.origin !== target.origin) delete headers['authorization'];
        target = next;
      }
    },
  };
}

function normalizeHeaders(input: HeadersInput | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!input) return headers;
  const add = (value: string, name: string): void => {
    headers[name.toLowerCase()] = value;
  };
  if (Array.isArray(input)) for (const [name, value] of input as ReadonlyArray<readonly [string, string]>) add(value, name);
  else if (typeof (input as { forEach?: unknown }).forEach === 'function') (input as { forEach(cb: (v: string, n: string) => void): void }).forEach(add);
  else for (const [name, value] of Object.entries(input as Record<string, string>)) add(value, name);
  return headers;
}

function encodeBody(body: HttpRequestInit['body'], headers: Record<string, string>): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return body.toString();
  }
  if (typeof body === 'string') headers['content-type'] ??= 'text/plain;charset=UTF-8';
  return body;
}

function describeHeaders(headers: Record<string, string> | ResponseHeaders): string {
  const parts: string[] = [];
  const add = (value: string, name: string): void => {
    parts.push(`${name}: ${SECRET_HEADERS.test(name) ? maskHeaderValue(value) : value}`);
  };
  if (typeof headers.forEach === 'function') (headers as ResponseHeaders).forEach(add);
  else for (const [name, value] of Object.entries(headers)) add(value, name);
  return parts.length ? `{ ${parts.join('; ')} }` : '';
}

// ---------------------------------------------------------------------------------------------------------------
// The direct transport: node:http and node:https with keep-alive agents

/** Sends over node:http(s). Idle keep-alive connections do not keep the process alive (Node unrefs them).
 * node:https (with TLS) is loaded with the first https URL: a server on plain http (a local one) needs none. */
function nodeTransport(): Transport {
  type Sender = { request: typeof http.request; agent: http.Agent };
  const plain: Sender = { request: http.request, agent: new http.Agent({ keepAlive: true }) };
  let secure: Promise<Sender> | undefined;
  return async (request) => {
    const isSecure = request.url.protocol === 'https:';
    if (!isSecure && request.url.protocol !== 'http:') throw new Error(`unsupported protocol ${request.url.protocol}`);
    const transport = isSecure ? await (secure ??= import('node:https').then((https): Sender => ({ request: https.request, agent: new https.Agent({ keepAlive: true }) }))) : plain;
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    return new Promise<Response>((resolve, reject) => {
      const req = transport.request(
        request.url,
        { method: request.method, headers, agent: transport.agent, signal: request.signal },
        (message) => resolve(nodeResponse(request.url.href, message)),
      );
      req.on('error', reject);
      req.end(request.body);
    });
  };
}

function nodeResponse(url: string, message: IncomingMessage): Response {
  const status = message.statusCode ?? 0;
  let consumed = false;
  const take = (): IncomingMessage => {
    if (consumed) throw new TypeError('The body was already read.');
    consumed = true;
    return message;
  };
  async function text(): Promise<string> {
    const stream = take();
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(chunk as Buffer);
    return Buffer.concat(parts).toString('utf8');
  }
  return {
    status,
    ok: status >= 200 && status < 300,
    url,
    headers: nodeHeaders(message.headers),
    text,
    json: async () => JSON.parse(await text()) as unknown,
    async *chunks() {
      const stream = take();
      try {
        for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Uint8Array;
      } finally {
        if (!stream.readableEnded) await drainTail(stream);
      }
    },
    discard() {
      if (!consumed) {
        consumed = true;
        message.resume();
      }
      return Promise.resolve();
    },
  };
}

/** After a reader stopped early (an event stream that carried the reply it wanted): a server usually ends
 * the stream right after, and draining that tail lets the next request reuse the connection (on HTTPS a
 * handshake saved). A stream still open after TAIL_WAIT_MS is dropped, and its connection with it. */
function drainTail(stream: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      stream.destroy();
      resolve();
    }, TAIL_WAIT_MS);
    stream.once('end', done);
    stream.once('close', done);
    stream.resume();
  });
}

function nodeHeaders(raw: IncomingHttpHeaders): ResponseHeaders {
  const value = (name: string): string | null => {
    const found = raw[name.toLowerCase()];
    return found === undefined ? null : Array.isArray(found) ? found.join(', ') : found;
  };
  return {
    get: value,
    forEach(callback) {
      for (const name of Object.keys(raw)) callback(value(name) ?? '', name);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Failures

const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|ERR_SSL|EPROTO)/;

/** Classifies a failed request by the innermost error code Node (or undici) reports. */
export function networkError(url: string, error: unknown, timedOut: boolean): SetupError {
  const host = safeHost(url);
  const code = innermostCode(error);
  if (timedOut || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new SetupError('TIMEOUT', `${host} did not answer in time.`, {
      hint: 'Check your network or proxy (HTTPS_PROXY), then try again.',
      cause: error,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new SetupError('UNREACHABLE', `Could not resolve ${host} (DNS lookup failed).`, {
      hint: 'Check the URL and your internet connection.',
      cause: error,
    });
  }
  if (code === 'ECONNREFUSED') {
    return new SetupError('UNREACHABLE', `${host} refused the connection.`, {
      hint: 'Check the URL and port; if you are behind a proxy, set HTTPS_PROXY.',
      cause: error,
    });
  }
  if (code && TLS_CODES.test(code)) {
    return new SetupError('TLS', `The TLS connection to ${host} failed (${code}).`, {
      hint: 'A proxy may be intercepting HTTPS: set NODE_EXTRA_CA_CERTS to its CA certificate.',
      cause: error,
    });
  }
  const reason = code ?? innermostMessage(error);
  return new SetupError('UNREACHABLE', `Could not connect to ${host}${reason ? ` (${reason})` : ''}.`, {
    hint: 'Check the URL and your network, then try again.',
    cause: error,
  });
}

function innermostCode(error: unknown): string | undefined {
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = (current as { code?: unknown }).code;
    if (typeof candidate === 'string') code = candidate;
    current = (current as { cause?: unknown }).cause;
  }
  return code;
}

function innermostMessage(error: unknown): string | undefined {
  let message: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message === 'fetch failed' ? undefined : message;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
