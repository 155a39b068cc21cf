/** The tool ids, in the order lists, `--tool all` and `--help` use — apart from the adapters themselves so that
 * `--help` (answered before any adapter loads) can name them. The registry (index.ts) checks that each id
 * here has its adapter and each adapter its id. */
export const TOOL_IDS = [
  'claude-code',
  'codex',
  'cursor',
  'copilot',
  'claude-desktop',
  'chatgpt',
  'gemini',
  'opencode',
  'hermes',
  'cline',
  'windsurf',
  'zed',
  'antigravity',
] as const satisfies readonly string[];

/** How the wizard groups its list of tools (so that it stays readable at 80 columns); within a group the
 * order of TOOL_IDS. Every id is in exactly one group (the registry checks it). */
export const TOOL_GROUPS: ReadonlyArray<{ label: string; tools: readonly (typeof TOOL_IDS)[number][] }> = [
  { label: 'Terminal agents', tools: ['claude-code', 'codex', 'gemini', 'opencode', 'hermes'] },
  { label: 'Editors', tools: ['cursor', 'copilot', 'cline', 'windsurf', 'zed', 'antigravity'] },
  { label: 'Apps', tools: ['claude-desktop', 'chatgpt'] },
];

/** Tool ids the help and error hints use in their examples: a terminal agent pair, an editor, the
 * settings-screen apps, and an agent that runs in CI. */
export const EXAMPLE_TOOLS = { terminal: ['codex', 'claude-code'], editor: 'cursor', apps: ['chatgpt', 'claude-desktop'], ci: 'claude-code' } as const;
