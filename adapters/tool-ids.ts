/** The tool ids, in the order lists, `--tool all` and `--help` use — apart from the adapters themselves so that
 * `--help` (answered before any adapter loads) can name them. The registry (index.ts) checks that each id
 * here has its adapter and each adapter its id. */
export const TOOL_IDS = ['claude-code', 'codex', 'cursor', 'copilot', 'claude-desktop', 'chatgpt'] as const satisfies readonly string[];

/** Tool ids the help and error hints use in their examples: a terminal agent pair, an editor, the
 * settings-screen apps, and an agent that runs in CI. */
export const EXAMPLE_TOOLS = { terminal: ['codex', 'claude-code'], editor: 'cursor', apps: ['chatgpt', 'claude-desktop'], ci: 'claude-code' } as const;
