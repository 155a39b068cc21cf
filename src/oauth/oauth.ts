/** The OAuth sign-in check: signs in to the MCP server as a public native client (RFC 8252) the way an agent
 * tool would — discovery, Dynamic Client Registration, authorization code with PKCE S256 through the user's
 * browser and a loopback listener — to prove the sign-in works before a tool is configured for it.
 *
 * The access token lives in memory only: it is returned for one connection check and never written, logged or
 * printed; the refresh token is dropped. Imported lazily by the CLI (only OAuth runs load openid-client). */
import * as client from 'openid-client';
import * as z from './validation.js';
import { SetupError, isSetupError } from '../errors.js';
import type { HttpClient, HttpRequestInit, Response as HttpResponse } from '../net/http.js';
import {
  discoverAuthorization,
  isLoopbackHost,
  type AuthorizationServerMetadata,
  type DiscoveredAuthorization,
} from './oauth-discovery.js';
import { startLoopbackListener, type AuthorizationCallback, type LoopbackListener } from './oauth-loopback.js';

export { discoverAuthorization, MITTWALD_DEFAULT_SCOPES } from './oauth-discovery.js';
export type { AuthorizationServerMetadata, DiscoveredAuthorization } from './oauth-discovery.js';
export { DEFAULT_SIGN_IN_TIMEOUT_MS } from './oauth-loopback.js';

export const CLIENT_NAME = 'mittwald-mcp-setup (connection check)';

/** Accepted by mittwald's bridge (and stripped) even where the metadata does not list them. */
const ALWAYS_ACCEPTED_SCOPES = new Set(['openid', 'offline_access', 'profile']);

export interface OAuthSignInOptions {
  serverUrl: string;
  /** Scopes to ask for; default: the server's default scopes. Checked against the server's list first. */
  scopes?: readonly string[];
  /** Only report the URL (through onAuthorizationUrl); do not start a browser. */
  noBrowser: boolean;
  /** How long to wait for the browser to come back (default 5 minutes). */
  timeoutMs?: number;
  /** The loopback port to listen on (default: a free one). */
  port?: number;
  /** Aborting (Ctrl-C) stops the sign-in with CANCELLED. */
  signal?: AbortSignal;
  /** Opens the URL in a browser; false when that did not work (the URL was reported anyway). `onFailure` is
   * called when the opener fails later (exits with a failure status). */
  openBrowser: (url: string, onFailure: (reason: string) => void) => Promise<boolean>;
  /** Hears that the browser could not be opened, and the sign-in keeps waiting (someone at a terminal can open
   * the printed URL). Absent: the sign-in stops at once with BROWSER_FAILED instead of waiting in vain. */
  onBrowserFailure?: (reason: string) => void;
  /** Called with the authorization URL before any browser is opened, always, so the CLI can print it. */
  onAuthorizationUrl: (url: string) => void;
  /** Lines the person pastes while the sign-in waits, each taken as the address the browser ended on (see
   * LoopbackListener.paste): how a sign-in completes when the browser runs on another machine. Read only
   * until the wait ends; the caller owns (and closes) the source. */
  pasted?: AsyncIterable<string>;
  /** Hears why a pasted line was not the sign-in response; the wait goes on. */
  onPasteRejected?: (reason: string) => void;
}

export interface OAuthSignInResult {
  /** Memory only: never write or print it. */
  accessToken: string;
  /** What the server granted (what was asked for when the token response does not say). */
  scopes: string[];
  /** Seconds until the access token expires, when the server said. */
  expiresIn?: number;
  issuer: string;
  /** Deletes the client registered for this sign-in (RFC 7592), where the server offers that, so that
   * checks leave nothing behind at the authorization server. Call it once the token is no longer needed.
   * Best effort: never throws. */
  forget(): Promise<void>;
}

const RegistrationResponseSchema = z.object({
  client_id: z.string().check(z.minLength(1)),
  // RFC 7592: where and with what the registration can be deleted again, when the server offers it.
  registration_client_uri: z.optional(z.url()),
  registration_access_token: z.optional(z.string().check(z.minLength(1))),
});

/** The client registered for one sign-in, and how to delete it again (RFC 7592) if the server allows it. */
interface RegisteredClient {
  clientId: string;
  management?: { uri: string; accessToken: string };
}
/** Hands pasted lines to the listener until one is taken or `stop` aborts; blank lines are skipped. Rejects
 * with the source's error (a source that just ends means no paste arrives; the browser may still). */
async function readPasted(lines: AsyncIterable<string>, listener: LoopbackListener, stop: AbortSignal, onRejected?: (reason: string) => void): Promise<void> {
  for await (const line of lines) {
    if (stop.aborted) return;
    if (line.trim() === '') continue;
    const problem = listener.paste(line);
    if (problem === undefined) return;
    onRejected?.(problem);
  }
}

const OAuthErrorSchema = z.object({ error: z.string(), error_description: z.optional(z.string()) });

/** Runs the whole sign-in. Throws SetupError: OAUTH_UNSUPPORTED, OAUTH_SCOPE (before anything is registered or
 * opened), PORT_IN_USE, OAUTH_DENIED, OAUTH_STATE, OAUTH_TIMEOUT, CANCELLED, OAUTH, or the HTTP client's codes.
 * The loopback listener is always closed before this returns. */
export async function signInWithOAuth(http: HttpClient, options: OAuthSignInOptions): Promise<OAuthSignInResult> {
  const { signal } = options;
  return cancellable(signal, async () => {
    const discovered = await discoverAuthorization(http, options.serverUrl);
    const scopes = options.scopes && options.scopes.length > 0 ? [...options.scopes] : discovered.defaultScopes;
    assertKnownScopes(scopes, discovered.scopesSupported);
    signal?.throwIfAborted();

    const state = client.randomState();
    const listener = await startLoopbackListener({ expectedState: state, ...(options.port === undefined ? {} : { port: options.port }) });
    let callback: AuthorizationCallback | undefined;
    let registered: RegisteredClient | undefined;
    try {
      registered = await registerClient(http, discovered.metadata, listener.redirectUri, signal);
      const config = clientConfiguration(http, discovered.metadata, registered.clientId, listener.redirectUri);
      const codeVerifier = client.randomPKCECodeVerifier();
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: listener.redirectUri,
        response_type: 'code',
        scope: scopes.join(' '),
        state,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        resource: discovered.resource,
      }).href;

      options.onAuthorizationUrl(authorizationUrl);
      const opener = new AbortController();
      let openerProblem: string | undefined;
      const onOpenerFailure = (reason: string): void => {
        if (options.onBrowserFailure) return options.onBrowserFailure(reason);
        openerProblem ??= reason;
        opener.abort();
      };
      if (!options.noBrowser) {
        const started = await options.openBrowser(authorizationUrl, onOpenerFailure).catch(() => false);
        if (!started) onOpenerFailure('the browser could not be started');
      }
      const stopReading = new AbortController();
      // A source of pasted lines that fails (the person cancelled its prompt) ends the wait with its error.
      const pasteFailed = new AbortController();
      let pasteError: unknown;
      if (options.pasted) {
        void readPasted(options.pasted, listener, stopReading.signal, options.onPasteRejected).catch((error: unknown) => {
          pasteError = error;
          pasteFailed.abort();
        });
      }
      try {
        callback = await listener.waitForCallback({
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          signal: AbortSignal.any([...(signal ? [signal] : []), opener.signal, pasteFailed.signal]),
        });
      } catch (error) {
        if (pasteError !== undefined && !signal?.aborted) throw pasteError;
        if (openerProblem === undefined || signal?.aborted) throw error;
        throw new SetupError('BROWSER_FAILED', `Could not open the browser for the sign-in: ${openerProblem}.`, {
          hint: 'Fix $BROWSER, or run again with --no-browser and open the printed URL yourself.',
        });
      } finally {
        stopReading.abort();
      }

      const tokens = await exchangeCode(config, callback.url, codeVerifier, state);
      callback.finish({ ok: true });
      return {
        accessToken: tokens.access_token,
        scopes: tokens.scope ? tokens.scope.split(' ').filter(Boolean) : scopes,
        ...(tokens.expires_in === undefined ? {} : { expiresIn: tokens.expires_in }),
        issuer: discovered.issuer,
        forget: () => forgetClient(http, registered),
      };
    } catch (error) {
      callback?.finish({ ok: false, message: isSetupError(error) ? error.message : 'The sign-in failed.' });
      await forgetClient(http, registered);
      throw error;
    } finally {
      await listener.close();
    }
  });
}

/** OAUTH_SCOPE when any requested scope is not one the server lists (checked only when it lists any). */
export function assertKnownScopes(requested: readonly string[], supported: readonly string[]): void {
  const malformed = requested.filter((scope) => scope === '' || /\s/.test(scope));
  if (malformed.length > 0) {
    throw new SetupError('OAUTH_SCOPE', `Scopes must be single words: ${malformed.map((s) => JSON.stringify(s)).join(', ')}.`, {
      hint: 'Separate scopes with commas, e.g. --scopes user:read,project:read.',
    });
  }
  if (supported.length === 0) return;
  const known = new Set(supported);
  const unknown = requested.filter((scope) => !known.has(scope) && !ALWAYS_ACCEPTED_SCOPES.has(scope));
  if (unknown.length > 0) {
    throw new SetupError(
      'OAUTH_SCOPE',
      `The server does not know the scope${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}.`,
      { hint: `Scopes it offers: ${supported.filter((s) => !ALWAYS_ACCEPTED_SCOPES.has(s)).join(' ')}` },
    );
  }
}

/** Deletes a registered client (RFC 7592) when the server handed out what that needs; errors are ignored:
 * a registration the server keeps is no failure of the check. */
async function forgetClient(http: HttpClient, client: RegisteredClient | undefined): Promise<void> {
  if (!client?.management) return;
  const { uri, accessToken } = client.management;
  client.management = undefined;
  try {
    const response = await http.fetch(uri, { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` }, timeoutMs: 5_000 });
    await response.discard();
  } catch {
    // ignored on purpose: see above
  }
}

/** RFC 7591 registration of a public native client for exactly `redirectUri` (mittwald matches redirect URIs
 * exactly, so the port must be the one already bound). Returns the client_id, and the RFC 7592 management
 * URI and token when the server sends both. */
async function registerClient(
  http: HttpClient,
  metadata: AuthorizationServerMetadata,
  redirectUri: string,
  signal: AbortSignal | undefined,
): Promise<RegisteredClient> {
  const endpoint = metadata.registration_endpoint as string;
  const response = await http.fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: CLIENT_NAME,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [redirectUri],
    }),
    ...(signal ? { signal } : {}),
  });
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (response.status !== 201 && response.status !== 200) {
    const error = OAuthErrorSchema.safeParse(body);
    const detail = error.success ? `: ${error.data.error}${error.data.error_description ? ` (${error.data.error_description})` : ''}` : '';
    throw new SetupError('OAUTH', `The authorization server refused to register the sign-in client (HTTP ${response.status}${detail}).`, {
      hint: 'Try again later; if it keeps failing, use an API token (--token).',
    });
  }
  const parsed = RegistrationResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new SetupError('OAUTH', 'The authorization server answered the client registration without a client_id.', {
      hint: 'Report this to the server operator, or use an API token (--token).',
    });
  }
  const { client_id: clientId, registration_client_uri: uri, registration_access_token: accessToken } = parsed.data;
  return uri !== undefined && accessToken !== undefined ? { clientId, management: { uri, accessToken } } : { clientId };
}

/** openid-client's view of the AS and our public client; its HTTP goes through the shared HttpClient, and
 * plain HTTP is allowed only when the AS is on this machine. */
function clientConfiguration(
  http: HttpClient,
  metadata: AuthorizationServerMetadata,
  clientId: string,
  redirectUri: string,
): client.Configuration {
  const server: client.ServerMetadata = {
    issuer: metadata.issuer,
    authorization_endpoint: metadata.authorization_endpoint,
    token_endpoint: metadata.token_endpoint,
    ...(metadata.authorization_response_iss_parameter_supported === undefined
      ? {}
      : { authorization_response_iss_parameter_supported: metadata.authorization_response_iss_parameter_supported }),
  };
  const config = new client.Configuration(
    server,
    clientId,
    { redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
    client.None(),
  );
  config[client.customFetch] = async (url, init) => toWebResponse(await http.fetch(url, fromWebInit(init)));
  const endpoints = [metadata.issuer, metadata.authorization_endpoint, metadata.token_endpoint];
  if (endpoints.some((value) => new URL(value).protocol === 'http:')) {
    // requireSecureUrl has already refused plain HTTP anywhere but this machine.
    if (endpoints.every((value) => isLoopbackHost(new URL(value).hostname))) client.allowInsecureRequests(config);
  }
  return config;
}

/** The token request, with openid-client's checks (state, iss, PKCE verifier). Its errors become SetupErrors. */
async function exchangeCode(
  config: client.Configuration,
  callbackUrl: URL,
  codeVerifier: string,
  state: string,
): Promise<{ access_token: string; scope?: string; expires_in?: number }> {
  try {
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
    return {
      access_token: tokens.access_token,
      ...(typeof tokens.scope === 'string' ? { scope: tokens.scope } : {}),
      ...(typeof tokens.expires_in === 'number' ? { expires_in: tokens.expires_in } : {}),
    };
  } catch (error) {
    throw tokenError(error);
  }
}

function tokenError(error: unknown): SetupError {
  if (isSetupError(error)) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (isSetupError(cause)) return cause;
  if (error instanceof client.ResponseBodyError) {
    const expired = error.error === 'invalid_grant';
    return new SetupError(
      'OAUTH',
      `The authorization server refused the code exchange: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}.`,
      { hint: expired ? 'The code expired or was used already: run the command again.' : 'Run the command again; if it keeps failing, use an API token (--token).', cause: error },
    );
  }
  if (error instanceof client.AuthorizationResponseError) {
    return new SetupError('OAUTH', `The authorization server refused the sign-in: ${error.error}.`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SetupError('OAUTH', `The sign-in's code exchange failed (${message}).`, {
    hint: 'Run the command again; if it keeps failing, use an API token (--token).',
    cause: error,
  });
}

/** Runs `work`, turning an abort of `signal` (wherever it surfaces: a fetch, the listener) into CANCELLED. */
async function cancellable<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (signal?.aborted && !(isSetupError(error) && error.code === 'CANCELLED')) {
      throw new SetupError('CANCELLED', 'The sign-in was cancelled.', { cause: error });
    }
    throw error;
  }
}


/** openid-client's request options as the HttpClient takes them (it sends strings, form parameters or bytes). */
function fromWebInit(init: client.CustomFetchOptions): HttpRequestInit {
  const { body } = init;
  if (body !== undefined && body !== null && !(typeof body === 'string' || body instanceof URLSearchParams || body instanceof Uint8Array || body instanceof ArrayBuffer)) {
    throw new TypeError('openid-client sent a streamed request body, which the HTTP client does not send.');
  }
  return {
    method: init.method,
    headers: init.headers,
    body: body instanceof ArrayBuffer ? new Uint8Array(body) : (body ?? null),
    redirect: init.redirect,
    ...(init.signal ? { signal: init.signal } : {}),
  };
}

/** openid-client works on WHATWG Responses (it clones them, checks bodyUsed): the HttpClient's answer, with the
 * body read whole (OAuth answers are small). Node's Response class is loaded only here, in an OAuth run. */
async function toWebResponse(response: HttpResponse): Promise<globalThis.Response> {
  const body = [204, 205, 304].includes(response.status) ? null : await response.text();
  const headers = new Headers();
  response.headers.forEach((value, name) => headers.append(name, value));
  return new Response(body, { status: response.status, headers });
}
