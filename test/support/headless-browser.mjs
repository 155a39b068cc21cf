#!/usr/bin/env node
/** A headless stand-in for a person's browser, usable as `$BROWSER` (the URL is the last argument).
 *
 * It follows the authorization URL through the authorization server with real HTTP requests (cookies kept
 * per path, redirects followed by hand), answers the consent page by submitting its Allow or Deny form, and
 * finally performs the GET to the redirect URI the AS sends it to — the client's loopback listener.
 *
 * HEADLESS_BROWSER_ACTION:
 *   approve       (default) allow, then deliver the authorization response
 *   deny          press Deny; the AS redirects back with error=access_denied
 *   ignore        open the consent page and walk away (nothing reaches the loopback listener)
 *   tamper-state  allow, but change `state` in the response before delivering it
 *   elsewhere     allow, then stop at the redirect without requesting it: a browser on another machine (the
 *                 CLI runs over SSH), where the loopback address is not the CLI's; the person pastes it
 * HEADLESS_BROWSER_LOG: a file to append one line per request to (for debugging a failing test). */
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const ACTIONS = new Set(['approve', 'deny', 'ignore', 'tamper-state', 'elsewhere']);

/** A minimal cookie jar: cookies keyed by name and path, sent when the request path is under the path. */
class CookieJar {
  #cookies = new Map();

  store(requestUrl, setCookieHeaders) {
    for (const header of setCookieHeaders) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = requestUrl.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, attrValue = ''] = attribute.split('=');
        const lower = key.toLowerCase();
        if (lower === 'path') path = attrValue || '/';
        if (lower === 'max-age' && Number(attrValue) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(attrValue) <= Date.now()) expired = true;
      }
      const key = `${name}\u0000${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path });
    }
  }

  header(url) {
    const pairs = [];
    for (const { name, value, path } of this.#cookies.values()) {
      const under = url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
      if (under) pairs.push(`${name}=${value}`);
    }
    return pairs.join('; ');
  }
}

/** Walks the authorization flow at `authorizationUrl`.
 * Resolves with the redirect URI the AS finally sent the browser to (already delivered unless `ignore`),
 * the status of that delivery, and the trail of requests; rejects when the AS answers with an error page. */
export async function runBrowser(authorizationUrl, { action = 'approve', log = () => {} } = {}) {
  if (!ACTIONS.has(action)) throw new Error(`unknown HEADLESS_BROWSER_ACTION ${action}`);
  const start = new URL(authorizationUrl);
  const jar = new CookieJar();
  const trail = [];
  let url = start;
  let method = 'GET';

  for (let hop = 0; hop < 25; hop++) {
    if (url.origin !== start.origin) return deliver(url, action, trail, log);
    const cookie = jar.header(url);
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), accept: 'text/html' },
    });
    trail.push(`${method} ${url.pathname} → ${response.status}`);
    log(trail.at(-1));
    jar.store(url, response.headers.getSetCookie());

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      method = 'GET';
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) {
      throw new Error(`the authorization server answered ${response.status}: ${page.slice(0, 300)}`);
    }
    const forms = [...page.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"/gi)].map((m) => m[1]);
    const confirm = forms.find((f) => f.endsWith('/confirm'));
    const abort = forms.find((f) => f.endsWith('/abort'));
    if (!confirm || !abort) throw new Error(`unexpected page at ${url.pathname}: ${page.slice(0, 300)}`);
    if (action === 'ignore') return { redirectUrl: undefined, status: undefined, trail };
    url = new URL(action === 'deny' ? abort : confirm, url);
    method = 'POST';
  }
  throw new Error('too many redirects');
}

async function deliver(redirectUrl, action, trail, log) {
  if (action === 'ignore' || action === 'elsewhere') return { redirectUrl, status: undefined, trail };
  if (action === 'tamper-state') redirectUrl.searchParams.set('state', `tampered-${Date.now()}`);
  const response = await fetch(redirectUrl, { redirect: 'manual' });
  await response.text();
  trail.push(`GET ${redirectUrl.origin}${redirectUrl.pathname} → ${response.status}`);
  log(trail.at(-1));
  return { redirectUrl, status: response.status, trail };
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const target = process.argv.at(-1);
  const logFile = process.env.HEADLESS_BROWSER_LOG;
  const log = (line) => {
    if (logFile) appendFileSync(logFile, `${line}\n`);
  };
  runBrowser(target, { action: process.env.HEADLESS_BROWSER_ACTION ?? 'approve', log }).then(
    () => process.exit(0),
    (error) => {
      log(`error: ${error.message}`);
      process.stderr.write(`headless-browser: ${error.message}\n`);
      process.exit(1);
    },
  );
}
