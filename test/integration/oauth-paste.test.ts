/** The loopback listener's pasted responses (LoopbackListener.paste): what a person copies from a browser on
 * another machine is judged like a request that reached the listener, and anything else is explained. */
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopbackListener, type LoopbackListener } from '../../src/oauth/oauth-loopback.js';

let listener: LoopbackListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

describe('LoopbackListener.paste', () => {
  it('takes the address the browser ended on, whatever host it shows, and ends the wait with its code', async () => {
    listener = await startLoopbackListener({ expectedState: 'st-1' });
    const waiting = listener.waitForCallback({ timeoutMs: 5_000 });
    const port = new URL(listener.redirectUri).port;
    expect(listener.paste(`  http://localhost:${port}/callback?code=c-42&state=st-1\n`)).toBeUndefined();
    const callback = await waiting;
    expect(callback.url.href).toBe(`${listener.redirectUri}?code=c-42&state=st-1`);
    callback.finish({ ok: true });
  });

  it.each([
    ['code=c-42&state=st-1', /not a web address/],
    ['https://example.test/somewhere?code=c-42&state=st-1', /not the sign-in response.*\/callback\?/],
    ['http://127.0.0.1:1/callback', /not the sign-in response/],
  ])('explains %j and keeps waiting', async (text, reason) => {
    listener = await startLoopbackListener({ expectedState: 'st-1' });
    const waiting = listener.waitForCallback({ timeoutMs: 300 });
    expect(listener.paste(text)).toMatch(reason);
    await expect(waiting).rejects.toMatchObject({ code: 'OAUTH_TIMEOUT' });
  });

  it.each([
    ['a response of another sign-in', 'http://127.0.0.1:1/callback?code=c&state=older', 'OAUTH_STATE'],
    ['a denied consent', 'http://127.0.0.1:1/callback?error=access_denied&state=st-1', 'OAUTH_DENIED'],
  ])('ends the wait on %s, as the browser request would', async (_label, text, code) => {
    listener = await startLoopbackListener({ expectedState: 'st-1' });
    const waiting = listener.waitForCallback({ timeoutMs: 5_000 });
    expect(listener.paste(text)).toBeUndefined();
    await expect(waiting).rejects.toMatchObject({ code });
  });
});
