// npm run bench: start-up time of the built CLI relative to a bare `node -e 0` (median of interleaved runs,
// same machine, same run), and the size of the packed tarball and of the installed package.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const runs = Number(process.env.BENCH_RUNS ?? 40);
const cli = path.resolve('dist/cli.js');

function time(args) {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

// Warm the file cache, then interleave so that machine noise hits both alike.
time(['-e', '0']);
time([cli, '--version']);
const bare = [];
const ours = [];
for (let i = 0; i < runs; i++) {
  bare.push(time(['-e', '0']));
  ours.push(time([cli, '--version']));
}

function du(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? du(full) : statSync(full).size;
  }
  return total;
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

// The verified run side by side with add-mcp, and the requests it sends (scripts/bench-run.mjs).
const { benchVerifiedRun, describeVerifiedRun } = await import('./bench-run.mjs');
const verified = await benchVerifiedRun({ pairs: Number(process.env.BENCH_PAIRS ?? 10), cliPairs: Number(process.env.BENCH_CLI_PAIRS ?? 5) });
console.log(JSON.stringify({ verifiedRun: verified }, null, 2));
for (const line of describeVerifiedRun(verified)) console.log(line);
