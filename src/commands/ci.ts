/** `ci github|gitlab [--tool …] [--write]`: a pipeline that sets up agent tools on a CI runner from the
 * MITTWALD_API_TOKEN secret, by running this CLI there non-interactively (the token comes from the variable,
 * so each tool's entry refers to it and the token is never written into the repository). Without --write the
 * pipeline is printed (stdout holds exactly the file, everything else goes to stderr); with --write it is
 * written into the repository through the core's file writer, shown as a diff first and asked for unless
 * --yes. For GitHub, tools whose vendor also runs a hosted agent there (one configured in the repository's
 * settings, not by a file) get that configuration printed too. What a tool needs on a runner — its install
 * command, its own key, its agent command line — is the adapter's `ci`. */
import path from 'node:path';
import { availableTools, loadAdapter } from '../../adapters/index.js';
import type { Adapter, CiSupport, HostedAgent } from '../kit/adapter.js';
import { readConfigFile, withConfigFileLock, writeConfigFile } from '../files/config-file.js';
import { unifiedDiff } from '../files/diff.js';
import { findProjectRoot } from '../system/environment.js';
import { SetupError, usageError } from '../errors.js';
import { DEFAULT_API_URL, DEFAULT_ENTRY_NAME, DEFAULT_SERVER_URL, TOKEN_ENV_VAR, type CiProvider, type Environment } from '../model.js';
import type { Options } from '../cli/options.js';
import { SYMBOLS, type Output } from '../cli/output.js';
import type { RunContext } from '../cli/run-context.js';
import { backupDirectory, selectTools } from '../flow/setup-steps.js';

type CiAdapter = Adapter & { ci: CiSupport };

/** What the pipeline sets up: the entry's name and the URLs, passed on to the run in CI when not the defaults. */
export interface PipelineSettings {
  version: string;
  name: string;
  serverUrl: string;
  apiUrl: string;
}

/** The example prompt of the commented agent step. */
const EXAMPLE_PROMPT = 'List my mittwald projects';

/** Where --write puts the pipeline, relative to the repository root. */
export const PIPELINE_FILES: Record<CiProvider, string> = {
  github: '.github/workflows/mittwald-mcp.yml',
  gitlab: '.gitlab/mittwald-mcp.yml',
};

/** GitLab's pipeline file: the user's whole file, which we do not edit (no YAML editor here that keeps it
 * intact); our job lives in its own file that this one includes. Created only when absent. */
const GITLAB_CI_FILE = '.gitlab-ci.yml';

export async function runCi(options: Options, context: RunContext): Promise<number> {
  const { environment, out } = context;
  const provider = options.provider!;
  const adapters = await ciTools(options, environment);
  const settings: PipelineSettings = { version: __VERSION__, name: options.name, serverUrl: options.serverUrl, apiUrl: options.apiUrl };
  const text = provider === 'github' ? githubWorkflow(adapters, settings) : gitlabJob(adapters, settings);
  const hosted = adapters.flatMap((adapter) => (adapter.ci.hosted?.provider === provider ? [{ tool: adapter.id, agent: adapter.ci.hosted }] : []));
  const hostedJson = hosted.map(({ tool, agent }) => ({ tool, name: agent.name, secret: agent.secret, configuration: agent.configuration(settings), steps: agent.steps, sources: agent.sources }));
  const secretStep = secretStepFor(provider);

  if (!options.write && !options.dryRun) {
    if (options.json) {
      out.json({ ok: true, command: 'ci', provider, tools: adapters.map((adapter) => adapter.id), pipeline: { path: PIPELINE_FILES[provider], text }, files: [], hosted: hostedJson, nextSteps: [secretStep] });
      return 0;
    }
    // stdout is the file itself (`… > .github/workflows/mittwald-mcp.yml` works); the rest is for the reader.
    out.line(text.replace(/\n$/, ''));
    out.note(`\n${SYMBOLS.info} Save this as ${PIPELINE_FILES[provider]} in your repository (or run again with --write). ${secretStep}`);
    if (provider === 'gitlab') out.note(`  Or paste the job into ${GITLAB_CI_FILE} itself.`);
    for (const { agent } of hosted) printHosted(out, agent, settings, (line) => out.note(line));
    return 0;
  }

  const repository = await findProjectRoot(environment);
  const root = repository ?? environment.cwd;
  const steps = await plannedFiles(provider, root, text);
  const { paint } = out;
  out.line(paint.bold(`${providerName(provider)} ${provider === 'github' ? 'workflow' : 'job'} for ${adapters.map((adapter) => adapter.name).join(', ')}`));
  if (!repository) out.line(paint.yellow(`  ${SYMBOLS.warn} ${root} is not inside a git repository; the files go there.`));
  for (const step of steps) {
    out.line(`  ${step.before === step.after ? paint.dim('unchanged') : paint.cyan(step.before === null ? 'new' : 'modified')}  ${step.path}`);
    if (step.before !== step.after) out.line(indent(unifiedDiff(step.path, step.before, step.after, []), '    '));
  }
  const changing = steps.filter((step) => step.before !== step.after);
  if (changing.length > 0 && !options.dryRun) await confirmWrite(options, context, changing.map((step) => step.path));
  const files: Array<{ path: string; change: 'created' | 'modified' | 'unchanged'; backup?: string }> = [];
  for (const step of steps) {
    const change = step.before === step.after ? 'unchanged' : step.before === null ? 'created' : 'modified';
    if (change === 'unchanged' || options.dryRun) {
      files.push({ path: step.path, change });
      continue;
    }
    // Under the file's lock, and only if it still holds what was shown: a change made meanwhile is kept.
    const written = await withConfigFileLock(step.path, { secret: false }, () =>
      writeConfigFile(step.path, step.after, { secret: false, backupDir: backupDirectory(environment), expected: step.before }),
    );
    files.push({ path: step.path, change, ...(written.backup ? { backup: written.backup } : {}) });
  }

  const nextSteps = [secretStep, ...(provider === 'gitlab' ? await gitlabIncludeStep(root) : [])];
  out.line();
  for (const file of files) {
    const what = file.change === 'unchanged' ? 'unchanged' : options.dryRun ? `would be ${file.change} (dry run)` : file.change;
    out.line(`${paint.green(SYMBOLS.ok)} ${file.path}: ${what}`);
    if (file.backup) out.line(paint.dim(`  backup: ${file.backup}`));
  }
  for (const { agent } of hosted) printHosted(out, agent, settings, (line) => out.line(line));
  out.line();
  out.line(paint.bold('Next steps'));
  nextSteps.forEach((step, index) => out.line(`  ${index + 1}. ${step}`));
  if (options.json) {
    out.json({ ok: true, command: 'ci', provider, dryRun: options.dryRun, tools: adapters.map((adapter) => adapter.id), pipeline: { path: PIPELINE_FILES[provider], text }, files, hosted: hostedJson, nextSteps });
  }
  return 0;
}

/** The tools the pipeline sets up: the named ones (each must run in CI), else every tool that does.
 * `all` and `detected` keep only those that run in CI. */
async function ciTools(options: Options, environment: Environment): Promise<CiAdapter[]> {
  const capable = (adapter: Adapter): adapter is CiAdapter => adapter.ci !== undefined;
  const every = (await Promise.all(availableTools().map(loadAdapter))).filter(capable);
  const ids = every.map((adapter) => adapter.id).join(', ');
  for (const id of options.tools) {
    if (id === 'all' || id === 'detected') continue;
    const adapter = await loadAdapter(id);
    if (!capable(adapter)) throw usageError(`${adapter.name} does not run in CI; ci sets up ${ids}.`);
  }
  if (options.tools.length === 0) return every;
  const selected = (await selectTools(options.tools, environment)).filter(capable);
  if (selected.length === 0) throw usageError(`None of the selected tools runs in CI; ci sets up ${ids}.`);
  return selected;
}

// --- the pipeline text -------------------------------------------------------------------------------------

/** The command a runner executes: this version of the CLI, non-interactive, the token from the variable. */
export function setupCommand(adapters: readonly Adapter[], settings: PipelineSettings): string {
  const args = ['npx', '--yes', `mittwald-mcp-setup@${settings.version}`, '--tool', adapters.map((adapter) => adapter.id).join(',')];
  if (settings.name !== DEFAULT_ENTRY_NAME) args.push('--name', settings.name);
  if (settings.serverUrl !== DEFAULT_SERVER_URL) args.push('--server-url', settings.serverUrl);
  if (settings.apiUrl !== DEFAULT_API_URL) args.push('--api-url', settings.apiUrl);
  args.push('--yes');
  return shellLine(args);
}

/** Without the secret the variable is empty, and the run would quietly set up OAuth entries nobody can sign
 * in to on a runner: the pipeline stops with the fix instead. */
function tokenGuard(message: string): string {
  return `test -n "$${TOKEN_ENV_VAR}" || { echo ${shellWord(message)} >&2; exit 1; }`;
}

function header(adapters: readonly CiAdapter[], settings: PipelineSettings, provider: CiProvider, where: string[]): string[] {
  const names = adapters.map((adapter) => adapter.name).join(', ');
  return [
    `# Sets up ${names} on the runner for the mittwald MCP server, with the API token from the`,
    ...where,
    '# The token stays in that secret store: nothing in the repository holds it.',
    `# Made by mittwald-mcp-setup ${settings.version}: npx mittwald-mcp-setup ci ${provider} --tool ${adapters.map((adapter) => adapter.id).join(',')}`,
  ];
}

/** The commented example of the agent step: each tool's command line and the key it needs itself. */
function exampleLines(adapters: readonly CiAdapter[], settings: PipelineSettings): Array<{ name: string; secrets: readonly string[]; command: string }> {
  return adapters.map((adapter) => ({ name: adapter.name, secrets: adapter.ci.example.secrets, command: shellLine(adapter.ci.example.argv(settings.name, EXAMPLE_PROMPT)) }));
}

/** `.github/workflows/mittwald-mcp.yml`: started by hand (workflow_dispatch); the token is in the job's env, so
 * the agent steps see it too. */
export function githubWorkflow(adapters: readonly CiAdapter[], settings: PipelineSettings): string {
  const lines = [
    ...header(adapters, settings, 'github', [`# ${TOKEN_ENV_VAR} secret (Settings → Secrets and variables → Actions → New repository secret).`]),
    'name: mittwald MCP',
    'on:',
    '  workflow_dispatch:',
    'permissions:',
    '  contents: read',
    'jobs:',
    '  agent:',
    '    runs-on: ubuntu-latest',
    '    env:',
    `      ${TOKEN_ENV_VAR}: \${{ secrets.${TOKEN_ENV_VAR} }}`,
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 22',
    ...adapters.flatMap((adapter) => [`      - name: ${yamlScalar(`Install ${adapter.name}`)}`, `        run: ${yamlScalar(adapter.ci.install)}`]),
    '      - name: Connect to the mittwald MCP server',
    '        run: |',
    `          ${tokenGuard(`::error::Add the ${TOKEN_ENV_VAR} secret: Settings → Secrets and variables → Actions.`)}`,
    `          ${setupCommand(adapters, settings)}`,
    '      # Your agent step, for example:',
    ...exampleLines(adapters, settings).flatMap((example) => [
      `      # - name: ${yamlScalar(`Run ${example.name}`)}`,
      '      #   env:',
      ...example.secrets.map((secret) => `      #     ${secret}: \${{ secrets.${secret} }}`),
      `      #   run: ${yamlScalar(example.command)}`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** The GitLab job, in a file of its own that `.gitlab-ci.yml` includes (or pasted into it). Runs when a
 * pipeline is started by hand ("Run pipeline"); GitLab hands CI/CD variables to the job as environment
 * variables. */
export function gitlabJob(adapters: readonly CiAdapter[], settings: PipelineSettings): string {
  const lines = [
    ...header(adapters, settings, 'gitlab', [
      `# ${TOKEN_ENV_VAR} CI/CD variable (Settings → CI/CD → Variables, masked; a protected one reaches protected branches only).`,
      `# Paste the job into ${GITLAB_CI_FILE}, or keep this file as ${PIPELINE_FILES.gitlab} and include it there:`,
      '#   include:',
      `#     - local: ${PIPELINE_FILES.gitlab}`,
    ]),
    'mittwald-mcp:',
    '  image: node:22',
    '  rules:',
    '    - if: $CI_PIPELINE_SOURCE == "web"',
    '  script:',
    `    - ${yamlScalar(tokenGuard(`Add the ${TOKEN_ENV_VAR} CI/CD variable: Settings → CI/CD → Variables.`))}`,
    ...adapters.map((adapter) => `    - ${yamlScalar(adapter.ci.install)}`),
    `    - ${yamlScalar(setupCommand(adapters, settings))}`,
    '    # Your agent step, for example:',
    ...exampleLines(adapters, settings).map((example) => `    # - ${yamlScalar(example.command)}   (needs the ${example.secrets.join(', ')} variable)`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A YAML scalar for a block-context value: plain when that reads back as the same string, else
 * double-quoted (a JSON string is a valid YAML double-quoted scalar). */
export function yamlScalar(value: string): string {
  const plain =
    /^[^\s\-?:,[\]{}#&*!|>'"%@`]/.test(value) &&
    !/: |:$| #|\s$|[\t\n\r]/.test(value) &&
    !/^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?(?:\.?\d|\.inf|\.nan).*)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

/** A POSIX shell word: bare when it holds only safe characters, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function shellLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

// --- writing -------------------------------------------------------------------------------------------------

interface PlannedFile {
  path: string;
  before: string | null;
  after: string;
}

/** The files --write would change, read now (a file that is not UTF-8, or a folder in its place, stops the
 * run before anything is written). */
async function plannedFiles(provider: CiProvider, root: string, text: string): Promise<PlannedFile[]> {
  const pipeline = path.join(root, PIPELINE_FILES[provider]);
  const files: PlannedFile[] = [{ path: pipeline, before: (await readConfigFile(pipeline)).text, after: text }];
  if (provider === 'gitlab') {
    // Only a missing .gitlab-ci.yml is written: with nothing in it to keep, it can only gain the include.
    const main = path.join(root, GITLAB_CI_FILE);
    if ((await readConfigFile(main)).text === null) files.push({ path: main, before: null, after: gitlabIncluder() });
  }
  return files;
}

function gitlabIncluder(): string {
  return [`# The mittwald MCP job is in ${PIPELINE_FILES.gitlab} (made by mittwald-mcp-setup).`, 'include:', `  - local: ${PIPELINE_FILES.gitlab}`, ''].join('\n');
}

/** What is left to do in an existing `.gitlab-ci.yml` that does not include our file yet. */
async function gitlabIncludeStep(root: string): Promise<string[]> {
  const text = (await readConfigFile(path.join(root, GITLAB_CI_FILE))).text ?? '';
  if (text.includes(PIPELINE_FILES.gitlab)) return [];
  return [`Include the job from your ${GITLAB_CI_FILE}: add \`- local: ${PIPELINE_FILES.gitlab}\` to its \`include:\` list (or add \`include: [{ local: ${PIPELINE_FILES.gitlab} }]\` if it has none).`];
}

/** Asks before writing, on a terminal; --yes answers yes. Without a terminal nothing is written. */
async function confirmWrite(options: Options, context: RunContext, paths: readonly string[]): Promise<void> {
  if (options.yes) return;
  if (!context.interactive) throw usageError(`Nothing was written: there is no terminal to ask. Pass --yes to write ${paths.join(' and ')}.`);
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const cancelled = () => new SetupError('CANCELLED', 'Cancelled — nothing was changed.');
  try {
    // Ctrl-C reaches the prompt, not the process (the terminal is in raw mode); Ctrl-D closes it.
    const answer = await new Promise<string>((resolve, reject) => {
      prompt.once('SIGINT', () => reject(cancelled()));
      prompt.once('close', () => reject(cancelled()));
      prompt.question(`Write ${paths.length === 1 ? 'this file' : 'these files'}? [y/N] `).then(resolve, reject);
    });
    if (!/^y(es)?$/i.test(answer.trim())) throw cancelled();
  } finally {
    prompt.close();
  }
}

// --- text ----------------------------------------------------------------------------------------------------

function providerName(provider: CiProvider): string {
  return provider === 'github' ? 'GitHub Actions' : 'GitLab CI';
}

function secretStepFor(provider: CiProvider): string {
  return provider === 'github'
    ? `Add your mittwald API token as the ${TOKEN_ENV_VAR} secret: on GitHub, Settings → Secrets and variables → Actions → New repository secret.`
    : `Add your mittwald API token as the ${TOKEN_ENV_VAR} CI/CD variable (masked): on GitLab, Settings → CI/CD → Variables.`;
}

function printHosted(out: Output, agent: HostedAgent, settings: PipelineSettings, print: (line: string) => void): void {
  print('');
  print(out.paint.bold(agent.name));
  print(agent.note);
  print(indent(agent.configuration(settings), '  '));
  agent.steps.forEach((step, index) => print(`  ${index + 1}. ${step}`));
}

function indent(text: string, prefix: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
