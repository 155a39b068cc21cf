/** The registry of tool adapters. Each is loaded only when its tool is used. */
import type { Adapter } from '../src/adapter.js';
import { TOOL_IDS, type ToolId } from '../src/model.js';

const LOADERS: Record<ToolId, (() => Promise<{ default: Adapter }>) | undefined> = {
  'claude-code': () => import('./claude-code.js'),
  codex: () => import('./codex.js'),
  cursor: () => import('./cursor.js'),
  copilot: () => import('./copilot.js'),
  'claude-desktop': () => import('./claude-desktop.js'),
  chatgpt: () => import('./chatgpt.js'),
};

export async function loadAdapter(id: ToolId): Promise<Adapter> {
  const loader = LOADERS[id];
  if (!loader) throw new Error(`The ${id} adapter is not available in this version.`);
  return (await loader()).default;
}

export function availableTools(): ToolId[] {
  return TOOL_IDS.filter((id) => LOADERS[id] !== undefined);
}
