/** Recognising mittwald entries in configs: the current endpoint, and the retired ones that must be migrated
 * (`…/sse` URLs and `*.fly.dev` hosts). */
import type { StaleEntry } from './model.js';

export type UrlKind = 'current' | 'legacy-sse' | 'legacy-fly' | 'other';

export function classifyServerUrl(url: string, serverUrl: string): UrlKind {
  let parsed: URL;
  let server: URL;
  try {
    parsed = new URL(url);
    server = new URL(serverUrl);
  } catch {
    return 'other';
  }
  if (sameEndpoint(parsed, server)) return 'current';
  const mittwaldHost = parsed.host === server.host || /(^|\.)mittwald\.de$/.test(parsed.hostname);
  if (parsed.hostname.endsWith('.fly.dev') && parsed.hostname.includes('mittwald')) return 'legacy-fly';
  if (mittwaldHost && /\/sse\/?$/.test(parsed.pathname)) return 'legacy-sse';
  return 'other';
}

function sameEndpoint(a: URL, b: URL): boolean {
  const trim = (p: string) => p.replace(/\/+$/, '');
  return a.protocol === b.protocol && a.host === b.host && trim(a.pathname) === trim(b.pathname);
}

/** Entries under other names that point at mittwald: retired URLs, or a duplicate of the current one. */
export function findStaleEntries(
  entries: ReadonlyArray<{ name: string; url: string | undefined }>,
  ourName: string,
  serverUrl: string,
  file: string,
): StaleEntry[] {
  const stale: StaleEntry[] = [];
  for (const { name, url } of entries) {
    if (name === ourName || url === undefined) continue;
    const kind = classifyServerUrl(url, serverUrl);
    if (kind === 'legacy-sse' || kind === 'legacy-fly') stale.push({ name, url, file, reason: kind });
    else if (kind === 'current') stale.push({ name, url, file, reason: 'duplicate' });
  }
  return stale;
}

/** The remote URL behind a local stdio bridge entry such as `{ "command": "npx", "args": ["mcp-remote",
 * "https://mcp.mittwald.de/sse"] }` — the way mittwald's server was wired before tools spoke HTTP. */
export function bridgedUrl(entry: unknown): string | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const { command, args } = entry as { command?: unknown; args?: unknown };
  if (!Array.isArray(args)) return undefined;
  const words = [command, ...args].filter((word): word is string => typeof word === 'string');
  if (!words.some((word) => /(^|[/@])mcp-remote(@|$)/.test(word))) return undefined;
  return words.find((word) => /^https?:\/\//.test(word));
}
