/** The advisory lock between runs: exclusive, waited for, taken over from a dead or ancient holder, always
 * released. */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { lockPathFor, withFileLock } from '../../src/files/file-lock.js';

vi.mock('node:fs/promises', async () => (await import('memfs')).fs.promises);
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', async () => (await import('memfs')).fs);

const FILE = '/home/u/.cursor/mcp.json';
const LOCK = '/home/u/.cursor/.mcp.json.mittwald-mcp-setup.lock';

/** A pid that certainly ran on this host and no longer does. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  expect(child.status).toBe(0);
  return child.pid as number;
}

function writeLock(holder: { pid: number; host?: string; time?: Date }): void {
  vol.writeFileSync(LOCK, JSON.stringify({ pid: holder.pid, host: holder.host ?? hostname(), time: (holder.time ?? new Date()).toISOString(), token: 'theirs' }));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

beforeEach(() => {
  vol.reset();
  vol.mkdirSync('/home/u/.cursor', { recursive: true });
});

describe('withFileLock', () => {
  it('queues this process\'s own holders of one lock: they never overlap and take their turns in order, without polling', async () => {
    const events: string[] = [];
    const holder = (name: string, gate?: Promise<void>) =>
      withFileLock(FILE, async () => {
        events.push(`${name} in`);
        expect(vol.existsSync(LOCK)).toBe(true);
        await gate;
        events.push(`${name} out`);
      });
    const firstMayLeave = deferred();
    const started = Date.now();
    const all = Promise.all([holder('a', firstMayLeave.promise), holder('b'), holder('c')]);
    await vi.waitFor(() => expect(events).toEqual(['a in']));
    firstMayLeave.resolve();
    await all;
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    // The lock-file backoff starts at 10 ms and doubles; queued holders do not wait on it.
    expect(Date.now() - started).toBeLessThan(500);
    expect(vol.existsSync(LOCK)).toBe(false);
  });

  it('lets the next holder of this process go on when one throws', async () => {
    const failing = withFileLock(FILE, async () => {
      throw new Error('boom');
    });
    const next = withFileLock(FILE, async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('holds a lock file beside the file with our pid and the time, and removes it afterwards', async () => {
    expect(lockPathFor(FILE)).toBe(LOCK);
    const seen = await withFileLock(FILE, async () => JSON.parse(vol.readFileSync(LOCK, 'utf8') as string));
    expect(seen).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Date.now() - Date.parse(seen.time)).toBeLessThan(5_000);
    expect(vol.existsSync(LOCK)).toBe(false);
  });

  it('releases the lock when the work throws, and passes the error on', async () => {
    await expect(
      withFileLock(FILE, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(vol.existsSync(LOCK)).toBe(false);
    // … so the next run gets it at once.
    expect(await withFileLock(FILE, async () => 'next', { timeoutMs: 0 })).toBe('next');
  });

  it('lets a second holder in only after the first released it', async () => {
    const order: string[] = [];
    const release = deferred();
    const first = withFileLock(FILE, async () => {
      order.push('first in');
      await release.promise;
      order.push('first out');
    });
    await vi.waitFor(() => expect(order).toEqual(['first in']));
    const second = withFileLock(FILE, async () => {
      order.push('second in');
    });
    await new Promise((done) => setTimeout(done, 100));
    expect(order).toEqual(['first in']);
    release.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
  });

  it('gives up on a lock a live run holds, naming it, and leaves that lock alone', async () => {
    writeLock({ pid: process.pid });
    const run = vi.fn(async () => undefined);
    const started = Date.now();
    await expect(withFileLock(FILE, run, { timeoutMs: 300, label: '~/.cursor/mcp.json' })).rejects.toMatchObject({
      code: 'CONFIG_IO',
      message: `~/.cursor/mcp.json is being changed by another mittwald-mcp-setup run (pid ${process.pid}); nothing was written to it`,
      hint: expect.stringContaining(LOCK),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(run).not.toHaveBeenCalled();
    expect(JSON.parse(vol.readFileSync(LOCK, 'utf8') as string).token).toBe('theirs');
  });

  it('takes over at once a lock whose process is gone from this host', async () => {
    writeLock({ pid: deadPid() });
    const started = Date.now();
    expect(await withFileLock(FILE, async () => JSON.parse(vol.readFileSync(LOCK, 'utf8') as string).pid, { timeoutMs: 5_000 })).toBe(process.pid);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(vol.existsSync(LOCK)).toBe(false);
  });

  it('takes over a lock older than the stale age, even from a live process', async () => {
    writeLock({ pid: process.pid, time: new Date(Date.now() - 60_000) });
    expect(await withFileLock(FILE, async () => 'mine', { timeoutMs: 5_000 })).toBe('mine');
  });

  it('does not judge a pid from another host, and waits for its lock', async () => {
    writeLock({ pid: deadPid(), host: `not-${hostname()}` });
    await expect(withFileLock(FILE, async () => undefined, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'CONFIG_IO',
      message: expect.stringContaining(`on not-${hostname()}`),
    });
  });

  it('treats an empty lock (its holder died while creating it) by its age', async () => {
    vol.writeFileSync(LOCK, '');
    await expect(withFileLock(FILE, async () => undefined, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'CONFIG_IO' });
    const old = new Date(Date.now() - 60_000);
    vol.utimesSync(LOCK, old, old);
    expect(await withFileLock(FILE, async () => 'mine', { timeoutMs: 200 })).toBe('mine');
  });

  it('does not remove a lock that is no longer its own when it releases', async () => {
    await withFileLock(FILE, async () => {
      // Someone found us stale and took over meanwhile.
      writeLock({ pid: process.pid });
    });
    expect(JSON.parse(vol.readFileSync(LOCK, 'utf8') as string).token).toBe('theirs');
  });

  it('lets exactly one of many waiting holders in at a time', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(FILE, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((done) => setTimeout(done, 5));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
