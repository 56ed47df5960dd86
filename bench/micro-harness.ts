/**
 * The micro-benchmark loop: each case runs beside a baseline in the same run (warmup, then
 * interleaved rounds, median of rounds), and the figure is the ratio case ÷ baseline, which
 * carries across machines better than ns/op does.
 */
import { median } from './percentiles.js';

export interface MicroOptions {
  readonly seed: number;
  /** Scales iteration counts: 1 for a full run, less for --quick. */
  readonly scale: number;
  readonly rounds: number;
}

export interface MicroResult {
  readonly name: string;
  readonly nsPerOp: number;
  readonly baseline: string;
  readonly baselineNsPerOp: number;
  /** nsPerOp ÷ baselineNsPerOp. */
  readonly ratio: number;
  readonly note: string;
}

/** Defeats dead-code elimination: every timed body adds to it. */
export const sink = { value: 0 };

/** A timed body: performs about `ops` operations and returns how many it performed. */
export type Body = (ops: number) => number;

function timeOnce(body: Body, ops: number): number {
  const t0 = process.hrtime.bigint();
  const done = body(ops);
  return Number(process.hrtime.bigint() - t0) / done;
}

export interface Pair {
  readonly name: string;
  readonly baseline: string;
  readonly note: string;
  readonly ops: number;
  /** Fewest operations per round, whatever the scale (default 1,000): for cases of milliseconds per op. */
  readonly minOps?: number;
  readonly run: Body;
  readonly base: Body;
}

export function measurePair(p: Pair, opts: MicroOptions): MicroResult {
  const ops = Math.max(p.minOps ?? 1000, Math.round(p.ops * opts.scale));
  // Warmup lets both bodies reach optimized code before any round counts.
  timeOnce(p.run, Math.ceil(ops / 5));
  timeOnce(p.base, Math.ceil(ops / 5));
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    a.push(timeOnce(p.run, ops));
    b.push(timeOnce(p.base, ops));
  }
  const nsPerOp = median(a);
  const baselineNsPerOp = median(b);
  return { name: p.name, nsPerOp, baseline: p.baseline, baselineNsPerOp, ratio: nsPerOp / baselineNsPerOp, note: p.note };
}
