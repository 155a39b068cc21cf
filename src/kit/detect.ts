/** Tool detection from evidence on disk and PATH: no process is spawned, so detection stays fast. */
import { findOnPath, pathExists } from '../system/environment.js';
import type { Detection, Environment, ToolId } from '../model.js';

export interface DetectionClues {
  /** Programs on PATH that prove the tool is installed. */
  commands?: readonly string[];
  /** Install locations (app bundles, program folders) that prove it is installed. */
  installPaths?: readonly string[];
  /** Config files or folders that show the tool was used here. */
  configPaths?: readonly string[];
}

export async function detectFromClues(tool: ToolId, environment: Environment, clues: DetectionClues, hosts: string[] = []): Promise<Detection> {
  const evidence: string[] = [];
  for (const command of clues.commands ?? []) {
    const found = await findOnPath(environment, command);
    if (found) evidence.push(found);
  }
  for (const candidate of clues.installPaths ?? []) if (await pathExists(candidate)) evidence.push(candidate);
  const installed = evidence.length > 0;
  for (const candidate of clues.configPaths ?? []) if (await pathExists(candidate)) evidence.push(candidate);
  const state = installed ? 'installed' : evidence.length > 0 ? 'config-found' : 'not-installed';
  return { tool, state, hosts, evidence };
}
