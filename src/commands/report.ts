/** `report [--json]`: a support report a person can paste into a mail to mittwald support — versions (OS,
 * Node, this tool, each detected client whose CLI tells), each tool's entries, doctor's findings, and the
 * errors that ended earlier runs (src/files/recent-errors.ts).
 * Changes nothing. No secret survives: every text that goes in, whatever file or program it came from, passes
 * the one masking rule (src/secrets.ts) — the secrets this run knows (tokens found in entries and sign-ins)
 * and every credential the rule recognises (bearer tokens, JWTs, values under a secret's name, cookies). */
import os from 'node:os';
import { availableTools, loadAdapter } from '../../adapters/index.js';
import type { Adapter } from '../kit/adapter.js';
import { findOnPath } from '../system/environment.js';
import type { Options } from '../cli/options.js';
import type { RunContext } from '../cli/run-context.js';
import { maskCredentials } from '../secrets.js';
import { readRecentErrors, recentErrorsFile, type RecentError } from '../files/recent-errors.js';
import { selectTools } from '../flow/setup-steps.js';
import { describeSignIn } from '../kit/sign-in-store.js';
import { runToolCommand } from '../kit/tool-command.js';
import { diagnose, publicFinding, type Diagnosis } from './doctor.js';

interface ToolReport {
  tool: string;
  name: string;
  detection: string;
  version?: string;
  entries: Diagnosis['tools'][number]['entries'];
}

export async function runReport(options: Options, context: RunContext): Promise<number> {
  const { environment, out } = context;
  const adapters = options.tools.length > 0 ? await selectTools(options.tools, environment) : await Promise.all(availableTools().map(loadAdapter));
  const diagnosis = await diagnose(options, context);
  const tools: ToolReport[] = [];
  for (const adapter of adapters) {
    const detection = await adapter.detect(environment);
    const version = detection.state === 'installed' ? await clientVersion(adapter, context) : undefined;
    const entries = diagnosis.tools.find((tool) => tool.tool === adapter.id)?.entries ?? [];
    tools.push({ tool: adapter.id, name: adapter.name, detection: detection.state + (detection.hosts.length ? ` (${detection.hosts.join(', ')})` : ''), ...(version ? { version } : {}), entries });
  }
  const report = {
    generatedAt: new Date().toISOString(),
    versions: {
      os: `${environment.platform} ${os.release()} (${os.arch()})`,
      node: process.version,
      'mittwald-mcp-setup': __VERSION__,
    },
    serverUrl: options.serverUrl,
    environment: environmentNotes(environment.env),
    tools,
    findings: diagnosis.findings.map(publicFinding),
    recentErrors: await readRecentErrors(recentErrorsFile(environment)),
  };
  const ok = !diagnosis.findings.some((finding) => finding.severity !== 'info');
  // The output redacts the secrets registered while diagnosing; the rule masks whatever else looks like one.
  if (options.json) out.json(JSON.parse(maskCredentials(JSON.stringify({ ok, command: 'report', ...report }))));
  else out.line(maskCredentials(renderMarkdown(report)));
  return 0;
}

/** The first line of the client's `--version`, where its CLI is installed here. */
async function clientVersion(adapter: Adapter, context: RunContext): Promise<string | undefined> {
  const command = adapter.versionCommand;
  if (!command) return undefined;
  const program = await findOnPath(context.environment, command[0]!);
  if (!program) return undefined;
  const run = await runToolCommand([program, ...command.slice(1)], { timeoutMs: 30_000, cwd: context.environment.cwd });
  const line = run.stdout.split('\n').map((text) => text.trim()).find(Boolean);
  return run.exitCode === 0 && line ? line.slice(0, 200) : undefined;
}

/** Which of the variables that change a connection are set (their values only where they hold no secret). */
function environmentNotes(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const notes: Record<string, string> = {};
  for (const name of ['MITTWALD_API_TOKEN', 'MITTWALD_MCP_URL', 'MITTWALD_API_URL', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'BROWSER', 'DISPLAY', 'WAYLAND_DISPLAY', 'SSH_CONNECTION']) {
    const value = env[name] ?? env[name.toLowerCase()];
    if (value === undefined) continue;
    // Tokens are never shown; a proxy URL only with its password masked (by the rule, below).
    notes[name] = name === 'MITTWALD_API_TOKEN' ? 'set' : name === 'SSH_CONNECTION' ? 'set' : value;
  }
  return notes;
}

type Report = {
  generatedAt: string;
  versions: Record<string, string>;
  serverUrl: string;
  environment: Record<string, string>;
  tools: ToolReport[];
  findings: ReturnType<typeof publicFinding>[];
  recentErrors: RecentError[];
};

function renderMarkdown(report: Report): string {
  const lines = ['# mittwald-mcp-setup support report', '', `Generated ${report.generatedAt} for ${report.serverUrl}. Secrets are masked (••••).`, '', '## Versions', '', '| what | version |', '|---|---|'];
  for (const [what, version] of Object.entries(report.versions)) lines.push(`| ${what} | ${cell(version)} |`);
  for (const tool of report.tools) if (tool.version) lines.push(`| ${tool.name} | ${cell(tool.version)} |`);
  lines.push('', '## Environment', '');
  const variables = Object.entries(report.environment);
  if (variables.length === 0) lines.push('No relevant variables set.');
  for (const [name, value] of variables) lines.push(`- \`${name}\`: ${value}`);
  lines.push('', '## Tools', '');
  for (const tool of report.tools) {
    lines.push(`### ${tool.name}`, '', `Detection: ${tool.detection}.`, '');
    if (tool.entries.length === 0) lines.push('No mittwald entry.', '');
    for (const entry of tool.entries) {
      const auth = entry.auth === 'oauth' ? 'OAuth' : entry.auth === 'token-ref' ? 'token by reference' : 'token (literal, masked)';
      lines.push(`- "${entry.name}" — ${entry.scope}${entry.host ? ` ${entry.host}` : ''}, ${auth}, ${entry.url}`);
      lines.push(`  - file: ${entry.file}`);
      if (entry.unresolved.length) lines.push(`  - unset here: ${entry.unresolved.join(', ')}`);
      if (entry.check) lines.push(`  - check: ${entry.check.status} — ${entry.check.message}`);
      if (entry.signIn) lines.push(`  - sign-in: ${describeSignIn(entry.signIn)}${entry.signIn.status !== 'not-signed-in' && entry.signIn.client ? `, client ${entry.signIn.client.clientId}` : ''}`);
    }
    lines.push('');
  }
  lines.push('## Doctor', '');
  if (report.findings.length === 0) lines.push('Nothing wrong found.');
  for (const finding of report.findings) lines.push(`- **${finding.severity}** \`${finding.code}\` ${finding.message}`, `  - to do: ${finding.action}`);
  lines.push('', '## Recent errors', '');
  if (report.recentErrors.length === 0) lines.push('None kept.');
  // Newest first: the one the person calls about is usually the last.
  for (const error of [...report.recentErrors].reverse()) lines.push(`- ${error.time} \`${error.command}\` \`${error.code}\`: ${error.message}`);
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
