/**
 * Locates files shipped with the package (the embedded corpus, default profiles) whether the code
 * runs from `src/` (tests, tsx) or from `dist/src/` (npm start, an installed package).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'llm-understudy') return (cached = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('llm-understudy: cannot find the package root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const DEFAULT_CORPUS_FILE = (): string => join(packageRoot(), 'corpus', 'default.msgpack');
export const DEFAULT_PROFILES_FILE = (): string => join(packageRoot(), 'profiles', 'default.json');
