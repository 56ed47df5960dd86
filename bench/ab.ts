/**
 * Before-and-after of micro cases in one process: loads the micro cases of this build and of
 * another checkout's build, and times them in alternating rounds (which build goes first swaps
 * every round), reporting the median of the per-round ratios.
 *
 *   git worktree add /tmp/wt-base <rev> && ln -s "$PWD/node_modules" /tmp/wt-base/node_modules
 *   (cd /tmp/wt-base && npx tsc -p tsconfig.build.json)
 *   node dist/bench/ab.js --base /tmp/wt-base --case 'tool call' [--rounds 30] [--ops 2000]
 *
 * Why in one process: on this VM, separate runs of the same build differ by 10–30% (CPU phases,
 * where the JIT put the code), which once read as a 10% regression of the tool-call handler. Paired
 * rounds seconds apart see the same machine, so their ratio resolves differences of a few percent.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Pair } from './micro-harness.js';
import { microPairs } from './micro.js';
import { median } from './percentiles.js';

interface AbFlags {
  readonly base: string;
  readonly cases: readonly string[];
  readonly rounds: number;
  readonly ops: number | undefined;
  readonly seed: number;
}

function readFlags(argv: readonly string[]): AbFlags {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      base: { type: 'string' },
      case: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '30' },
      ops: { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  if (values.base === undefined) throw new Error('ab: --base <checkout with a built dist/> is required');
  const cases = values.case ?? [];
  if (cases.length === 0) throw new Error("ab: name at least one case with --case <part of its name>, e.g. --case 'tool call'");
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`ab: --${name} must be a positive integer, got ${v}`);
    return n;
  };
  return {
    base: resolve(values.base),
    cases,
    rounds: int('rounds', values.rounds),
    ops: values.ops === undefined ? undefined : int('ops', values.ops),
    seed: int('seed', values.seed),
  };
}

/** The other build's cases: its `microPairs`, which builds before this file lack. */
async function basePairs(root: string, seed: number): Promise<Pair[]> {
  const mod = (await import(pathToFileURL(`${root}/dist/bench/micro.js`).href)) as { microPairs?: (seed: number) => Pair[] };
  if (mod.microPairs === undefined) throw new Error(`ab: ${root}/dist/bench/micro.js has no microPairs; build a revision that has bench/ab.ts, or add the export there`);
  return mod.microPairs(seed);
}

function timeOnce(p: Pair, ops: number): number {
  const t0 = process.hrtime.bigint();
  const done = p.run(ops);
  return Number(process.hrtime.bigint() - t0) / done;
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2));
  const head = microPairs(flags.seed);
  const base = await basePairs(flags.base, flags.seed);
  for (const part of flags.cases) {
    const h = head.find((p) => p.name.includes(part));
    const b = base.find((p) => p.name.includes(part));
    if (h === undefined || b === undefined) throw new Error(`ab: no case named like "${part}" in ${h === undefined ? 'this build' : flags.base}`);
    const ops = flags.ops ?? Math.max(h.minOps ?? 1000, Math.round(h.ops / 10));
    timeOnce(b, ops);
    timeOnce(h, ops);
    const baseNs: number[] = [];
    const headNs: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < flags.rounds; r++) {
      // Swapping the order each round keeps a drift of the machine's speed out of the ratio.
      const [first, second] = r % 2 === 0 ? [b, h] : [h, b];
      const t1 = timeOnce(first, ops);
      const t2 = timeOnce(second, ops);
      const [tb, th] = first === b ? [t1, t2] : [t2, t1];
      baseNs.push(tb);
      headNs.push(th);
      ratios.push(th / tb);
    }
    const sorted = [...ratios].sort((x, y) => x - y);
    const q = (f: number): number => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!;
    process.stdout.write(
      `${h.name}\n  base ${median(baseNs).toFixed(0)} ns/op, this build ${median(headNs).toFixed(0)} ns/op; ` +
        `this ÷ base ${median(ratios).toFixed(3)} (quartiles ${q(0.25).toFixed(3)}–${q(0.75).toFixed(3)}, ${flags.rounds} rounds of ${ops} ops)\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
