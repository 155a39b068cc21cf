/** Next-step text shared by adapters: how to make a token variable visible to a tool. Never includes the
 * token itself. */
import type { Environment } from '../model.js';

function shellProfile(environment: Environment): string {
  const shell = environment.env.SHELL ?? '';
  if (shell.endsWith('zsh')) return '~/.zshrc';
  if (shell.endsWith('fish')) return '~/.config/fish/config.fish';
  return environment.platform === 'darwin' ? '~/.zshrc' : '~/.bashrc';
}

/** Tells the person how to export `variable` so that `app` sees it. */
export function exportVariableSteps(environment: Environment, variable: string, app: string): string[] {
  const isSet = Boolean(environment.env[variable]);
  if (environment.platform === 'win32') {
    return [
      // setx stores the variable for the user's future processes only: neither this terminal nor a program
      // already running sees it.
      `${app} reads the token from the ${variable} environment variable${isSet ? ' (set in this terminal only)' : ', which is not set yet'}: run \`setx ${variable} "<your token>"\` (in Command Prompt or PowerShell), then start ${app} again from a new terminal or the Start menu (setx does not change terminals or programs already running).`,
    ];
  }
  const profile = shellProfile(environment);
  const line = profile.endsWith('config.fish') ? `set -gx ${variable} '<your token>'` : `export ${variable}='<your token>'`;
  return [
    `${app} reads the token from the ${variable} environment variable${isSet ? ', which is set in this terminal only' : ', which is not set yet'}: add \`${line}\` to ${profile}, then start ${app} from a new terminal (apps started from the dock or menu may not see shell variables).`,
  ];
}
