/** The registry of tool adapters. They are bundled with the commands rather than loaded one by one: each
 * separately loaded module costs start-up time (about 1.5 ms on Node 20), more than compiling all six. */
import type { Adapter } from '../src/adapter.js';
import { TOOL_IDS, type ToolId } from '../src/model.js';
import chatgpt from './chatgpt.js';
import claudeCode from './claude-code.js';
import claudeDesktop from './claude-desktop.js';
import codex from './codex.js';
import copilot from './copilot.js';
import cursor from './cursor.js';

const ADAPTERS: Record<ToolId, Adapter | undefined> = {
  'claude-code': claudeCode,
  codex,
  cursor,
  copilot,
  'claude-desktop': claudeDesktop,
  chatgpt,
};

export async function loadAdapter(id: ToolId): Promise<Adapter> {
  const adapter = ADAPTERS[id];
  if (!adapter) throw new Error(`The ${id} adapter is not available in this version.`);
  return adapter;
}

export function availableTools(): ToolId[] {
  return TOOL_IDS.filter((id) => ADAPTERS[id] !== undefined);
}
