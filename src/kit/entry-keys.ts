/** The keys of our entry: which a tool's setup owns, and what happens to the rest when an entry the user has
 * edited is set up again. Owned keys (URL, transport, credential) are set from the new entry, replaced whole
 * (never merged), or removed when the new entry has none; every other key is the user's and stays, in its
 * place — unless it contradicts a remote entry (a local server's `command`, an SSE transport), in which case
 * it is dropped and the reason is said. */

/** A path of keys inside our entry, e.g. `['headers', 'Authorization']`. */
export type EntryKeyPath = readonly string[];

/** What an adapter declares about its entry shape. */
export interface EntryKeys {
  /** Keys our setup writes. Matched without regard to case (`authorization` is the same header), so a
   * variant spelling of an owned key is replaced too. */
  owned: readonly EntryKeyPath[];
  /** Top-level keys this tool refuses (or misreads) on a remote entry, with why; they come on top of the
   * keys only a local (stdio) server uses. */
  conflicting?: Readonly<Record<string, string>>;
}

/** A key the update drops from the user's entry, and why. */
export interface DroppedKey {
  key: string;
  reason: string;
}

export interface UpdatedEntry {
  /** The entry to write: the user's keys in their order, owned keys from the new entry (new ones last). */
  entry: Record<string, unknown>;
  dropped: DroppedKey[];
  /** The user's own switch that keeps the entry off, as `[key, value]`, e.g. `['enabled', false]`. */
  disabledBy?: [string, unknown];
}

/** Keys only a local (stdio) server has: a remote entry under our name must not keep them. */
const LOCAL_SERVER_KEYS = ['command', 'args', 'env', 'envFile', 'cwd'];
const LOCAL_SERVER_REASON = 'only a local (stdio) server uses it, and this entry connects to a URL';
/** Transport names that contradict a streamable-HTTP entry. */
const OTHER_TRANSPORTS = /^(sse|stdio)$/i;

/** A table or object as parsers hand it over (TOML tables have no prototype); not a date or an array. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The entry `built` for a request, laid over what the user has (`existing`, undefined when there is no
 * entry yet). Pure: a second update over its own result returns an equal entry and drops nothing. */
export function updateEntry(existing: unknown, built: Record<string, unknown>, keys: EntryKeys): UpdatedEntry {
  if (!isPlainObject(existing)) return { entry: built, dropped: [] };
  const dropped: DroppedKey[] = [];
  const conflicting: Record<string, string> = Object.fromEntries(LOCAL_SERVER_KEYS.map((key) => [key, LOCAL_SERVER_REASON]));
  Object.assign(conflicting, keys.conflicting);
  const entry = overlay(existing, built, keys.owned, (key, value) => {
    const reason =
      conflicting[key] ??
      ((key === 'type' || key === 'transport') && typeof value === 'string' && OTHER_TRANSPORTS.test(value)
        ? `it names the ${value} transport, and this entry is a streamable HTTP server`
        : undefined);
    if (reason !== undefined) dropped.push({ key, reason });
    return reason === undefined;
  });
  const disabledBy: [string, unknown] | undefined =
    entry.disabled === true ? ['disabled', true] : entry.enabled === false ? ['enabled', false] : undefined;
  return { entry, dropped, ...(disabledBy ? { disabledBy } : {}) };
}

/** What an entry update tells the person: each key it dropped and why, and a switch of theirs that keeps the
 * entry off. `show` spells a key and its value the way the file does. */
export function entryWarnings(path: string, name: string, updated: UpdatedEntry, show: (key: string, value: unknown) => string): string[] {
  const warnings = updated.dropped.map(({ key, reason }) => `${path}: dropped "${key}" from the "${name}" entry: ${reason}.`);
  if (updated.disabledBy) {
    const [key, value] = updated.disabledBy;
    warnings.push(`The entry stays disabled: ${path} sets ${show(key, value)} on "${name}", which was kept; take it out (or enable the server in the tool) to use it.`);
  }
  return warnings;
}

/** One level of the update. `keep` decides on a top-level key nobody owns (only asked at the top). */
function overlay(
  existing: Record<string, unknown>,
  built: Record<string, unknown>,
  owned: readonly EntryKeyPath[],
  keep?: (key: string, value: unknown) => boolean,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const placed = new Set<string>();
  const builtKey = (key: string): string | undefined => Object.keys(built).find((candidate) => same(candidate, key));
  for (const [key, value] of Object.entries(existing)) {
    const ours = builtKey(key);
    const own = owned.some((path) => path.length === 1 && same(path[0], key));
    const below = owned.filter((path) => path.length > 1 && same(path[0], key)).map((path) => path.slice(1));
    if (own) {
      // Replaced whole by the new entry's value (in the user's place), or gone when it has none.
      if (ours !== undefined && !placed.has(ours)) {
        result[ours] = built[ours];
        placed.add(ours);
      }
    } else if (below.length > 0) {
      const inner = overlay(isPlainObject(value) ? value : {}, isPlainObject(built[ours ?? '']) ? (built[ours ?? ''] as Record<string, unknown>) : {}, below);
      // A container our keys emptied goes; one the user left empty stays.
      if (Object.keys(inner).length > 0 || (isPlainObject(value) && Object.keys(value).length === 0)) result[key] = inner;
      if (ours !== undefined) placed.add(ours);
    } else if (keep?.(key, value) ?? true) {
      result[key] = value;
      // A key of the new entry that nobody owns (a default such as Copilot CLI's `tools`) is the user's once set.
      if (ours !== undefined) placed.add(ours);
    }
  }
  for (const [key, value] of Object.entries(built)) {
    if (!placed.has(key)) result[key] = value;
  }
  return result;
}

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
