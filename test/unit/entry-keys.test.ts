import { describe, expect, it } from 'vitest';
import { updateEntry, type EntryKeys } from '../../src/kit/entry-keys.js';

const KEYS: EntryKeys = { owned: [['type'], ['url'], ['headers', 'Authorization']], conflicting: { transportOptions: 'this tool refuses it on a URL server' } };
const BUILT = { type: 'http', url: 'https://mcp.mittwald.de/mcp', headers: { Authorization: 'Bearer ${T}' }, tools: ['*'] };

describe('updateEntry', () => {
  it('is the new entry when there is none, or no object, to keep anything from', () => {
    expect(updateEntry(undefined, BUILT, KEYS)).toEqual({ entry: BUILT, dropped: [] });
    expect(updateEntry('https://old', BUILT, KEYS)).toEqual({ entry: BUILT, dropped: [] });
    expect(updateEntry(['x'], BUILT, KEYS)).toEqual({ entry: BUILT, dropped: [] });
  });

  it('keeps the user\'s keys in their place, replaces owned ones whole, and adds missing ones last', () => {
    const existing = { timeout: 5, url: 'https://old/sse', headers: { 'X-Trace': 'on', Authorization: { nested: 'odd' } }, tools: ['list'] };
    const { entry, dropped } = updateEntry(existing, BUILT, KEYS);
    expect(entry).toEqual({ timeout: 5, url: BUILT.url, headers: { 'X-Trace': 'on', Authorization: 'Bearer ${T}' }, tools: ['list'], type: 'http' });
    expect(Object.keys(entry)).toEqual(['timeout', 'url', 'headers', 'tools', 'type']);
    expect(dropped).toEqual([]);
  });

  it('treats other spellings of an owned key as the same key', () => {
    const { entry } = updateEntry({ URL: 'x', headers: { authorization: 'Bearer a', AUTHORIZATION: 'Bearer b' } }, BUILT, KEYS);
    expect(entry).toEqual({ url: BUILT.url, headers: { Authorization: 'Bearer ${T}' }, type: 'http', tools: ['*'] });
  });

  it('removes owned keys the new entry lacks, and a container that leaves empty, but not one the user left empty', () => {
    const oauth = { type: 'http', url: 'u' };
    expect(updateEntry({ url: 'u', headers: { Authorization: 'Bearer a' } }, oauth, KEYS).entry).toEqual({ url: 'u', type: 'http' });
    expect(updateEntry({ url: 'u', headers: {} }, oauth, KEYS).entry).toEqual({ url: 'u', headers: {}, type: 'http' });
  });

  it('drops what contradicts a remote entry, with the reason, and reports a switch that keeps it off', () => {
    const result = updateEntry({ command: 'npx', args: ['mcp-remote'], transport: 'SSE', transportOptions: {}, enabled: false }, BUILT, KEYS);
    expect(result.entry).toEqual({ enabled: false, ...BUILT });
    expect(result.dropped.map(({ key }) => key)).toEqual(['command', 'args', 'transport', 'transportOptions']);
    expect(result.dropped[3]?.reason).toBe('this tool refuses it on a URL server');
    expect(result.disabledBy).toEqual(['enabled', false]);
  });

  it('changes nothing and drops nothing when run over its own result', () => {
    const first = updateEntry({ command: 'npx', 'x-mine': { a: 1 }, headers: { authorization: 'Bearer a', X: 'y' } }, BUILT, KEYS);
    const second = updateEntry(first.entry, BUILT, KEYS);
    expect(second.entry).toEqual(first.entry);
    expect(Object.keys(second.entry)).toEqual(Object.keys(first.entry));
    expect(second.dropped).toEqual([]);
  });

  it('reads TOML tables, which have no prototype', () => {
    const table = Object.assign(Object.create(null) as Record<string, unknown>, { url: 'old', startup_timeout_sec: 20 });
    expect(updateEntry(table, { url: 'new' }, { owned: [['url']] }).entry).toEqual({ url: 'new', startup_timeout_sec: 20 });
  });
});
