#!/usr/bin/env node
/** `npm run contract:latest`: how the team learns that a real client changed.
 *
 * For each client (Claude Code, Codex CLI, Copilot CLI, Gemini CLI, opencode, Cline CLI) it installs the newest release from the npm registry
 * into a temporary folder (`npm install --prefix <tmp> <package>@latest`; nothing global, the pinned dev
 * dependencies untouched), runs that client's contract suite against it (vitest on the client's file in
 * test/contract/, with CONTRACT_<CLIENT>_BIN pointing at the new executable: see test/contract/clients.ts),
 * and prints a table: client → pinned version → latest version → pass/fail, with the number of tests.
 * Failing tests are listed under the table. Exit status 0 when every suite passed, 1 otherwise.
 *
 *   npm run contract:latest                     every client
 *   npm run contract:latest -- --client codex   only these (comma-separated: claude, codex, copilot, gemini, opencode, cline)
 *   npm run contract:latest -- --keep           keep the temporary installs (their paths are printed)
 *
 * Not part of `npm test`: it downloads several hundred MB and takes minutes. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..');

/** Kept in step with test/contract/clients.ts (package, executable, override variable) plus the suite. */
const CLIENTS = [
  { id: 'claude', display: 'Claude Code', pkg: '@anthropic-ai/claude-code', bin: 'claude', variable: 'CONTRACT_CLAUDE_BIN', suite: 'test/contract/claude-code.test.ts' },
  { id: 'codex', display: 'Codex CLI', pkg: '@openai/codex', bin: 'codex', variable: 'CONTRACT_CODEX_BIN', suite: 'test/contract/codex.test.ts' },
  { id: 'copilot', display: 'Copilot CLI', pkg: '@github/copilot', bin: 'copilot', variable: 'CONTRACT_COPILOT_BIN', suite: 'test/contract/copilot.test.ts' },
  { id: 'gemini', display: 'Gemini CLI', pkg: '@google/gemini-cli', bin: 'gemini', variable: 'CONTRACT_GEMINI_BIN', suite: 'test/contract/gemini.test.ts' },
  { id: 'opencode', display: 'opencode', pkg: 'opencode-ai', bin: 'opencode', variable: 'CONTRACT_OPENCODE_BIN', suite: 'test/contract/opencode.test.ts' },
  { id: 'cline', display: 'Cline CLI', pkg: 'cline', bin: 'cline', variable: 'CONTRACT_CLINE_BIN', suite: 'test/contract/cline.test.ts' },
];

function parseArgs(argv) {
  const options = { clients: CLIENTS.map((client) => client.id), keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') options.keep = true;
    else if (arg === '--client' || arg.startsWith('--client=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      const wanted = (value ?? '').split(',').map((id) => id.trim()).filter(Boolean);
      const unknown = wanted.filter((id) => !CLIENTS.some((client) => client.id === id));
      if (wanted.length === 0 || unknown.length > 0) usage(`unknown client ${unknown.join(', ') || '(none given)'}`);
      options.clients = wanted;
    } else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  return options;
}

function usage(problem) {
  if (problem) process.stderr.write(`contract-latest: ${problem}\n`);
  process.stderr.write(`usage: npm run contract:latest -- [--client ${CLIENTS.map((client) => client.id).join(',')}] [--keep]\n`);
  process.exit(problem ? 2 : 0);
}

/** Runs a command; resolves with its exit code and (when `capture`) its combined output. */
function run(command, args, { env = process.env, cwd = REPO, capture = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'] });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function pinnedVersion(pkg) {
  const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  return manifest.devDependencies?.[pkg] ?? '—';
}

/** Installs `<pkg>@latest` into `prefix`; returns the installed version and the executable. */
async function installLatest(client, prefix) {
  // A package.json of its own keeps npm from walking up into another project.
  await writeFile(path.join(prefix, 'package.json'), JSON.stringify({ name: 'contract-latest', private: true }));
  const install = await run(npm, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', `${client.pkg}@latest`], { capture: true });
  if (install.code !== 0) throw new Error(`npm install ${client.pkg}@latest failed (exit ${install.code}):\n${install.output.trim().split('\n').slice(-15).join('\n')}`);
  const manifest = JSON.parse(await readFile(path.join(prefix, 'node_modules', ...client.pkg.split('/'), 'package.json'), 'utf8'));
  const bin = path.join(prefix, 'node_modules', '.bin', process.platform === 'win32' ? `${client.bin}.cmd` : client.bin);
  if (!existsSync(bin)) throw new Error(`${client.pkg}@${manifest.version} installed no ${client.bin} executable`);
  return { version: manifest.version, bin };
}

/** Runs the client's contract suite against `bin`; returns the counts from vitest's JSON report. */
async function runSuite(client, bin, reportFile) {
  const vitest = path.join(REPO, 'node_modules', '.bin', process.platform === 'win32' ? 'vitest.cmd' : 'vitest');
  const env = { ...process.env, [client.variable]: bin };
  delete env.SKIP_CLAUDE_CONTRACT;
  const result = await run(vitest, ['run', client.suite, '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`], { env });
  if (!existsSync(reportFile)) return { exit: result.code, passed: 0, failed: 0, skipped: 0, total: 0, failures: ['(vitest wrote no report)'] };
  const report = JSON.parse(await readFile(reportFile, 'utf8'));
  const failures = report.testResults.flatMap((file) =>
    file.assertionResults.filter((test) => test.status === 'failed').map((test) => `${test.title}: ${(test.failureMessages?.[0] ?? '').split('\n')[0]}`),
  );
  // A file that fails to load has no assertions but a message of its own.
  for (const file of report.testResults) if (file.status === 'failed' && file.assertionResults.length === 0) failures.push(file.message || '(the suite failed to run)');
  return {
    exit: result.code,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    total: report.numTotalTests,
    failures,
  };
}

function table(rows) {
  const header = ['client', 'pinned', 'latest', 'result', 'tests'];
  const cells = rows.map((row) => [row.client, row.pinned, row.latest, row.result, row.tests]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const line = (values) => `| ${values.map((value, column) => value.padEnd(widths[column])).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  // The Copilot, Gemini, opencode and Cline suites run the built CLI.
  const build = await run(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { capture: true });
  if (build.code !== 0) throw new Error(`the build failed:\n${build.output}`);

  const rows = [];
  const details = [];
  for (const client of CLIENTS.filter((candidate) => options.clients.includes(candidate.id))) {
    const prefix = await mkdtemp(path.join(os.tmpdir(), `contract-latest-${client.id}-`));
    const row = { client: client.display, pinned: pinnedVersion(client.pkg), latest: '?', result: 'error', tests: '—' };
    rows.push(row);
    try {
      process.stdout.write(`\n== ${client.display}: installing ${client.pkg}@latest into ${prefix}\n`);
      const { version, bin } = await installLatest(client, prefix);
      row.latest = version;
      process.stdout.write(`== ${client.display} ${version}: running ${client.suite} with ${client.variable}=${bin}\n`);
      const suite = await runSuite(client, bin, path.join(prefix, 'vitest-report.json'));
      const ok = suite.exit === 0 && suite.failed === 0 && suite.passed > 0;
      row.result = ok ? 'pass' : 'FAIL';
      row.tests = `${suite.passed}/${suite.total} passed${suite.failed ? `, ${suite.failed} failed` : ''}${suite.skipped ? `, ${suite.skipped} skipped` : ''}`;
      if (suite.failures.length > 0) details.push(`${client.display} ${version}:\n${suite.failures.map((failure) => `  - ${failure}`).join('\n')}`);
    } catch (error) {
      details.push(`${client.display}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (options.keep) process.stdout.write(`== kept ${prefix}\n`);
      else await rm(prefix, { recursive: true, force: true });
    }
  }

  process.stdout.write(`\nContract suites against each client's newest release (${new Date().toISOString().slice(0, 10)}, Node ${process.version}):\n\n${table(rows)}\n`);
  if (details.length > 0) process.stdout.write(`\n${details.join('\n\n')}\n`);
  process.exitCode = rows.every((row) => row.result === 'pass') ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`contract-latest: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
