import { describe, expect, it } from 'vitest';
import { bridgedUrl, classifyServerUrl, findStaleEntries } from '../../src/kit/server-url.js';

const SERVER = 'https://mcp.mittwald.de/mcp';

describe('classifyServerUrl', () => {
  it.each([
    ['https://mcp.mittwald.de/mcp', 'current'],
    ['https://mcp.mittwald.de/mcp/', 'current'],
    ['https://mcp.mittwald.de/sse', 'legacy-sse'],
    ['https://mittwald-mcp-server.fly.dev/mcp', 'legacy-fly'],
    ['https://other-app.fly.dev/sse', 'other'],
    ['https://example.com/sse', 'other'],
    ['not a url', 'other'],
  ])('%s → %s', (url, kind) => {
    expect(classifyServerUrl(url, SERVER)).toBe(kind);
  });
});

describe('findStaleEntries', () => {
  it('names retired and duplicate entries under other names, never ours or strangers', () => {
    const stale = findStaleEntries(
      [
        { name: 'mittwald', url: 'https://mcp.mittwald.de/sse' },
        { name: 'mw-old', url: 'https://mcp.mittwald.de/sse' },
        { name: 'mw-fly', url: 'https://mittwald-mcp.fly.dev/mcp' },
        { name: 'mw-copy', url: SERVER },
        { name: 'github', url: 'https://api.githubcopilot.com/mcp/' },
        { name: 'local', url: undefined },
      ],
      'mittwald',
      SERVER,
      '/f.json',
    );
    expect(stale.map(({ name, reason }) => [name, reason])).toEqual([
      ['mw-old', 'legacy-sse'],
      ['mw-fly', 'legacy-fly'],
      ['mw-copy', 'duplicate'],
    ]);
  });
});

describe('bridgedUrl', () => {
  it('finds the URL behind an mcp-remote bridge', () => {
    expect(bridgedUrl({ command: 'npx', args: ['-y', 'mcp-remote', 'https://mcp.mittwald.de/sse'] })).toBe('https://mcp.mittwald.de/sse');
    expect(bridgedUrl({ command: 'npx', args: ['mcp-remote@0.1.29', 'https://mcp.mittwald.de/sse', '--header', 'Authorization: Bearer x'] })).toBe('https://mcp.mittwald.de/sse');
  });

  it('ignores other local servers', () => {
    expect(bridgedUrl({ command: 'node', args: ['server.js', 'https://example.com'] })).toBeUndefined();
    expect(bridgedUrl({ url: SERVER })).toBeUndefined();
    expect(bridgedUrl('x')).toBeUndefined();
  });
});
