/** Reading an MCP client's stored OAuth sign-ins: a JSON file mapping `<server name>|<hash>` to the tokens of
 * that server. Adapters say where their tool keeps the file and how it spells the fields; this module reads
 * it, finds the record of one entry and turns it into a SignInState that holds no secret. The tokens
 * themselves are only handed on for doctor's checks (StoredSignIn), never shown. */
import { readConfigFile } from '../files/config-file.js';
import { SetupError } from '../errors.js';
import { isJsonObject } from '../files/json-object.js';
import { parseJsonDocument } from '../files/jsonc-document.js';

/** A tool's sign-in for one entry, as `status`, `doctor` and `report` show it. No secret in it. */
export type SignInState =
  | { status: 'not-signed-in'; file: string }
  | {
      /** `expired`: the access token's time is up; with `refresh` the tool renews it on its next connect. */
      status: 'signed-in' | 'expired';
      file: string;
      /** When the access token expires (expired), ISO 8601; absent when the tool stored no time. */
      expiresAt?: string;
      /** A refresh token is stored. */
      refresh: boolean;
      /** The tool's last refresh was refused by the server (it dropped the refresh token). */
      refreshRejected?: boolean;
      /** The client registration the tool signed in with (public values). */
      client?: { clientId: string; issuer?: string; redirectUri?: string };
      scopes?: string[];
    };

/** A sign-in with its tokens, for doctor's checks against the server. The tokens must be registered as
 * secrets of the output before anything derived from them is printed. */
export interface StoredSignIn {
  state: SignInState;
  accessToken?: string;
  refreshToken?: string;
}

/** The fields of one stored record, as a tool spells them (read by the adapter). */
export interface StoredTokens {
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
  /** Milliseconds since the epoch; absent: unknown; 0: the tool gave the token up. */
  expiresAt?: number | undefined;
  clientId?: string | undefined;
  issuer?: string | undefined;
  redirectUri?: string | undefined;
  scopes?: string[] | undefined;
}

/** The key both of today's CLI clients with a file store give a remote server's record: its name, `|`, and
 * the first 16 hex digits of SHA-256 over `{"type":"http","url":…,"headers":{…}}` (observed, both tools). */
export function serverStoreKey(name: string, url: string, headers: Record<string, string> = {}): string {
  // node:crypto is loaded on the first key, not with this module: most runs compute none (files/unique-name.ts).
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(JSON.stringify({ type: 'http', url, headers })).digest('hex').slice(0, 16);
  return `${name}|${hash}`;
}

/** The records map at `keyPath` of the store file: `null` when the file does not exist. A file that does not
 * parse is a CONFIG_PARSE error naming it (its text is never shown: it holds tokens). */
export async function readSignInStore(path: string, keyPath: readonly string[] = []): Promise<Record<string, unknown> | null> {
  const { text } = await readConfigFile(path);
  if (text === null) return null;
  let document: unknown;
  try {
    document = parseJsonDocument(text, path, 'json') ?? {};
  } catch {
    throw new SetupError('CONFIG_PARSE', `${path} (where the tool keeps its sign-ins) is not valid JSON.`, { hint: 'Sign in again from the tool; it rewrites the file.' });
  }
  let records: unknown = document;
  for (const key of keyPath) records = isJsonObject(records) ? records[key] : undefined;
  return isJsonObject(records) ? records : {};
}

/** The record of the server `name` at `url`: the one under its exact key, else one under `<name>|…` whose
 * stored URL is `url` (an entry with extra headers hashes differently). */
export function findStoreRecord(records: Record<string, unknown>, name: string, url: string, storedUrl: (record: Record<string, unknown>) => unknown): Record<string, unknown> | undefined {
  const exact = records[serverStoreKey(name, url)];
  if (isJsonObject(exact)) return exact;
  const key = Object.keys(records).find((candidate) => candidate.startsWith(`${name}|`) && isJsonObject(records[candidate]) && storedUrl(records[candidate] as Record<string, unknown>) === url);
  return key === undefined ? undefined : (records[key] as Record<string, unknown>);
}

/** The keys of every record of `name` at `url` (what a logout or `remove` takes out). */
export function storeRecordKeys(records: Record<string, unknown>, name: string, url: string, storedUrl: (record: Record<string, unknown>) => unknown): string[] {
  return Object.keys(records).filter((key) => key === serverStoreKey(name, url) || (key.startsWith(`${name}|`) && isJsonObject(records[key]) && storedUrl(records[key] as Record<string, unknown>) === url));
}

/** The state a record describes at `now`. A record without an access token is no sign-in. */
export function signInFromTokens(file: string, tokens: StoredTokens | undefined, now = Date.now()): StoredSignIn {
  if (!tokens?.accessToken) return { state: { status: 'not-signed-in', file } };
  const known = tokens.expiresAt !== undefined && tokens.expiresAt > 0;
  // A stored time of 0 is how a tool marks a token it gave up on: expired, whatever the token says.
  const expired = tokens.expiresAt !== undefined && (tokens.expiresAt === 0 || tokens.expiresAt <= now);
  const state: SignInState = {
    status: expired ? 'expired' : 'signed-in',
    file,
    ...(known ? { expiresAt: new Date(tokens.expiresAt!).toISOString() } : {}),
    refresh: Boolean(tokens.refreshToken),
    ...(tokens.clientId ? { client: { clientId: tokens.clientId, ...(tokens.issuer ? { issuer: tokens.issuer } : {}), ...(tokens.redirectUri ? { redirectUri: tokens.redirectUri } : {}) } } : {}),
    ...(tokens.scopes?.length ? { scopes: tokens.scopes } : {}),
  };
  return { state, accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) };
}

/** A string field of a record, or undefined. */
export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A number field of a record, or undefined. */
export function numberField(record: Record<string, unknown>, key: string): number | undefined {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** How a sign-in reads in one line, e.g. "signed in (expires 2026-12-02 00:14 UTC, refresh available)". */
export function describeSignIn(state: SignInState): string {
  if (state.status === 'not-signed-in') return 'not signed in yet';
  const when = state.expiresAt ? formatTime(state.expiresAt) : undefined;
  const refresh = state.refreshRejected ? 'its refresh was refused' : state.refresh ? 'refresh available' : 'no refresh token';
  if (state.status === 'signed-in') return `signed in (${when ? `expires ${when}, ` : ''}${refresh})`;
  return `sign-in expired${when ? ` ${when}` : ''} (${refresh})`;
}

/** `2026-12-02 00:14 UTC`: minutes are enough for a person, and UTC is the same on every machine. */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
