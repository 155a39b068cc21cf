/** Human output: colour only on a TTY without NO_COLOR/--no-color, and every line passes through the
 * redactor so that a secret can never reach the terminal. With --json, human lines are suppressed and the
 * one result object is printed at the end. */
import { redact } from '../secrets.js';

export interface Output {
  readonly color: boolean;
  line(text?: string): void;
  /** Lines that belong on stderr even in --json mode (warnings, the sign-in URL). */
  note(text: string): void;
  json(value: unknown): void;
  /** Registers a secret that must never be printed. */
  addSecret(secret: string): void;
  /** `text` as it would be printed: every registered secret masked (for what is kept beyond the run). */
  redact(text: string): string;
  paint: Painter;
}

export interface Painter {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
}

const codes = { bold: [1, 22], dim: [2, 22], green: [32, 39], yellow: [33, 39], red: [31, 39], cyan: [36, 39] } as const;

export function createPainter(color: boolean): Painter {
  const paint = (name: keyof typeof codes) => (text: string) => (color ? `\u001b[${codes[name][0]}m${text}\u001b[${codes[name][1]}m` : text);
  return { bold: paint('bold'), dim: paint('dim'), green: paint('green'), yellow: paint('yellow'), red: paint('red'), cyan: paint('cyan') };
}

export interface OutputStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export function createOutput(options: { json: boolean; color: boolean }, streams: OutputStreams = process): Output {
  const secrets = new Set<string>();
  const clean = (text: string) => redact(text, secrets);
  return {
    color: options.color,
    paint: createPainter(options.color),
    line(text = '') {
      if (!options.json) streams.stdout.write(`${clean(text)}\n`);
    },
    note(text) {
      streams.stderr.write(`${clean(text)}\n`);
    },
    json(value) {
      streams.stdout.write(`${clean(JSON.stringify(value, null, 2))}\n`);
    },
    addSecret(secret) {
      if (secret) secrets.add(secret);
    },
    redact: clean,
  };
}

export const SYMBOLS = { ok: '✓', warn: '⚠', fail: '✗', info: '•' } as const;
