/** Opening a URL in the user's browser: `$BROWSER` when set (the convention xdg-open and many CLIs follow; the
 * URL is its last argument), else the platform opener. Always without a shell, detached, and never fatal:
 * the caller prints the URL anyway, so a failure to open only means the user copies it. */
import type { Environment } from '../model.js';

export interface BrowserCommand {
  command: string;
  args: string[];
  /** Arguments are passed to the Windows command line exactly as given (they carry their own quotes). */
  verbatim: boolean;
}

/** The program and arguments that open `url`.
 * `$BROWSER` may be a command with arguments (split on whitespace) or, as xdg-utils allows, a colon-separated
 * list of commands of which the first is used; a `%s` in it is replaced by the URL instead of appending it. */
export function browserCommand(url: string, environment: Pick<Environment, 'platform' | 'env'>): BrowserCommand {
  const fromEnv = environment.env.BROWSER?.trim();
  if (fromEnv) {
    const first = environment.platform === 'win32' ? fromEnv : (fromEnv.split(':').find((part) => part.trim() !== '') ?? fromEnv);
    const [command, ...args] = first.trim().split(/\s+/) as [string, ...string[]];
    const substituted = args.some((arg) => arg.includes('%s'));
    return {
      command,
      args: substituted ? args.map((arg) => arg.replaceAll('%s', url)) : [...args, url],
      verbatim: false,
    };
  }
  switch (environment.platform) {
    case 'darwin':
      return { command: 'open', args: [url], verbatim: false };
    case 'win32':
      // `start` is a cmd built-in. The quoted URL keeps cmd from reading `&` in the query string as a command
      // separator, the empty title keeps `start` from taking the URL as one; the outer quotes are the ones
      // `/s` strips (the form Node itself uses for shell commands), verbatim so Node adds no quoting of its own.
      return { command: 'cmd', args: ['/d', '/s', '/c', `"start "" "${url.replaceAll('"', '%22')}""`], verbatim: true };
    default:
      return { command: 'xdg-open', args: [url], verbatim: false };
  }
}

/** Starts the browser on `url`. Resolves true once the opener process has started, false when it could not
 * be started (not installed, no permission); never rejects. The opener is detached and not waited for; when
 * it later exits with a failure status (a `$BROWSER` that cannot open anything), `onFailure` hears why. */
export async function openBrowser(
  url: string,
  environment: Pick<Environment, 'platform' | 'env'> = { platform: currentPlatform(), env: process.env },
  onFailure?: (reason: string) => void,
): Promise<boolean> {
  const { command, args, verbatim } = browserCommand(url, environment);
  // Loaded on first use: most runs open no browser.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, {
        detached: true,
        stdio: 'ignore',
        shell: false,
        env: { ...environment.env },
        windowsVerbatimArguments: verbatim,
      });
    } catch {
      resolve(false);
      return;
    }
    child.once('error', () => resolve(false));
    child.once('exit', (code, signal) => {
      if (code !== 0) onFailure?.(`\`${command}\` ${signal ? `was stopped by ${signal}` : `exited with status ${code}`}`);
    });
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

function currentPlatform(): Environment['platform'] {
  return process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';
}
