/** Copying text to the system clipboard with the platform's own tool. Used by the wizard to hand the server
 * URL to a settings screen; never through a shell, and never fatal: the URL is always printed as well. */
import { findOnPath } from './environment.js';
import type { Environment } from '../model.js';
import { runProgram } from './child-process.js';

export interface ClipboardCommand {
  /** The program's full path, as found on PATH. */
  command: string;
  args: string[];
}

/** The clipboard tool this machine can use, or undefined when there is none: pbcopy on macOS, clip on
 * Windows; on Linux wl-copy in a Wayland session, else xclip or xsel in an X11 session. Without a display
 * (SSH, CI) the Linux tools cannot reach a clipboard, so none is offered there. */
export async function clipboardCommand(environment: Environment): Promise<ClipboardCommand | undefined> {
  const candidates: Array<[string, string[]]> = [];
  if (environment.platform === 'darwin') candidates.push(['pbcopy', []]);
  else if (environment.platform === 'win32') candidates.push(['clip', []]);
  else {
    if (environment.env.WAYLAND_DISPLAY) candidates.push(['wl-copy', []]);
    if (environment.env.DISPLAY) candidates.push(['xclip', ['-selection', 'clipboard']], ['xsel', ['--clipboard', '--input']]);
  }
  for (const [name, args] of candidates) {
    const command = await findOnPath(environment, name);
    if (command) return { command, args };
  }
  return undefined;
}

/** Puts `text` on the clipboard. Resolves true when the tool accepted it, false when there is no tool or it
 * failed; never rejects. */
export async function copyToClipboard(text: string, environment: Environment): Promise<boolean> {
  const tool = await clipboardCommand(environment);
  if (!tool) return false;
  // xclip and wl-copy stay behind to serve the selection; with no pipes of ours they do not hold us up.
  const run = await runProgram(tool.command, tool.args, { io: { input: text }, env: environment.env, timeoutMs: 5000 });
  return run.exitCode === 0;
}
