import { describe, expect, it } from 'vitest';
import { cleanToken, maskCredentials, maskHeaderValue, maskSecret, redact, tokenProblem } from '../../src/secrets.js';

const TOKEN = '0b9a7c1e-1111-4222-8333-944445555666:s3cr3t-value:mittwald_a';

describe('maskSecret and redact', () => {
  it('shows only the last four characters of a long secret', () => {
    expect(maskSecret(TOKEN)).toBe('••••ld_a');
    expect(maskSecret('short')).toBe('••••');
  });

  it('masks a header value by the same rule, keeping its auth scheme', () => {
    expect(maskHeaderValue(`Bearer ${TOKEN}`)).toBe(`Bearer ${maskSecret(TOKEN)}`);
    expect(maskHeaderValue('Bearer abcdefghij')).toBe('Bearer ••••');
    expect(maskHeaderValue(TOKEN)).toBe('••••ld_a');
    expect(maskHeaderValue('session=abcdefghijklmnop; theme=dark')).toBe('••••dark');
  });

  it('replaces every occurrence of each secret', () => {
    expect(redact(`a ${TOKEN} b ${TOKEN}`, [TOKEN])).toBe('a ••••ld_a b ••••ld_a');
  });
});

describe('maskCredentials', () => {
  it('masks literal bearer tokens in JSON and TOML, and keeps references', () => {
    const text = [
      `"Authorization": "Bearer ${TOKEN}"`,
      `http_headers = { Authorization = "Bearer ${TOKEN}" }`,
      '"Authorization": "Bearer ${env:MITTWALD_API_TOKEN}"',
      '"Authorization": "Bearer ${input:mittwald-token}"',
    ].join('\n');
    const masked = maskCredentials(text);
    expect(masked).not.toContain(TOKEN);
    expect(masked).toContain('"Bearer ••••ld_a"');
    expect(masked).toContain('Bearer ${env:MITTWALD_API_TOKEN}');
    expect(masked).toContain('Bearer ${input:mittwald-token}');
  });

  it('masks what a support report can pick up from files and program output, and nothing it needs', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1bml0In0.dW5pdC10ZXN0LXNpZ25hdHVyZQ';
    const secrets = {
      jwt,
      refresh: 'unit-refresh-token-0123456789',
      cookie: 'unit-cookie-session-5678',
      secondCookie: 'unit-second-cookie-9012',
      clientSecret: 'unit-client-secret-3456',
      code: 'unit-auth-code-7890',
      password: 'unit-proxy-password-1234',
      apiKey: 'unit-api-key-abcdef',
      basic: 'dW5pdDpiYXNpYy1wYXNzd29yZA==',
    };
    const text = [
      `{"accessToken":"${jwt}","refreshToken":"${secrets.refresh}","clientId":"public-id","expiresAt":1796169675508}`,
      `access_token = "${jwt}"`,
      `Cookie: a=1; sid=${secrets.cookie}; other=${secrets.secondCookie}`,
      `client_secret=${secrets.clientSecret}&grant_type=refresh_token`,
      `http://localhost:3118/callback?state=abc&code=${secrets.code}`,
      `HTTPS_PROXY=http://ada:${secrets.password}@proxy.example:3128`,
      `x-api-key: ${secrets.apiKey}`,
      `Authorization: Basic ${secrets.basic}`,
      `${TOKEN} in a sentence`,
    ].join('\n');
    const masked = maskCredentials(text);
    for (const [kind, secret] of Object.entries({ ...secrets, TOKEN })) expect(masked, kind).not.toContain(secret);
    // Names, references, public values and error codes stay readable.
    for (const kept of ['"clientId":"public-id"', '"expiresAt":1796169675508', 'grant_type=refresh_token', 'state=abc', 'http://ada:••••', '@proxy.example:3128']) expect(masked).toContain(kept);
    const readable = '"code": "SIGNIN_TOKEN_REJECTED", bearer_token_env_var = "MITTWALD_API_TOKEN", "Authorization": "Bearer ${MITTWALD_API_TOKEN}", export MITTWALD_API_TOKEN=\'<your token>\'';
    expect(maskCredentials(readable)).toBe(readable);
  });

  it('leaves an already masked value as it is', () => {
    expect(maskCredentials(redact(`Bearer ${TOKEN}`, [TOKEN]))).toBe('Bearer ••••ld_a');
  });
});

describe('cleanToken', () => {
  it.each([
    [`  ${TOKEN}\n`, ['removed surrounding whitespace']],
    [`"${TOKEN}"`, ['removed surrounding quotes']],
    [`Bearer ${TOKEN}`, ['removed a "Bearer " prefix']],
    [`Authorization: Bearer ${TOKEN}`, ['removed an "Authorization:" prefix', 'removed a "Bearer " prefix']],
    [TOKEN, []],
  ])('cleans %j', (raw, fixes) => {
    expect(cleanToken(raw)).toEqual({ token: TOKEN, fixes });
  });

  it('names what is wrong with a token that cannot be sent', () => {
    expect(tokenProblem('')).toMatch(/empty/);
    expect(tokenProblem('two words')).toMatch(/whitespace/);
    expect(tokenProblem('tökén')).toMatch(/cannot be sent/);
    expect(tokenProblem(TOKEN)).toBeUndefined();
  });
});
