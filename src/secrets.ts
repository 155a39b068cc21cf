/** Masking and clean-up of credentials. Nothing the CLI prints may contain a secret: output goes through
 * `redact`, and values shown on purpose go through `maskSecret` (one rule for every place a secret is shown:
 * messages, diffs, the wizard's choices and the --debug HTTP trace). */

const BULLETS = '••••';

/** `Bearer ••••1234`-style display of a secret: only the last four characters, and none for short ones. */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `${BULLETS}${secret.slice(-4)}` : BULLETS;
}

/** A header value that carries a credential (`Authorization`, `Cookie`, …), shown by the same rule: an auth
 * scheme such as `Bearer ` stays readable, the rest is masked (`Bearer ••••1234`). */
export function maskHeaderValue(value: string): string {
  const scheme = /^[A-Za-z][\w.+-]*\s+(?=\S)/.exec(value)?.[0] ?? '';
  return `${scheme}${maskSecret(value.slice(scheme.length).trim())}`;
}

/** Replaces every occurrence of each secret in `text` with its masked form. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join(maskSecret(secret));
  }
  return out;
}

/** A literal bearer credential in config text (not a `${…}` reference). */
const LITERAL_BEARER = /(\bBearer\s+)(?!\$\{|••••)([^\s"'\\]{8,})/gi;

/** The name of a key, header, parameter or variable whose value is a credential: tokens of every kind
 * (`accessToken`, `refresh_token`, `id_token`, `MITTWALD_API_TOKEN`), secrets (`client_secret`), passwords,
 * API keys, code verifiers, cookies and the Authorization header. */
const SECRET_NAME = String.raw`[\w.-]*(?:token|secret|passw(?:or)?d|api[_-]?key|cookie|authorization|code[_-]?verifier)`;
/** An OAuth authorization code in a redirect URL's query or fragment (`?code=…`); a `"code"` key elsewhere
 * (an error code) is no secret. */
const AUTH_CODE = /([?&#]code=)(?!••••)([^&#\s"']{4,})/g;

/** `"name": "value"` (JSON), `name = "value"` (TOML), `name: value` (YAML, HTTP headers) and `name=value`
 * (environment, query strings, cookies) with a credential's name. */
const NAMED_SECRET = new RegExp(
  String.raw`((?:^|[\s"'{,;?&(])(?:${SECRET_NAME})["']?\s*(?:[:=])\s*["']?(?:(?:Bearer|Basic|Token)\s+)?)(?!\$\{|\{env:|<|••••|(?:Bearer|Basic|Token)\b)([^\s"'&;,}{)]{4,})`,
  'gim',
);
/** A cookie header or value, masked whole: each of its pairs may be a session. */
const COOKIE = /((?:^|[\s"'{,])(?:set-)?cookie["']?\s*[:=]\s*["']?)(?!••••)([^"'\r\n]{4,})/gim;
/** The password in a URL's user information (`https://user:password@host`). */
const URL_PASSWORD = /(\/\/[^\s/:@]+:)([^\s/@]{3,})(?=@)/g;
/** A JSON Web Token (header.payload.signature, base64url) wherever it stands: OAuth access tokens, id tokens. */
const JWT = /\beyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]{6,}/g;
/** A mittwald API token, `<uuid>:<secret>:mittwald_<kind>` (the observed shape), wherever it stands. */
const MITTWALD_TOKEN = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[^\s"':]{4,}:mittwald_\w+/gi;

/** Masks every credential that can be recognised in a text we did not write ourselves (a file's current
 * contents in a diff, a support report, another program's output), where the secrets are not known in
 * advance: literal `Bearer <secret>`s, values under a credential's name (JSON, TOML, YAML, headers,
 * `name=value` pairs, cookies), authorization codes in URLs, JWTs and mittwald API tokens. Each is shown by the one rule of maskSecret;
 * references (`${VAR}`, `{env:VAR}`) stay readable. */
export function maskCredentials(text: string): string {
  return text
    .replace(COOKIE, (_match, prefix: string, value: string) => `${prefix}${maskSecret(value)}`)
    .replace(URL_PASSWORD, (_match, prefix: string, secret: string) => `${prefix}${maskSecret(secret)}`)
    .replace(AUTH_CODE, (_match, prefix: string, secret: string) => `${prefix}${maskSecret(secret)}`)
    .replace(MITTWALD_TOKEN, (secret) => maskSecret(secret))
    .replace(JWT, (secret) => maskSecret(secret))
    .replace(LITERAL_BEARER, (_match, prefix: string, secret: string) => `${prefix}${maskSecret(secret)}`)
    .replace(NAMED_SECRET, (match, prefix: string, secret: string) => (secret.startsWith('••••') ? match : `${prefix}${maskSecret(secret)}`));
}

export interface CleanedToken {
  token: string;
  /** What was fixed, to tell the user (never containing the token). */
  fixes: string[];
}

/** Undoes the usual paste mistakes around an API token: surrounding whitespace or newlines, quotes, and a
 * leading `Bearer ` or `Authorization:` that came along from a header. Other shapes are accepted as they are:
 * mittwald does not document its token format. */
export function cleanToken(raw: string): CleanedToken {
  const fixes: string[] = [];
  let token = raw;
  const trimmed = token.trim();
  if (trimmed !== token) fixes.push('removed surrounding whitespace');
  token = trimmed;
  const quoted = /^(["'`])(.*)\1$/s.exec(token);
  if (quoted?.[2] !== undefined) {
    token = quoted[2].trim();
    fixes.push('removed surrounding quotes');
  }
  const header = /^authorization\s*:\s*/i.exec(token);
  if (header) {
    token = token.slice(header[0].length);
    fixes.push('removed an "Authorization:" prefix');
  }
  const bearer = /^bearer\s+/i.exec(token);
  if (bearer) {
    token = token.slice(bearer[0].length).trim();
    fixes.push('removed a "Bearer " prefix');
  }
  return { token, fixes };
}

/** A token that cannot be sent as-is in an HTTP header, or is obviously not a token. */
export function tokenProblem(token: string): string | undefined {
  if (token.length === 0) return 'the token is empty';
  if (/\s/.test(token)) return 'the token contains whitespace — was more than the token pasted?';
  if (/[^\x21-\x7e]/.test(token)) return 'the token contains characters that cannot be sent in an HTTP header';
  return undefined;
}
