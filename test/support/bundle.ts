/** What a chunk of the built CLI loads up front: its code and, recursively, that of every chunk it imports
 * statically. Whatever is missing is only reachable through import(), i.e. loaded on demand. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export async function staticallyLoaded(entry: string): Promise<{ code: string; files: string[] }> {
  const seen = new Set<string>();
  const visit = async (file: string): Promise<string> => {
    if (seen.has(file)) return '';
    seen.add(file);
    const code = await readFile(file, 'utf8');
    const imports = [...code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w${},*\s]+from\s*)?["'](\.[^"']+)["']/g)].map((match) => path.resolve(path.dirname(file), match[1]!));
    return code + (await Promise.all(imports.map(visit))).join('');
  };
  const code = await visit(entry);
  return { code, files: [...seen] };
}
