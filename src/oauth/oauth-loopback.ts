/** The loopback redirect listener of the sign-in (RFC 8252 §7.3): an HTTP server on 127.0.0.1 that takes the
 * one authorization response at `/callback`, checks its `state`, and answers the browser with a small page
 * saying whether it worked. Everything else gets a 404 and the listener keeps waiting. */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SetupError } from '../errors.js';

export const CALLBACK_PATH = '/callback';
export const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60_000;

/** An authorization response with the right `state` and a `code`. The browser's request is held open until
 * `finish` is called, so the page it shows can report how the code exchange went. */
export interface AuthorizationCallback {
  /** The full URL the browser requested, as `http://127.0.0.1:<port>/callback?code=…&state=…`. */
  url: URL;
  finish(outcome: { ok: true } | { ok: false; message: string }): void;
}

export interface LoopbackListener {
  /** `http://127.0.0.1:<port>/callback` — register exactly this. */
  readonly redirectUri: string;
  /** Resolves with the first valid authorization response. Rejects with SetupError: OAUTH_DENIED (the user
   * pressed Deny), OAUTH_STATE (state missing or not ours), OAUTH (any other error response), OAUTH_TIMEOUT,
   * or CANCELLED when `signal` aborts. Call once. */
  waitForCallback(options: { timeoutMs?: number; signal?: AbortSignal }): Promise<AuthorizationCallback>;
  /** Takes an authorization response that the person pasted: the address their browser ended on when the
   * redirect could not reach this machine (an SSH session — the browser runs elsewhere, where 127.0.0.1 is
   * not here). Judged like one that arrived over HTTP, and it ends the wait the same way. Returns why `text`
   * is not such an address (the caller lets them try again), else undefined. */
  paste(text: string): string | undefined;
  /** Stops listening and drops open connections; answers a still-held browser request first. */
  close(): Promise<void>;
}

/** Binds 127.0.0.1:`port` (0 or absent: a free port). Throws PORT_IN_USE when the port is taken. */
export async function startLoopbackListener(options: { port?: number; expectedState: string }): Promise<LoopbackListener> {
  let settle: ((result: { callback: AuthorizationCallback } | { error: SetupError }) => void) | undefined;
  let early: { callback: AuthorizationCallback } | { error: SetupError } | undefined;
  let held: ServerResponse | undefined;
  let done = false;

  const deliver = (result: { callback: AuthorizationCallback } | { error: SetupError }): void => {
    done = true;
    if (settle) settle(result);
    else early = result;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== CALLBACK_PATH) return sendPage(res, 404, 'Not found', 'This address only takes the sign-in response.');
    if (req.method !== 'GET') return sendPage(res, 405, 'Method not allowed', 'Only the sign-in redirect is answered here.');
    if (done) return sendPage(res, 409, 'Already handled', 'This sign-in has already been handled. You can close this tab.');
    const outcome = judgeCallback(url, options.expectedState);
    if (outcome instanceof SetupError) {
      sendPage(res, 400, 'Sign-in failed', `${outcome.message} You can close this tab and return to the terminal.`);
      return deliver({ error: outcome });
    }
    held = res;
    const callbackUrl = new URL(`${CALLBACK_PATH}${url.search}`, redirectUri);
    deliver({
      callback: {
        url: callbackUrl,
        finish(result) {
          if (held !== res) return;
          held = undefined;
          if (result.ok) sendPage(res, 200, 'Signed in', 'The sign-in worked. You can close this tab and return to the terminal.');
          else sendPage(res, 500, 'Sign-in failed', `${result.message} You can close this tab and return to the terminal.`);
        },
      },
    });
  });

  const port = await listen(server, options.port ?? 0);
  const redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;

  return {
    redirectUri,
    waitForCallback({ timeoutMs = DEFAULT_SIGN_IN_TIMEOUT_MS, signal }) {
      return new Promise<AuthorizationCallback>((resolve, reject) => {
        const cleanup = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const onAbort = (): void => {
          cleanup();
          done = true;
          reject(new SetupError('CANCELLED', 'The sign-in was cancelled.'));
        };
        const timer = setTimeout(() => {
          cleanup();
          done = true;
          reject(
            new SetupError('OAUTH_TIMEOUT', `No sign-in arrived within ${describeDuration(timeoutMs)}.`, {
              hint: 'Run the command again and finish the sign-in in the browser; with --no-browser, open the printed URL yourself.',
            }),
          );
        }, timeoutMs);
        settle = (result) => {
          cleanup();
          if ('callback' in result) resolve(result.callback);
          else reject(result.error);
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        if (early) settle(early);
      });
    },
    paste(text) {
      if (done) return undefined;
      let url: URL;
      try {
        url = new URL(text.trim());
      } catch {
        return 'That is not a web address: copy the whole address from the browser\'s address bar.';
      }
      if (url.pathname !== CALLBACK_PATH || url.search === '') {
        return `That is not the sign-in response: paste the address the browser ended on, which starts with ${redirectUri}?`;
      }
      const outcome = judgeCallback(url, options.expectedState);
      if (outcome instanceof SetupError) {
        deliver({ error: outcome });
        return undefined;
      }
      // No browser is waiting for a page: the terminal says how it went.
      deliver({ callback: { url: new URL(`${CALLBACK_PATH}${url.search}`, redirectUri), finish: () => undefined } });
      return undefined;
    },
    close() {
      if (held) sendPage(held, 500, 'Sign-in stopped', 'The sign-in was stopped. You can close this tab.');
      held = undefined;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Checks an authorization response: our `state` first (a response that is not ours says nothing we should
 * trust, except an error response without any state, which some servers send), then `error`, then `code`. */
function judgeCallback(url: URL, expectedState: string): SetupError | undefined {
  const params = url.searchParams;
  const state = params.get('state');
  const error = params.get('error');
  if (state !== expectedState && !(error !== null && state === null)) {
    return new SetupError('OAUTH_STATE', 'The sign-in response did not belong to this sign-in (its state did not match).', {
      hint: 'Start the sign-in again and use only the newest browser tab; if it happens again, something may be interfering with the sign-in.',
    });
  }
  if (error === 'access_denied') {
    return new SetupError('OAUTH_DENIED', 'Access was denied in the browser, so the sign-in did not complete.', {
      hint: 'Run the command again and choose Allow, or use an API token (--token).',
    });
  }
  if (error !== null) {
    const description = params.get('error_description');
    return new SetupError('OAUTH', `The authorization server refused the sign-in: ${printable(error)}${description ? ` (${printable(description)})` : ''}.`, {
      hint: 'Run the command again; if it keeps failing, use an API token (--token).',
    });
  }
  if (!params.get('code')) {
    return new SetupError('OAUTH', 'The sign-in response carried no authorization code.', { hint: 'Run the command again.' });
  }
  return undefined;
}

/** Server-supplied text shown to the user: printable characters only, and not too long. */
function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

function describeDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} second${Math.round(ms / 1000) === 1 ? '' : 's'}`;
  return `${ms} ms`;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new SetupError('PORT_IN_USE', `Port ${port} on 127.0.0.1 is already in use, so the sign-in cannot receive its response.`, {
            hint: 'Close the program using that port, or let the sign-in pick a free port.',
            cause: error,
          }),
        );
      } else {
        reject(new SetupError('OAUTH', `Could not listen on 127.0.0.1:${port} for the sign-in response (${error.code ?? error.message}).`, { cause: error }));
      }
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function sendPage(res: ServerResponse, status: number, title: string, message: string): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} — mittwald-mcp-setup</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    connection: 'close',
  });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
