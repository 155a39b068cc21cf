/** The registry of tool adapters, and with tool-ids.ts the only modules of adapters/ the core imports. They are bundled with the commands rather than loaded one by one:
 * each separately loaded module costs start-up time (about 1.5 ms on Node 20), more than compiling them all. */
import type { Adapter } from '../src/kit/adapter.js';
import type { ToolId } from '../src/model.js';
import chatgpt from './chatgpt.js';
import claudeCode from './claude-code.js';
import claudeDesktop from './claude-desktop.js';
import codex from './codex.js';
import copilot from './copilot/index.js';
import cursor from './cursor.js';
import antigravity from './antigravity.js';
import cline from './cline.js';
import gemini from './gemini.js';
import hermes from './hermes.js';
import opencode from './opencode.js';
import windsurf from './windsurf.js';
import zed from './zed.js';
import { TOOL_GROUPS, TOOL_IDS } from './tool-ids.js';

export { EXAMPLE_TOOLS, TOOL_GROUPS, TOOL_IDS } from './tool-ids.js';

const ADAPTERS: readonly Adapter[] = [claudeCode, codex, cursor, copilot, claudeDesktop, chatgpt, gemini, opencode, hermes, cline, windsurf, zed, antigravity];

const unlisted = ADAPTERS.map((adapter) => adapter.id).filter((id) => !(TOOL_IDS as readonly string[]).includes(id));
const missing = TOOL_IDS.filter((id) => !ADAPTERS.some((adapter) => adapter.id === id));
const grouped = TOOL_GROUPS.flatMap((group) => group.tools);
const ungrouped = TOOL_IDS.filter((id) => grouped.filter((candidate) => candidate === id).length !== 1);
if (ungrouped.length > 0) throw new Error(`adapters/tool-ids.ts: each tool id belongs to exactly one group: ${ungrouped.join(', ')}`);
if (unlisted.length > 0 || missing.length > 0) {
  throw new Error(`adapters/tool-ids.ts and the registry disagree: ${[...unlisted.map((id) => `${id} is not listed`), ...missing.map((id) => `${id} has no adapter`)].join('; ')}`);
}

export async function loadAdapter(id: ToolId): Promise<Adapter> {
  const adapter = ADAPTERS.find((candidate) => candidate.id === id);
  if (!adapter) throw new Error(`The ${id} adapter is not available in this version.`);
  return adapter;
}

export function availableTools(): ToolId[] {
  return [...TOOL_IDS];
}
