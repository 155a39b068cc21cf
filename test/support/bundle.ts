/** What a run of the built CLI loads: every file of dist/ it required and every module of Node's own it
 * loaded, read from the process itself when it exits (a preloaded script notes them). Whatever is missing
 * was not needed by that run. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface Loaded {
  /** The files of dist/ the run required, relative to dist/ (`cli.js`, `core.cjs`, `lazy/…`). */
  files: string[];
  /** Node's own modules the run loaded (`NativeModule http`, `Internal Binding crypto`, …). */
  builtins: string[];
  /** The code of those files, joined. */
  code: string;
}

const NOTE_ON_EXIT = `process.on('exit', () => require('node:fs').writeFileSync(process.env.MMS_LOADED_REPORT, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));\n`;

/** Runs `node <script> …args` in a fresh folder (its cwd and HOME) with a preload that notes, at exit, the
 * files it required and Node's own modules it loaded. `script` is given that folder. The run may fail: what
 * it loaded is noted all the same. */
async function noteLoads(
  script: (work: string) => Promise<string>,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ files: string[]; builtins: string[] }> {
  const work = await mkdtemp(path.join(tmpdir(), 'mms-loaded-'));
  try {
    const preload = path.join(work, 'note-loaded.cjs');
    const report = path.join(work, 'loaded.json');
    await writeFile(preload, NOTE_ON_EXIT);
    const run = promisify(execFile)(process.execPath, ['-r', preload, await script(work), ...args], {
      cwd: work,
      env: { PATH: process.env.PATH, ...options.env, HOME: work, USERPROFILE: work, MMS_LOADED_REPORT: report },
    });
    if (options.input !== undefined) run.child.stdin?.end(options.input);
    await run.catch(() => undefined);
    return JSON.parse(await readFile(report, 'utf8')) as { files: string[]; builtins: string[] };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What Node itself loads for a script that does nothing, on the Node running the tests (Node 24 loads parts of
 * its ES module loader for every script): the baseline that a run's own loads are read against. */
export async function loadedByAnEmptyScript(): Promise<string[]> {
  const empty = async (work: string) => {
    const file = path.join(work, 'empty.cjs');
    await writeFile(file, '');
    return file;
  };
  return (await noteLoads(empty, [])).builtins;
}

/** Runs `node <dist>/cli.js …args` in a fresh HOME (stdin from `input`) and reports what it loaded. The run may
 * fail: what it loaded is reported all the same. */
export async function loadedBy(dist: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Loaded> {
  const noted = await noteLoads(async () => path.join(dist, 'cli.js'), args, options);
  const files = noted.files.filter((file) => file.startsWith(dist + path.sep)).map((file) => path.relative(dist, file).split(path.sep).join('/'));
  const code = (await Promise.all(files.map((file) => readFile(path.join(dist, file), 'utf8')))).join('\n');
  return { files: files.sort(), builtins: noted.builtins, code };
}
