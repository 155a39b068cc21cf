/** Unified diffs of planned file changes, with secrets masked before diffing so that no diff line can
 * show one: the secrets of this run, and any literal bearer credential already in the file. */
import { createTwoFilesPatch } from 'diff';
import { maskCredentials, redact } from '../secrets.js';

export function unifiedDiff(path: string, before: string | null, after: string | null, secrets: readonly string[]): string {
  const patch = createTwoFilesPatch(
    before === null ? '/dev/null' : `a${path.startsWith('/') ? '' : '/'}${path}`,
    after === null ? '/dev/null' : `b${path.startsWith('/') ? '' : '/'}${path}`,
    maskCredentials(redact(before ?? '', secrets)),
    maskCredentials(redact(after ?? '', secrets)),
    undefined,
    undefined,
    { context: 3 },
  );
  // Drop the "Index:" / "====" preamble that createTwoFilesPatch adds.
  return patch.replace(/^=+\n/m, '').replace(/^Index: .*\n/m, '');
}
