/** Messages between the main thread and server threads: discriminated unions, never `any`. */
import type { Config } from '../config/schema.js';
import type { HistogramName, HistogramSummary } from '../metrics/histograms.js';
import type { SharedCorpus } from '../corpus/compiled.js';
import type { SimErrorCode } from '../sim-error.js';
import type { ProfileTable } from '../timing/profiles.js';

export interface ServerThreadData {
  readonly slot: number;
  readonly port: number;
  readonly config: Config;
  readonly corpus: SharedCorpus;
  readonly profiles: ProfileTable;
  readonly counters: SharedArrayBuffer;
  readonly arrivals: SharedArrayBuffer;
}

export type ToThread =
  | { readonly type: 'drain'; readonly deadlineMs: number }
  /** Makes the thread fail as a bug would; used to test that the supervisor restarts threads. */
  | { readonly type: 'crash'; readonly reason: string }
  /** Asks for the thread's histograms (and to zero them after, with `reset`). */
  | { readonly type: 'stats-collect'; readonly collectId: number; readonly reset: boolean }
  | { readonly type: 'stats-result'; readonly requestId: number; readonly stats: MergedStats };

/** Histograms merged over every thread that answered. */
export interface MergedStats {
  readonly threads: number;
  readonly histograms: Record<HistogramName, HistogramSummary>;
}

export type FromThread =
  | { readonly type: 'ready'; readonly slot: number; readonly port: number }
  | { readonly type: 'failed'; readonly slot: number; readonly code: SimErrorCode; readonly message: string }
  | { readonly type: 'drained'; readonly slot: number; readonly cutStreams: number }
  /** A thread serving /_understudy/stats or /metrics asks the main thread to gather every thread's histograms. */
  | { readonly type: 'stats-request'; readonly slot: number; readonly requestId: number; readonly reset: boolean }
  | { readonly type: 'stats-part'; readonly slot: number; readonly collectId: number; readonly encoded: Record<HistogramName, string> };
