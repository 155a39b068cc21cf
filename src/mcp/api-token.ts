/** The REST token check: `GET <api>/v2/users/self` says whom an API token belongs to, or that the mittwald
 * API rejects it. Also the user shape that the API and the `mittwald_user_get` tool share. */
import { SetupError } from '../errors.js';
import type { HttpClient } from '../net/http.js';
import { isJsonObject } from '../files/json-object.js';
import { commonFailure, fetchRespectingRateLimit, parseJsonOrUndefined, readFailureIfNotOk, readText, TOKEN_HINT, type RetryOptions } from './failures.js';

export interface Identity {
  userId: string;
  /** "firstName lastName" */
  name: string;
  email?: string;
}

/** GET <apiUrl>/v2/users/self with the token: who it belongs to. Throws a SetupError: TOKEN_REJECTED (401),
 * FORBIDDEN (403), RATE_LIMITED, SERVER_ERROR, PROTOCOL (not the mittwald API), or a network code. */
export async function checkApiToken(http: HttpClient, apiUrl: string, token: string, options: RetryOptions = {}): Promise<Identity> {
  const url = `${apiUrl.replace(/\/+$/, '')}/v2/users/self`;
  const res = await fetchRespectingRateLimit(
    http,
    url,
    { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
    options,
  );
  const failure = await readFailureIfNotOk(res, [token]);
  if (failure) {
    if (failure.status === 401) {
      throw new SetupError('TOKEN_REJECTED', 'The mittwald API rejected the token (401): it is wrong, revoked or expired.', {
        hint: TOKEN_HINT,
      });
    }
    if (failure.status === 403) {
      throw new SetupError('FORBIDDEN', 'The mittwald API refused to tell who the token belongs to (403).', {
        hint: 'Give the token the api_read or api_write role in mStudio, or create a new one.',
      });
    }
    throw commonFailure(failure, url, 'the mittwald API', 'Check --api-url (default https://api.mittwald.de).');
  }
  const identity = readIdentity(parseJsonOrUndefined(await readText(res, url)));
  if (!identity) {
    throw new SetupError('PROTOCOL', `${url} answered, but not with a mittwald user.`, {
      hint: 'Check --api-url (default https://api.mittwald.de).',
    });
  }
  return identity;
}

/** A mittwald user object (`{ userId, email?, person: { firstName, lastName } }`, more fields ignored) as an
 * Identity; undefined when `value` is not one. */
export function readIdentity(value: unknown): Identity | undefined {
  if (!isJsonObject(value) || !isJsonObject(value.person)) return undefined;
  const { userId, email } = value;
  const { firstName, lastName } = value.person;
  if (typeof userId !== 'string' || userId === '' || typeof firstName !== 'string' || typeof lastName !== 'string') return undefined;
  if (email !== undefined && typeof email !== 'string') return undefined;
  const name = `${firstName} ${lastName}`.trim();
  return { userId, name: name || userId, ...(email ? { email } : {}) };
}

