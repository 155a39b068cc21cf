/** Loading a CommonJS file with V8's code cache: the bytecode of every function a run compiled is kept in a
 * file and handed to V8 by the next run, which then neither parses nor compiles those functions again. For
 * the core that is about a tenth of a scripted setup (README, Benchmarks).
 *
 * Why not Node's own compile cache (module.enableCompileCache, Node 22.1 and later): it keeps what V8
 * compiles when a file loads, which for a bundle is little more than its top level; the functions compiled
 * while the run goes on are the bulk, and they are in a cache made at the end of a run (createCachedData).
 *
 * The cache is only ever a saving: a cache that is missing, unreadable, made by another build of the file
 * or rejected by V8 (another V8 version or flags) costs the time it would have saved, never the run.
 * Node's builtins are taken when a file is loaded, not with this module, so that `--version` loads none. */
import type ModuleClass from 'node:module';
import type { Script } from 'node:vm';

export interface CodeCacheOptions {
  /** The folder of the cache files (created 0700; the files 0600). */
  folder: string;
  /** Names the build of the file (a hash of its text, made by the build): another build's cache is never
   * read, as V8 checks only that a cache was made for a text of the same length. */
  build: string;
}

/** `accepted`: V8 took the cache; `rejected`: there was one, V8 refused it; `none`: none to offer. */
export type CodeCacheState = 'accepted' | 'rejected' | 'none';

export interface CachedLoad {
  exports: unknown;
  state: CodeCacheState;
  /** The cache file this load reads and `save` writes. */
  cacheFile: string;
  /** Writes the cache from what this process has compiled of the file so far (best at the end of a run);
   * of the caches of other builds, the two newest stay. False when it could not be written (nothing is
   * thrown). */
  save(): boolean;
}

/** Requires `file` (CommonJS) with the code cache in `options.folder`. The module is entered in require's
 * cache under its file name, as require() would, so that files which require it get this instance.
 * `Module`: CommonJS's Module class, as a CommonJS caller has it (`module.constructor`), because loading
 * node:module for it would load Node's ES module loader as well (on Node 20). */
export function requireWithCodeCache(target: string, options: CodeCacheOptions, Module: typeof ModuleClass): CachedLoad {
  const fs = process.getBuiltinModule('node:fs');
  const path = process.getBuiltinModule('node:path');
  // The name require() gives it, so that its cache entry is found.
  const file = path.resolve(target);
  const { Script } = process.getBuiltinModule('node:vm');

  const source = fs.readFileSync(file, 'utf8');
  // The file's time too: a file edited in place (by hand, in node_modules) is a build of its own.
  const changed = Math.trunc(fs.statSync(file).mtimeMs).toString(36);
  const name = `${path.basename(file, path.extname(file))}-${options.build}-${changed}-${process.version}-${process.arch}.v8`;
  const cacheFile = path.join(options.folder, name);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // Node's own wrapper, on the first line, so that line numbers in stack traces stay those of the file.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const state: CodeCacheState = cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'accepted';

  const module = new Module(file);
  module.filename = file;
  const requireFromFile = Module.createRequire(file);
  requireFromFile.cache[file] = module as unknown as NodeJS.Module;
  try {
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
    wrapper.call(module.exports, module.exports, requireFromFile, module, file, path.dirname(file));
  } catch (error) {
    delete requireFromFile.cache[file];
    throw error;
  }
  module.loaded = true;
  return { exports: module.exports, state, cacheFile, save: () => saveCache(script, options.folder, name) };
}

function saveCache(script: Script, folder: string, name: string): boolean {
  const fs = process.getBuiltinModule('node:fs');
  const path = process.getBuiltinModule('node:path');
  const temp = path.join(folder, `.${name}.${process.pid}.tmp`);
  try {
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    // A run reading at the same time sees the old file or the whole new one.
    fs.renameSync(temp, path.join(folder, name));
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // There was no folder to leave it in.
    }
    return false;
  }
  // Of the caches of this file's builds and Node versions, the newest few stay (someone who switches
  // between two keeps both); the older ones go.
  const stem = name.slice(0, name.indexOf('-') + 1);
  try {
    const caches = fs
      .readdirSync(folder)
      .filter((other) => other.startsWith(stem) && other.endsWith('.v8'))
      .map((other) => ({ file: path.join(folder, other), time: other === name ? Infinity : fs.statSync(path.join(folder, other)).mtimeMs }))
      .sort((a, b) => b.time - a.time);
    for (const { file } of caches.slice(KEPT_CACHES)) fs.rmSync(file, { force: true });
  } catch {
    // Left for the next run to clear.
  }
  return true;
}

/** Caches kept per cached file: this run's and the two written before it. */
const KEPT_CACHES = 3;

/** The user's cache folder for `app`, as the platforms name it: `$XDG_CACHE_HOME/<app>` or
 * `~/.cache/<app>`; `~/Library/Caches/<app>` on macOS; `%LOCALAPPDATA%\<app>\Cache` on Windows. Undefined
 * when the home folder is not known. */
export function userCacheFolder(app: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | undefined {
  const path = process.getBuiltinModule('node:path');
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA ?? (env.USERPROFILE ? path.win32.join(env.USERPROFILE, 'AppData', 'Local') : undefined);
    return local === undefined ? undefined : path.win32.join(local, app, 'Cache');
  }
  const home = env.HOME;
  if (platform === 'darwin') return home ? path.posix.join(home, 'Library', 'Caches', app) : undefined;
  if (env.XDG_CACHE_HOME && path.posix.isAbsolute(env.XDG_CACHE_HOME)) return path.posix.join(env.XDG_CACHE_HOME, app);
  return home ? path.posix.join(home, '.cache', app) : undefined;
}
