/** The one HTTP client of the CLI: undici with HTTP(S)_PROXY / NO_PROXY honoured, a user agent, timeouts,
 * and network failures turned into SetupErrors that say which of DNS, refusal, TLS or time-out it was. */
import { EnvHttpProxyAgent, Headers, fetch as undiciFetch, type RequestInit, type Response } from 'undici';
import { SetupError } from './errors.js';
import { maskHeaderValue } from './secrets.js';

export type { Response } from 'undici';

export interface HttpRequestInit extends Omit<RequestInit, 'dispatcher'> {
  /** Whole-request time limit in milliseconds (default: the client's). */
  timeoutMs?: number;
}

export interface HttpClient {
  readonly userAgent: string;
  /** Like fetch, but rejects only with a SetupError (UNREACHABLE, TIMEOUT or TLS). */
  fetch(url: string | URL, init?: HttpRequestInit): Promise<Response>;
}

export interface HttpClientOptions {
  version: string;
  timeoutMs?: number;
  /** Receives one line per request and response; header values that carry credentials are masked. */
  trace?: (line: string) => void;
}

const SECRET_HEADERS = /^(authorization|x-access-token|cookie|set-cookie|proxy-authorization)$/i;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const userAgent = `mittwald-mcp-setup/${options.version}`;
  const defaultTimeout = options.timeoutMs ?? 15_000;
  // EnvHttpProxyAgent reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY (either case) and connects directly otherwise.
  const dispatcher = new EnvHttpProxyAgent({ connect: { timeout: Math.min(defaultTimeout, 10_000) } });
  const trace = options.trace;

  return {
    userAgent,
    async fetch(url, init = {}) {
      const { timeoutMs = defaultTimeout, headers, signal, ...rest } = init;
      const merged = new Headers(headers);
      if (!merged.has('user-agent')) merged.set('user-agent', userAgent);
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const target = String(url);
      trace?.(`→ ${rest.method ?? 'GET'} ${target} ${describeHeaders(merged)}`);
      try {
        const response = await undiciFetch(target, { ...rest, headers: merged, signal: combined, dispatcher });
        trace?.(`← ${response.status} ${target} ${describeHeaders(response.headers)}`);
        return response;
      } catch (error) {
        if (signal?.aborted) throw error;
        throw networkError(target, error, timeout.aborted);
      }
    },
  };
}

function describeHeaders(headers: Headers): string {
  const parts: string[] = [];
  headers.forEach((value, name) => {
    parts.push(`${name}: ${SECRET_HEADERS.test(name) ? maskHeaderValue(value) : value}`);
  });
  return parts.length ? `{ ${parts.join('; ')} }` : '';
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|ERR_SSL|EPROTO)/;

/** Classifies a failed request by the innermost error code undici reports. */
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
