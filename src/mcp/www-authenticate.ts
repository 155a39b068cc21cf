/** The WWW-Authenticate header of a 401: which Bearer challenge the server sent and with what parameters
 * (mittwald's `authorization_uri`, the MCP spec's `resource_metadata`, an `error` such as invalid_token). */

/** The parameters of the Bearer challenge in a WWW-Authenticate value (RFC 9110 §11.6.1): names lower-cased,
 * quoted strings unescaped. Undefined when there is no Bearer challenge. */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const tokens = tokenizeChallenges(header);
  let params: Record<string, string> | undefined;
  for (const item of tokens) {
    if (item.kind === 'scheme') {
      if (params) return params;
      params = item.name.toLowerCase() === 'bearer' ? {} : undefined;
    } else if (params) {
      params[item.name.toLowerCase()] = item.value;
    }
  }
  return params;
}

type ChallengeToken = { kind: 'scheme'; name: string } | { kind: 'param'; name: string; value: string };

function tokenizeChallenges(header: string): ChallengeToken[] {
  const out: ChallengeToken[] = [];
  let i = 0;
  const skip = (pattern: RegExp): void => {
    while (i < header.length && pattern.test(header.charAt(i))) i++;
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const start = i;
    skip(/[^\s,=]/);
    const name = header.slice(start, i);
    if (name === '') break;
    skip(/\s/);
    if (header.charAt(i) !== '=') {
      out.push({ kind: 'scheme', name });
      continue;
    }
    i++;
    skip(/\s/);
    let value = '';
    if (header.charAt(i) === '"') {
      i++;
      while (i < header.length && header.charAt(i) !== '"') {
        if (header.charAt(i) === '\\') i++;
        value += header.charAt(i);
        i++;
      }
      i++;
    } else {
      const valueStart = i;
      skip(/[^\s,]/);
      value = header.slice(valueStart, i);
    }
    out.push({ kind: 'param', name, value });
  }
  return out;
}
