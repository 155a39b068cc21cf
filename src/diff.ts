/** Unified diffs of planned file changes, with secrets masked before diffing so that no diff line can
 * show one. */
import { createTwoFilesPatch } from 'diff';
import { redact } from './secrets.js';

export function unifiedDiff(path: string, before: string | null, after: string | null, secrets: readonly string[]): string {
  const patch = createTwoFilesPatch(
    before === null ? '/dev/null' : `a${path.startsWith('/') ? '' : '/'}${path}`,
    after === null ? '/dev/null' : `b${path.startsWith('/') ? '' : '/'}${path}`,
    redact(before ?? '', secrets),
    redact(after ?? '', secrets),
    undefined,
    undefined,
    { context: 3 },
  );
  // Drop the "Index:" / "====" preamble that createTwoFilesPatch adds.
  return patch.replace(/^=+\n/m, '').replace(/^Index: .*\n/m, '');
}
