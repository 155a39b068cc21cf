/** The run's one Ctrl-C handler. A phase that must finish what it started (writing a file, a sign-in that
 * holds a port) claims Ctrl-C for itself while it runs; the innermost claim hears it. While nothing claims
 * it, the run's fallback ends the run at once: nothing has been written then, so there is nothing to finish. */

type Handler = () => void;

const claims: Handler[] = [];
let fallback: Handler | undefined;
let listening = false;

function dispatch(): void {
  (claims.at(-1) ?? fallback)?.();
}

function listen(): void {
  if (listening) return;
  process.on('SIGINT', dispatch);
  listening = true;
}

/** Routes Ctrl-C to `handler` until the returned function is called. */
export function claimInterrupt(handler: Handler): () => void {
  listen();
  claims.push(handler);
  return () => {
    const index = claims.lastIndexOf(handler);
    if (index >= 0) claims.splice(index, 1);
  };
}

/** What Ctrl-C does while no phase has claimed it. */
export function setInterruptFallback(handler: Handler): void {
  listen();
  fallback = handler;
}
