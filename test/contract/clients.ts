/** Where the contract tests find the real client binaries, and which version each one is.
 *
 * By default the pinned dev dependencies in node_modules/.bin; per client an environment variable points at
 * another executable (an absolute path, or one relative to the repository): CONTRACT_CLAUDE_BIN,
 * CONTRACT_CODEX_BIN, CONTRACT_COPILOT_BIN, CONTRACT_GEMINI_BIN, CONTRACT_OPENCODE_BIN, CONTRACT_CLINE_BIN. `npm run contract:latest` (scripts/contract-latest.mjs) sets them
 * to each client's newest release, installed in a temp folder, and runs the same suites against it.
 *
 * The version comes from the npm package the executable belongs to (read from its package.json, no process
 * started), or, for an executable outside any package, from `<bin> --version`. It goes into the test names,
 * so that a report says which release a result is about. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type ClientId = 'claude' | 'codex' | 'copilot' | 'gemini' | 'opencode' | 'cline';

interface ClientSpec {
  /** The npm package that ships the client. */
  pkg: string;
  /** The name of the executable in node_modules/.bin. */
  bin: string;
  /** The variable that points at another executable. */
  variable: string;
  display: string;
}

export const CLIENTS: Readonly<Record<ClientId, ClientSpec>> = {
  claude: { pkg: '@anthropic-ai/claude-code', bin: 'claude', variable: 'CONTRACT_CLAUDE_BIN', display: 'Claude Code' },
  codex: { pkg: '@openai/codex', bin: 'codex', variable: 'CONTRACT_CODEX_BIN', display: 'Codex CLI' },
  copilot: { pkg: '@github/copilot', bin: 'copilot', variable: 'CONTRACT_COPILOT_BIN', display: 'Copilot CLI' },
  gemini: { pkg: '@google/gemini-cli', bin: 'gemini', variable: 'CONTRACT_GEMINI_BIN', display: 'Gemini CLI' },
  opencode: { pkg: 'opencode-ai', bin: 'opencode', variable: 'CONTRACT_OPENCODE_BIN', display: 'opencode' },
  // `cline` links to its platform package's executable (@cline/cli-linux-x64, of the same version).
  cline: { pkg: '@cline/cli', bin: 'cline', variable: 'CONTRACT_CLINE_BIN', display: 'Cline CLI' },
};

export interface ContractClient {
  id: ClientId;
  /** Absolute path of the executable. */
  bin: string;
  /** The folder holding it, to put first on PATH where an adapter looks the client up by name. */
  binDir: string;
  /** Whether the executable exists (a suite skips, with its reason, when not). */
  present: boolean;
  /** `1.2.3`, or undefined when it could not be told. */
  version: string | undefined;
  /** `Claude Code 2.1.197` (or `Claude Code (version unknown)`), for test names. */
  label: string;
  /** Whether the executable came from the override variable. */
  overridden: boolean;
}

const REPO = path.resolve(import.meta.dirname, '../..');
const VERSION = /\b(\d+\.\d+\.\d+(?:-[\w.]+)?)\b/;

/** The client `id` as the contract suites run it: the override variable's executable, else the pinned one. */
export function contractClient(id: ClientId): ContractClient {
  const spec = CLIENTS[id];
  const override = process.env[spec.variable];
  const bin = override ? path.resolve(REPO, override) : path.join(REPO, 'node_modules', '.bin', spec.bin);
  const present = existsSync(bin);
  const version = present ? packageVersion(bin, spec.pkg) ?? reportedVersion(bin) : undefined;
  return {
    id,
    bin,
    binDir: path.dirname(bin),
    present,
    version,
    label: `${spec.display} ${version ?? '(version unknown)'}`,
    overridden: Boolean(override),
  };
}

/** The version in the package.json of `pkg` that `bin` (through its symlinks) lives in, if any. */
function packageVersion(bin: string, pkg: string): string | undefined {
  let dir = path.dirname(realpathSync(bin));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
        // The platform packages (e.g. @anthropic-ai/claude-code-linux-x64) carry the same version.
        if (typeof parsed.name === 'string' && parsed.name.startsWith(pkg) && typeof parsed.version === 'string') return parsed.version;
      } catch {
        // not a manifest we can read: keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** What `<bin> --version` prints, run with HOME in a throwaway folder. */
function reportedVersion(bin: string): string | undefined {
  const home = mkdtempSync(path.join(os.tmpdir(), 'contract-version-'));
  try {
    const output = execFileSync(bin, ['--version'], {
      env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    return VERSION.exec(output)?.[1];
  } catch {
    return undefined;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
