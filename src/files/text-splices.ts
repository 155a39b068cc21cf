/** Which text another one was made from by a few splices (the edits of a config document: jsonc-document.ts
 * notes them). The writer (config-file.ts) then builds the new file's bytes from the bytes it read of the old
 * text and the splices' own, instead of encoding the whole new text: on a large file, flattening the edited
 * string and encoding it is a good part of the run. Only the last few texts are remembered; a text is found by
 * identity in practice (a Map hashes a long string by its length), so looking one up costs nothing. */
import { isAscii } from 'node:buffer';

/** Replace `length` UTF-16 code units at `offset` of the base text with `content`. */
export interface TextSplice {
  offset: number;
  length: number;
  content: string;
}

interface Origin {
  base: string;
  /** In text order, not overlapping. */
  splices: readonly TextSplice[];
}

const REMEMBERED = 4;
const origins = new Map<string, Origin>();

/** Notes that `result` is `base` with `splices` (sorted by offset, not overlapping) applied. A text made
 * from a text that was itself made so is not noted: the writer knows the bytes of what it read only. */
export function noteSplices(result: string, base: string, splices: readonly TextSplice[]): void {
  if (origins.has(base)) return;
  origins.delete(result);
  origins.set(result, { base, splices });
  if (origins.size > REMEMBERED) origins.delete(origins.keys().next().value as string);
}

/** The bytes of `text` (UTF-8) made from `baseBytes`, the bytes of `base`, when `text` is known to be `base`
 * with a few splices and `base` is ASCII (its character offsets are byte offsets); undefined otherwise. */
export function splicedBytes(text: string, base: string, baseBytes: Buffer): Buffer | undefined {
  const origin = origins.get(text);
  // Node's isAscii checks 10 MB in about a millisecond.
  if (origin === undefined || origin.base !== base || !isAscii(baseBytes)) return undefined;
  const parts: Buffer[] = [];
  let cursor = 0;
  for (const { offset, length, content } of origin.splices) {
    parts.push(baseBytes.subarray(cursor, offset), Buffer.from(content, 'utf8'));
    cursor = offset + length;
  }
  parts.push(baseBytes.subarray(cursor));
  return Buffer.concat(parts);
}
