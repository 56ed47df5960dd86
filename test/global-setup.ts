// Server threads run from dist/ (Node 20 workers cannot load TypeScript), so tests build first.
// Type errors are reported by `npm run typecheck`; here they only warn, since tsc still emits.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`test setup: tsc reported errors (see npm run typecheck); testing what it emitted\n${r.stdout.slice(0, 2000)}`);
  }
  if (!existsSync('dist/src/workers/server-thread.js')) throw new Error('test setup: tsc emitted no dist/src/workers/server-thread.js');
  // The rank table every simulator start reads (as `npm run build` writes it): without it each test
  // file would build it from gpt-tokenizer's rank list, 0.6-0.8 s apiece.
  const table = spawnSync(process.execPath, ['dist/scripts/o200k-table.js'], { encoding: 'utf8' });
  if (table.status !== 0) throw new Error(`test setup: writing the o200k table failed\n${table.stderr}`);
}
