/** Recognising mittwald entries in configs: the current endpoint, and the retired ones that must be migrated
 * (`…/sse` URLs and `*.fly.dev` hosts). */
import type { StaleEntry } from '../model.js';

export type UrlKind = 'current' | 'legacy-sse' | 'legacy-fly' | 'other';

export function classifyServerUrl(url: string, serverUrl: string): UrlKind {
  let parsed: URL;
  let server: URL;
  try {
    server = parsedServerUrl(serverUrl).url;
    if (!mayNameMittwald(url, serverUrl)) return 'other';
    parsed = new URL(url);
  } catch {
    return 'other';
  }
  if (sameEndpoint(parsed, server)) return 'current';
  const mittwaldHost = parsed.host === server.host || /(^|\.)mittwald\.de$/.test(parsed.hostname);
  if (parsed.hostname.endsWith('.fly.dev') && parsed.hostname.includes('mittwald')) return 'legacy-fly';
  if (mittwaldHost && /\/sse\/?$/.test(parsed.pathname)) return 'legacy-sse';
  return 'other';
}

/** The URL entries are compared with, parsed once for a whole file of entries, and a test for text that
 * can name it or mittwald at all. */
let lastServer: { text: string; url: URL; mention: RegExp } | undefined;
function parsedServerUrl(serverUrl: string): { url: URL; mention: RegExp } {
  if (lastServer?.text !== serverUrl) {
    const url = new URL(serverUrl);
    // Percent and \u escapes could spell either in disguise: such text is looked at closely too.
    const mention = new RegExp(`mittwald|%|\\\\u|${url.host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i');
    lastServer = { text: serverUrl, url, mention };
  }
  return lastServer;
}

/** Whether `text` — a URL, or an entry's JSON text — can name mittwald or the server at all: a cheap test
 * that lets a file with thousands of entries be scanned without parsing each one. Never false for text that
 * classifyServerUrl (or bridgedUrl) would find ours. */
export function mayNameMittwald(text: string, serverUrl: string): boolean {
  try {
    return parsedServerUrl(serverUrl).mention.test(text);
  } catch {
    return true;
  }
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
