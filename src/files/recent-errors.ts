/** The last few errors that ended a run, for the support report ("recent errors"): weeks after setup the
 * person no longer has the terminal that showed them. Kept in `~/.mittwald-mcp-setup/errors.json` (0600,
 * written atomically under the file's lock by the config-file writer, without backups), at most RECENT_ERRORS_KEPT, newest
 * last. Only what the run printed goes in — code, message with every secret masked, command, time — never
 * a hint that quotes a file, never a stack. */
import path from 'node:path';
import { readConfigFile, withConfigFileLock, writeConfigFile } from './config-file.js';
import { isJsonObject } from './json-object.js';
import type { Environment } from '../model.js';

export const RECENT_ERRORS_KEPT = 10;
/** A longer message is cut: the file stays small whatever an error said. */
const MESSAGE_LIMIT = 500;

export interface RecentError {
  /** ISO 8601. */
  time: string;
  command: string;
  code: string;
  /** As printed: masked by the caller. */
  message: string;
}

export function recentErrorsFile(environment: Environment): string {
  return path.join(environment.home, '.mittwald-mcp-setup', 'errors.json');
}

/** The errors kept, oldest first; none when the file is missing or not of this shape (it is only a log). */
export async function readRecentErrors(file: string): Promise<RecentError[]> {
  try {
    const { text } = await readConfigFile(file, { fresh: true });
    if (text === null) return [];
    const value: unknown = JSON.parse(text);
    if (!isJsonObject(value) || value.version !== 1 || !Array.isArray(value.errors)) return [];
    return value.errors.filter(isRecentError).slice(-RECENT_ERRORS_KEPT);
  } catch {
    return [];
  }
}

function isRecentError(value: unknown): value is RecentError {
  return isJsonObject(value) && ['time', 'command', 'code', 'message'].every((key) => typeof value[key] === 'string');
}

/** Adds `error` (its message already masked) and drops the oldest beyond RECENT_ERRORS_KEPT. */
export async function recordRecentError(file: string, error: RecentError): Promise<void> {
  const entry: RecentError = { ...error, message: error.message.length > MESSAGE_LIMIT ? `${error.message.slice(0, MESSAGE_LIMIT - 1)}…` : error.message };
  await withConfigFileLock(file, { secret: true }, async () => {
    const { text } = await readConfigFile(file, { fresh: true });
    const errors = [...(await readRecentErrors(file)), entry].slice(-RECENT_ERRORS_KEPT);
    await writeConfigFile(file, `${JSON.stringify({ version: 1, errors }, null, 2)}\n`, { secret: true, backupDir: null, expected: text });
  });
}
