// npm run bench, the verified run: our verified 4-tool run (Cursor, Codex, Claude Code, Copilot with one
// token) against the local mittwald stand-in, side by side with the pinned peer add-mcp configuring the same
// four clients (it writes the files and checks nothing). Pairs are run in turn (ours, add-mcp, ours, …), each
// run in a fresh temporary HOME, and the ratio is taken pair by pair so that drift of the machine's speed
// hits both alike; every figure is a median. CPU time and peak memory come from GNU time (/usr/bin/time),
// when the machine has it. The runs share one cache folder ($XDG_CACHE_HOME), as a user's runs do: ours keeps
// the core's code cache there (src/cli/code-cache.ts), so its figures are those of a second or later run.
// Also measured: a first run (an empty cache folder each time), the same run with --no-verify (what the check
// costs), and the requests one verified run sends to the stand-in.
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const ADD_MCP = path.join(ROOT, 'node_modules', 'add-mcp', 'dist', 'index.js');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const GNU_TIME = '/usr/bin/time';
/** The Node both sides run on: this one, or BENCH_NODE (e.g. a Node 22 or 24 build from the npm registry). */
const NODE = process.env.BENCH_NODE ?? process.execPath;
const TOKEN = 'mms-bench-0000-fake-token-for-the-stand-in';
// The real CLIs stay off the network on their own (as in test/e2e/real-tools.test.ts).
const QUIET = { DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1' };
const PATH_WITHOUT_PACKAGES = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !dir.includes('node_modules'))
  .join(path.delimiter);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const round = (value, digits = 3) => (value === undefined ? undefined : Number(value.toFixed(digits)));

/** test/support/mittwald-server.ts is TypeScript: bundled (with the MCP SDK) into a temp file and imported. */
async function startStandIn(work) {
  const outfile = path.join(work, 'mittwald-server.mjs');
  await build({
    entryPoints: [path.join(ROOT, 'test/support/mittwald-server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  const { createTestUser, startMittwaldServer } = await import(pathToFileURL(outfile).href);
  // mittwald's server answers tools/list in one page (the SDK's McpServer does not page).
  return startMittwaldServer({ tokens: [[TOKEN, createTestUser()]], pageSize: 1_000 });
}

/** Runs `argv` (node and its arguments) once in a fresh HOME (or in `home`, kept); resolves to wall seconds,
 * and CPU seconds and peak MB when GNU time is there. */
async function timeOnce(argv, { env, input, home: given }) {
  const home = given ?? (await mkdtemp(path.join(tmpdir(), 'mms-bench-home-')));
  const report = path.join(tmpdir(), `mms-bench-time-${process.pid}`);
  const timed = existsSync(GNU_TIME);
  const [file, ...args] = timed ? [GNU_TIME, '-f', '%U %S %M', '-o', report, ...argv] : argv;
  try {
    const started = process.hrtime.bigint();
    const code = await new Promise((resolve, reject) => {
      const child = spawn(file, args, { cwd: home, env: { ...env, HOME: home, USERPROFILE: home }, stdio: ['pipe', 'ignore', 'ignore'] });
      child.on('error', reject);
      child.on('close', resolve);
      child.stdin.end(input ?? '');
    });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} … exited ${code}`);
    if (!timed) return { wall };
    const [user, system, maxRssKb] = (await readFile(report, 'utf8')).trim().split('\n').at(-1).split(' ').map(Number);
    return { wall, cpu: user + system, peakMb: maxRssKb / 1024 };
  } finally {
    if (given === undefined) await rm(home, { recursive: true, force: true });
  }
}

/** `pairs` interleaved runs of A and B (after one warm-up each): medians of each, and of the pairwise ratios. */
async function pairedRuns(a, b, pairs) {
  await timeOnce(a.argv, a);
  await timeOnce(b.argv, b);
  const runs = { a: [], b: [] };
  for (let i = 0; i < pairs; i++) {
    runs.a.push(await timeOnce(a.argv, a));
    runs.b.push(await timeOnce(b.argv, b));
  }
  const summary = (list) => ({
    wallS: round(median(list.map((run) => run.wall))),
    cpuS: round(list[0].cpu === undefined ? undefined : median(list.map((run) => run.cpu))),
    peakMb: round(list[0].peakMb === undefined ? undefined : median(list.map((run) => run.peakMb)), 1),
  });
  const ratio = (key) => (runs.a[0][key] === undefined ? undefined : round(median(runs.a.map((run, index) => run[key] / runs.b[index][key])), 2));
  return { pairs, ours: summary(runs.a), addMcp: summary(runs.b), ratio: { wall: ratio('wall'), cpu: ratio('cpu') } };
}

export async function benchVerifiedRun({ pairs = 10, cliPairs = 5 } = {}) {
  const work = await mkdtemp(path.join(tmpdir(), 'mms-bench-'));
  const server = await startStandIn(work);
  try {
    // Only the pinned claude and codex, not every package binary (the Copilot CLI would count as a host).
    const cliBin = path.join(work, 'bin');
    await mkdir(cliBin);
    for (const name of ['claude', 'codex']) await symlink(path.join(BIN, name), path.join(cliBin, name));
    // The user's cache folder, kept from run to run (a first run is given none: its fresh HOME's is empty).
    const cache = path.join(work, 'cache');
    const ours = (PATH, { firstRun = false } = {}) => ({
      argv: [NODE, CLI, '--tool', 'cursor,codex,claude-code,copilot', '--token-stdin', '--server-url', server.mcpUrl, '--api-url', server.apiUrl],
      env: { PATH, NO_COLOR: '1', ...QUIET, ...(firstRun ? {} : { XDG_CACHE_HOME: cache }) },
      input: TOKEN,
    });
    const addMcp = (PATH) => ({
      argv: [NODE, ADD_MCP, server.mcpUrl, '-g', '-a', 'cursor', '-a', 'codex', '-a', 'claude-code', '-a', 'vscode', '-n', 'mittwald', '-y', '--header', 'Authorization: Bearer ${MITTWALD_API_TOKEN}'],
      env: { PATH, NO_COLOR: '1', ...QUIET, XDG_CACHE_HOME: cache },
    });

    server.clearLog();
    await timeOnce(ours(PATH_WITHOUT_PACKAGES).argv, ours(PATH_WITHOUT_PACKAGES));
    const requests = {
      mcp: server.log.filter((request) => request.target === 'mcp').length,
      rest: server.log.filter((request) => request.target === 'api').length,
    };

    const withoutClis = await pairedRuns(ours(PATH_WITHOUT_PACKAGES), addMcp(PATH_WITHOUT_PACKAGES), pairs);
    // A first run: no code cache to take, and the cache written at its end.
    const firstRun = await pairedRuns(ours(PATH_WITHOUT_PACKAGES, { firstRun: true }), addMcp(PATH_WITHOUT_PACKAGES), pairs);
    // What the check costs: the same run with --no-verify (it writes and checks nothing, as add-mcp).
    const unchecked = { ...ours(PATH_WITHOUT_PACKAGES), argv: [...ours(PATH_WITHOUT_PACKAGES).argv, '--no-verify'] };
    const withoutCheck = await pairedRuns(unchecked, addMcp(PATH_WITHOUT_PACKAGES), pairs);
    const withClisPath = `${cliBin}${path.delimiter}${PATH_WITHOUT_PACKAGES}`;
    const withClis = await pairedRuns(ours(withClisPath), addMcp(withClisPath), cliPairs);
    // The floor of that run: `claude mcp get` alone (start-up and its own connection check), on a home where
    // the entry is written, as our run calls it once the entry is in place.
    const claudeHome = await mkdtemp(path.join(tmpdir(), 'mms-bench-claude-'));
    try {
      await timeOnce(ours(withClisPath).argv, { ...ours(withClisPath), home: claudeHome });
      const claudeGet = { argv: [path.join(cliBin, 'claude'), 'mcp', 'get', 'mittwald'], env: { PATH: withClisPath, NO_COLOR: '1', ...QUIET }, home: claudeHome };
      const floor = await pairedRuns(claudeGet, addMcp(withClisPath), cliPairs);
      return { node: execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim(), requests, withoutClis, firstRun, withoutCheck, withClis, claudeMcpGet: floor };
    } finally {
      await rm(claudeHome, { recursive: true, force: true });
    }
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** The figures as lines, each with its target. */
export function describeVerifiedRun({ node, requests, withoutClis, firstRun, withoutCheck, withClis, claudeMcpGet }) {
  const side = ({ wallS, cpuS, peakMb }) => `${wallS} s wall${cpuS === undefined ? '' : `, ${cpuS} s CPU, ${peakMb} MB peak`}`;
  const ratio = ({ wall, cpu }) => `${wall}× wall${cpu === undefined ? '' : `, ${cpu}× CPU`}`;
  return [
    `verified 4-tool run on Node ${node}, no tool CLIs on PATH (median of ${withoutClis.pairs} pairs): ours ${side(withoutClis.ours)}; add-mcp ${side(withoutClis.addMcp)} → ${ratio(withoutClis.ratio)} (target ≤ 1.0×)`,
    `  a first run (no code cache yet; it writes one) (median of ${firstRun.pairs} pairs): ours ${side(firstRun.ours)}; add-mcp ${side(firstRun.addMcp)} → ${ratio(firstRun.ratio)}`,
    `  of which the check: the same run with --no-verify (median of ${withoutCheck.pairs} pairs): ours ${side(withoutCheck.ours)}; add-mcp ${side(withoutCheck.addMcp)} → ${ratio(withoutCheck.ratio)}`,
    `the same with claude and codex on PATH (median of ${withClis.pairs} pairs): ours ${side(withClis.ours)}; add-mcp ${side(withClis.addMcp)} → ${ratio(withClis.ratio)} (target ≤ 2×)`,
    `  of which the floor, \`claude mcp get mittwald\` alone (median of ${claudeMcpGet.pairs} pairs): ${side(claudeMcpGet.ours)}; add-mcp ${side(claudeMcpGet.addMcp)} → ${ratio(claudeMcpGet.ratio)}`,
    `requests of one verified run with one credential: ${requests.mcp} MCP (target ≤ 5) and ${requests.rest} REST (target ≤ 1)`,
    `peak memory of the 4-tool run: ${withoutClis.ours.peakMb ?? 'n/a'} MB (target ≤ 70 MB; add-mcp ${withoutClis.addMcp.peakMb ?? 'n/a'} MB)`,
  ];
}
