/** Drives the built CLI through a real pseudo-terminal (node-pty), the way a person at a terminal would:
 * the CLI sees a TTY on stdin and stdout, so it runs the interactive wizard. Waits are pattern-based:
 * `expect` resolves as soon as the (ANSI-stripped) output shows the pattern, and fails with the screen's
 * tail when it does not appear in time or the program exits first. */
import { spawn as spawnPty, type IPty } from '@lydell/node-pty';
import { CLI, cleanEnv } from './cli.js';

/** Key sequences as a terminal sends them. */
export const KEYS = {
  enter: '\r',
  space: ' ',
  up: '\u001b[A',
  down: '\u001b[B',
  left: '\u001b[D',
  right: '\u001b[C',
  ctrlC: '\u0003',
  esc: '\u001b',
  backspace: '\u007f',
} as const;

// CSI (colours, cursor moves, erase), OSC (titles, links), and the two-byte escapes; an incomplete sequence at
// the very end (a chunk split mid-sequence) is dropped too, so stripped text only ever grows at its end.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[()][0-9A-Za-z]|\u001b[@-Z\\-_=>]|\u001b(?:\[[0-?]*[ -/]*|\][^\u0007\u001b]*)?$/g;
/** The SGR sequences (`ESC [ … m`) in `text` that set a colour: foreground or background, basic, bright,
 * 256-colour or RGB. Attributes such as dim or inverse are not colour (NO_COLOR leaves them alone). */
export function colourSequences(text: string): string[] {
  return [...text.matchAll(/\u001b\[([0-9;:]*)m/g)]
    .filter(([, params]) =>
      params!.split(/[;:]/).some((param) => {
        const code = Number(param);
        return param !== '' && ((code >= 30 && code <= 49) || (code >= 90 && code <= 107));
      }),
    )
    .map(([sequence]) => sequence);
}

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export interface PtyOptions {
  home: string;
  cwd?: string;
  /** Added to (or, with undefined, removed from) cleanEnv(home). */
  env?: Record<string, string | undefined>;
  cols?: number;
  rows?: number;
  /** An executable to run with the arguments instead of the built CLI (e.g. a real client such as `claude`). */
  program?: string;
}

export interface PtyExit {
  exitCode: number;
  signal: number | undefined;
}

export class PtySession {
  private readonly pty: IPty;
  private raw = '';
  /** Position in the stripped output after the last `expect` match; later searches start there. */
  private cursor = 0;
  private exit: PtyExit | undefined;
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<PtyExit>;

  constructor(args: readonly string[], options: PtyOptions) {
    const env = Object.fromEntries(Object.entries(cleanEnv(options.home, options.env)).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const file = options.program ?? process.execPath;
    const argv = options.program ? [...args] : [CLI, ...args];
    this.pty = spawnPty(file, argv, {
      name: 'xterm-256color',
      cols: options.cols ?? 80,
      rows: options.rows ?? 40,
      cwd: options.cwd ?? options.home,
      env: { TERM: 'xterm-256color', ...env },
    });
    this.pty.onData((data) => {
      this.raw += data;
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.pty.onExit(({ exitCode, signal }) => {
        this.exit = { exitCode, signal: signal || undefined };
        this.notify();
        resolve(this.exit);
      });
    });
  }

  /** Everything the program wrote, escape sequences included. */
  get output(): string {
    return this.raw;
  }

  /** Everything the program wrote, escape sequences removed. */
  get text(): string {
    return stripAnsi(this.raw);
  }

  /** Waits until the output after the previous match shows `pattern`; returns the matched text. */
  async expect(pattern: RegExp | string, timeoutMs = 10_000): Promise<string> {
    const regex = typeof pattern === 'string' ? undefined : new RegExp(pattern.source, pattern.flags.replace('g', ''));
    const find = (): string | undefined => {
      const rest = this.text.slice(this.cursor);
      let index: number;
      let match: string;
      if (regex) {
        const found = regex.exec(rest);
        if (!found) return undefined;
        [index, match] = [found.index, found[0]];
      } else {
        index = rest.indexOf(pattern as string);
        if (index < 0) return undefined;
        match = pattern as string;
      }
      this.cursor += index + match.length;
      return match;
    };
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = find();
        if (match !== undefined) return finish(() => resolve(match));
        if (this.exit) return finish(() => reject(this.failure(`exited with ${this.exit!.exitCode} before showing ${String(pattern)}`)));
      };
      const timer = setTimeout(() => finish(() => reject(this.failure(`did not show ${String(pattern)} within ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Types `keys`, one key sequence at a time with a tiny gap, so that each reaches its own keypress event. */
  async send(...keys: string[]): Promise<void> {
    for (const key of keys) {
      this.pty.write(key);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  /** Waits for the program to end; fails with the screen's tail after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<PtyExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.failure(`did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the program (SIGKILL) unless it already exited. Safe to call more than once. */
  kill(): void {
    if (this.exit) return;
    try {
      this.pty.kill('SIGKILL');
    } catch {
      // already gone
    }
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private failure(what: string): Error {
    const tail = this.text.slice(-1500);
    return new Error(`The CLI ${what}. Screen (last 1500 characters):\n${tail}`);
  }
}

/** Starts `node dist/cli.js <args>` on a fresh 80-column pseudo-terminal. */
export function spawnCli(args: readonly string[], options: PtyOptions): PtySession {
  return new PtySession(args, options);
}
