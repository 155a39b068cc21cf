// npm run bench: start-up time of the built CLI relative to a bare `node -e 0` (median of interleaved runs,
// same machine, same run), the size of the packed tarball and of the installed package, the verified 4-tool
// run side by side with add-mcp (scripts/bench-run.mjs), and what a 10 MB config file costs a setup run over
// the same run on an empty home (`npm run bench -- files` runs only that).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const runs = Number(process.env.BENCH_RUNS ?? 40);
const fileRuns = Number(process.env.BENCH_FILE_RUNS ?? 7);
const cli = path.resolve('dist/cli.js');
const onlyFiles = process.argv.includes('files');

function time(args, options = {}) {
  return measure(args, options).wallMs;
}

/** Wall time of one run of `node args`, and (on Linux) the CPU time it used: the user + system time of
 * reaped children in /proc/self/stat, in clock ticks of 10 ms. */
function measure(args, options = {}) {
  const cpuBefore = childrenCpuMs();
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { stdio: options.input === undefined ? 'ignore' : ['pipe', 'ignore', 'pipe'], ...options });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr ?? ''}`);
  const cpuAfter = childrenCpuMs();
  return { wallMs, cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

function childrenCpuMs() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** `--version` against `node -e 0`, and the package's size packed and installed. */
function benchStartupAndSize() {
  // Warm the file cache, then interleave so that machine noise hits both alike.
  time(['-e', '0']);
  time([cli, '--version']);
  const bare = [];
  const ours = [];
  for (let i = 0; i < runs; i++) {
    bare.push(time(['-e', '0']));
    ours.push(time([cli, '--version']));
  }

  const work = mkdtempSync(path.join(tmpdir(), 'mms-bench-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { encoding: 'utf8' }));
    const tarball = path.join(work, packed.filename);
    const prefix = path.join(work, 'prefix');
    execFileSync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { stdio: 'ignore' });
    const installedDir = path.join(prefix, 'lib', 'node_modules');
    const packages = readdirSync(installedDir).filter((name) => !name.startsWith('.'));
    const result = {
      runs,
      nodeBareMedianMs: Number(median(bare).toFixed(1)),
      versionMedianMs: Number(median(ours).toFixed(1)),
      ratio: Number((median(ours) / median(bare)).toFixed(2)),
      tarballBytes: statSync(tarball).size,
      installedBytes: du(installedDir),
      installedPackages: packages.length,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `--version: ${result.versionMedianMs} ms vs node -e 0: ${result.nodeBareMedianMs} ms → ${result.ratio}× (target ≤ 1.15×); ` +
        `tarball ${(result.tarballBytes / 1024).toFixed(0)} KiB, installed ${(result.installedBytes / 1024).toFixed(0)} KiB in ${result.installedPackages} package(s) (target < 1 MB)`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function du(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? du(full) : statSync(full).size;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------
// Large config files: setup of one tool (no network: --no-verify, a fake token on stdin) on a 10 MB file,
// paired with the same run on an empty home, run after run, so that machine drift hits both alike.

const TARGET_BYTES = 10 * 1024 * 1024;
const FAKE_TOKEN = 'mw-bench-not-a-real-token-0000';

/** Whole `projects` entries as Claude Code writes them (2-space JSON), until the file reaches 10 MB. */
function claudeJson() {
  const projects = {};
  const file = { numStartups: 412, installMethod: 'native', autoUpdates: true, projects, mcpServers: { github: { type: 'http', url: 'https://api.githubcopilot.com/mcp/' } } };
  for (let i = 0; JSON.stringify(file, null, 2).length < TARGET_BYTES; ) {
    for (let j = 0; j < 1000; j++, i++) {
      projects[`/home/ann/src/project-${i}`] = {
        allowedTools: ['Bash(npm test:*)', `Edit(src/${i}/**)`],
        history: [{ display: `fix the failing test in module ${i}`, pastedContents: {} }, { display: 'run the linter', pastedContents: {} }],
        mcpContextUris: [],
        mcpServers: i % 50 === 0 ? { local: { type: 'stdio', command: 'node', args: ['server.js'], env: {} } } : {},
        enabledMcpjsonServers: [],
        disabledMcpjsonServers: [],
        hasTrustDialogAccepted: true,
        projectOnboardingSeenCount: 2,
        lastCost: 0.4213,
        lastDuration: 183_311,
        lastTotalInputTokens: 48_113,
      };
    }
  }
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** A VS Code mcp.json with many servers, written by `format`, grown until it reaches 10 MB. */
function vscodeFile(format) {
  const servers = {};
  const document = { servers, inputs: [{ id: 'token-1', type: 'promptString', description: 'Token', password: true }] };
  for (let i = 0; ; ) {
    for (let j = 0; j < 1000; j++, i++) {
      servers[`server-${i}`] = i % 3 === 0
        ? { type: 'stdio', command: 'npx', args: ['-y', `@example/mcp-server-${i}`, '--verbose'], env: { LOG_LEVEL: 'debug', WORKSPACE: `/home/ann/work/${i}` } }
        : { type: 'http', url: `https://mcp-${i}.example.com/mcp`, headers: { Authorization: `Bearer \${input:token-${i}}`, 'X-Client': 'vscode' } };
    }
    const text = format(document);
    if (text.length >= TARGET_BYTES) return text;
  }
}

/** As VS Code writes it (tabs), with the odd comment and trailing comma a person adds. */
function prettyJsonc(document) {
  const text = JSON.stringify(document, null, '\t').replace(/\n(\t\t"server-\d*00": )/g, '\n\t\t// a group of servers\n$1');
  return `// My MCP servers\n${text.replace(/("password": true)\n/, '$1,\n')}\n`;
}

function benchLargeFiles() {
  const work = mkdtempSync(path.join(tmpdir(), 'mms-bench-files-'));
  const cases = [
    { name: '~/.claude.json, 10 MB, pretty', tool: 'claude-code', file: '.claude.json', text: claudeJson() },
    { name: 'VS Code mcp.json, 10 MB, pretty JSONC', tool: 'copilot', file: '.config/Code/User/mcp.json', text: vscodeFile(prettyJsonc) },
    { name: 'VS Code mcp.json, 10 MB, minified', tool: 'copilot', file: '.config/Code/User/mcp.json', text: vscodeFile((document) => JSON.stringify(document)) },
  ];
  const results = [];
  try {
    for (const [index, benchCase] of cases.entries()) {
      const original = path.join(work, `original-${index}`);
      writeFileSync(original, benchCase.text);
      const homes = { large: path.join(work, `large-${index}`), empty: path.join(work, `empty-${index}`) };
      const prepare = (kind) => {
        rmSync(homes[kind], { recursive: true, force: true });
        mkdirSync(homes[kind], { recursive: true });
        if (kind === 'large') {
          const target = path.join(homes.large, benchCase.file);
          mkdirSync(path.dirname(target), { recursive: true });
          copyFileSync(original, target);
        }
      };
      const run = (kind) => {
        prepare(kind);
        return measure([cli, '--tool', benchCase.tool, '--no-verify', '--token-stdin', '--json'], { input: FAKE_TOKEN, cwd: homes[kind], env: benchEnv(homes[kind]) });
      };
      run('large');
      run('empty');
      const pairs = [];
      for (let i = 0; i < fileRuns; i++) {
        // Alternate which of the pair goes first.
        const [first, second] = i % 2 === 0 ? ['large', 'empty'] : ['empty', 'large'];
        const times = { [first]: run(first), [second]: run(second) };
        pairs.push(times);
      }
      const cpu = pairs.every((pair) => pair.large.cpuMs !== undefined && pair.empty.cpuMs !== undefined);
      results.push({
        case: benchCase.name,
        tool: benchCase.tool,
        fileBytes: Buffer.byteLength(benchCase.text),
        runs: fileRuns,
        largeMedianMs: Math.round(median(pairs.map((pair) => pair.large.wallMs))),
        emptyHomeMedianMs: Math.round(median(pairs.map((pair) => pair.empty.wallMs))),
        extraMedianMs: Math.round(median(pairs.map((pair) => pair.large.wallMs - pair.empty.wallMs))),
        ...(cpu
          ? {
              largeCpuMedianMs: median(pairs.map((pair) => pair.large.cpuMs)),
              emptyHomeCpuMedianMs: median(pairs.map((pair) => pair.empty.cpuMs)),
              extraCpuMedianMs: median(pairs.map((pair) => pair.large.cpuMs - pair.empty.cpuMs)),
            }
          : {}),
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(results, null, 2));
  for (const result of results) {
    const cpu = result.extraCpuMedianMs === undefined ? '' : `; CPU ${result.largeCpuMedianMs} ms vs ${result.emptyHomeCpuMedianMs} ms → +${result.extraCpuMedianMs} ms`;
    console.log(
      `${result.case}: setup --tool ${result.tool} ${result.largeMedianMs} ms vs ${result.emptyHomeMedianMs} ms on an empty home → ` +
        `+${result.extraMedianMs} ms wall${cpu} (medians of ${result.runs} pairs; target ≤ +500 ms)`,
    );
  }
}

/** The environment of a user with nothing but this home: no tool CLIs from node_modules/.bin on PATH. */
function benchEnv(home) {
  const PATH = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.includes('node_modules')).join(path.delimiter);
  return { PATH, HOME: home, USERPROFILE: home, NO_COLOR: '1' };
}

if (!onlyFiles) {
  benchStartupAndSize();
  // The verified run side by side with add-mcp, and the requests it sends (scripts/bench-run.mjs).
  const { benchVerifiedRun, describeVerifiedRun } = await import('./bench-run.mjs');
  // BENCH_NODE=<path to node> runs both sides of the verified run on another Node (the users' 22 or 24).
  const verified = await benchVerifiedRun({ pairs: Number(process.env.BENCH_PAIRS ?? 10), cliPairs: Number(process.env.BENCH_CLI_PAIRS ?? 5) });
  console.log(JSON.stringify({ verifiedRun: verified }, null, 2));
  for (const line of describeVerifiedRun(verified)) console.log(line);
}
benchLargeFiles();
