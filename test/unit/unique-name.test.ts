/** The names of temp files and lock tokens: never the same twice in a process, and apart across processes,
 * in characters every file system takes. */
import { describe, expect, it, vi } from 'vitest';
import { uniqueSuffix } from '../../src/files/unique-name.js';

describe('uniqueSuffix', () => {
  it('never repeats within a process, even in the same millisecond with the same random part', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const names = Array.from({ length: 10_000 }, () => uniqueSuffix());
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) expect(name).toMatch(/^[0-9a-z-]+$/);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('differs between processes whatever the time and random part: the pid is a part of its own', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const pid = Object.getOwnPropertyDescriptor(process, 'pid')!;
    try {
      const ours = uniqueSuffix();
      Object.defineProperty(process, 'pid', { value: process.pid + 1, configurable: true });
      const theirs = uniqueSuffix();
      expect(theirs).not.toBe(ours);
      // Apart even had both issued as many names: the parts are separated, so no pid runs into the counter.
      expect(theirs.split('-')[0]).not.toBe(ours.split('-')[0]);
    } finally {
      Object.defineProperty(process, 'pid', pid);
      vi.restoreAllMocks();
    }
  });
});
