/**
 * Figures that describe a corpus: counts per model and kind, and completion-length percentiles.
 * The build script prints them and the tests check the length distribution against them.
 */
import type { CorpusEntry, EntryKind } from '../format.js';
import { ENTRY_KINDS } from '../format.js';

export interface LengthPercentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface CorpusSummary {
  readonly entryCount: number;
  readonly byModel: Readonly<Record<string, number>>;
  readonly byKind: Readonly<Record<EntryKind, number>>;
  /** Over `usage.completionTokens`. */
  readonly completionTokens: LengthPercentiles;
  readonly timedEntries: number;
  readonly nonAsciiEntries: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarizeCorpus(entries: readonly CorpusEntry[]): CorpusSummary {
  const byModel: Record<string, number> = {};
  const byKind = Object.fromEntries(ENTRY_KINDS.map((k) => [k, 0])) as Record<EntryKind, number>;
  const lengths: number[] = [];
  let timedEntries = 0;
  let nonAsciiEntries = 0;
  for (const e of entries) {
    byModel[e.model] = (byModel[e.model] ?? 0) + 1;
    byKind[e.kind]++;
    lengths.push(e.usage.completionTokens);
    if (e.timing !== undefined) timedEntries++;
    if (e.tags.includes('non-ascii')) nonAsciiEntries++;
  }
  lengths.sort((a, b) => a - b);
  const total = lengths.reduce((s, n) => s + n, 0);
  return {
    entryCount: entries.length,
    byModel,
    byKind,
    completionTokens: {
      p50: percentile(lengths, 50),
      p90: percentile(lengths, 90),
      p99: percentile(lengths, 99),
      max: lengths.at(-1) ?? 0,
      mean: entries.length === 0 ? 0 : Math.round(total / entries.length),
    },
    timedEntries,
    nonAsciiEntries,
  };
}
