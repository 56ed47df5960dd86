/** Messages between the main thread and server threads: discriminated unions, never `any`. */
import type { Scenario } from '../chaos/scenario.js';
import type { Config } from '../config/schema.js';
import type { QuotaTable } from '../quota/limits.js';
import type { HistogramName, HistogramPart, HistogramSummary } from '../metrics/histograms.js';
import type { SharedCorpus } from '../corpus/compiled.js';
import type { O200kTableData } from '../corpus/o200k.js';
import type { SimErrorCode } from '../sim-error.js';
import type { ProfileTable } from '../timing/profiles.js';
import type { PeerAnswer, PeerQuery } from '../server/peers.js';

export interface ServerThreadData {
  readonly slot: number;
  readonly port: number;
  readonly config: Config;
  readonly corpus: SharedCorpus;
  /** The o200k rank table, built once on the main thread (`src/corpus/o200k.ts`). */
  readonly o200k: O200kTableData;
  readonly profiles: ProfileTable;
  readonly counters: SharedArrayBuffer;
  readonly arrivals: SharedArrayBuffer;
  readonly quotaMemory: SharedArrayBuffer;
  /** One Int32 per latency profile: requests in flight, for saturation. */
  readonly saturationMemory: SharedArrayBuffer;
  readonly policy: Policy;
  /** The main thread holds the port until this thread is about to listen: ask (`listen-ready`) and wait for `port-released`. */
  readonly portHeld: boolean;
}

/** What a policy change starts afresh: the quota's buckets, or the scenario's timeline and request count. */
export type PolicyRestart = 'quota' | 'scenario';

/** Rate limits and chaos in force; the same on every thread. */
export interface Policy {
  readonly quota: QuotaTable | null;
  /** The spec it came from (preset name or file), for the admin API's report. */
  readonly quotaSource: string | null;
  readonly scenario: Scenario | null;
  /** When the scenario was loaded (epoch ms): phase times count from here. */
  readonly scenarioLoadedAtMs: number;
  /** Counts the scenario's loads (and clearings): request positions for fault decisions restart at 0 with each. */
  readonly scenarioRun: number;
}

export type ToThread =
  | { readonly type: 'drain'; readonly deadlineMs: number }
  /** The port the main thread held is free: listen now. */
  | { readonly type: 'port-released' }
  /** Makes the thread fail as a bug would; used to test that the supervisor restarts threads. */
  | { readonly type: 'crash'; readonly reason: string }
  /** Asks for the thread's histograms (and to zero them after, with `reset`). */
  | { readonly type: 'stats-collect'; readonly collectId: number; readonly reset: boolean }
  | { readonly type: 'stats-result'; readonly requestId: number; readonly stats: MergedStats }
  /** The policy every thread now applies (after an admin change); the thread acknowledges it. */
  | { readonly type: 'policy'; readonly policy: Policy; readonly applyId: number }
  /** Every live thread has applied the change the admin request `requestId` asked for. */
  | { readonly type: 'policy-done'; readonly requestId: number; readonly policy: Policy }
  /** Thread `from` asks this thread about an object it holds (relayed by the main thread). */
  | { readonly type: 'peer-ask'; readonly from: number; readonly askId: number; readonly query: PeerQuery }
  /** The answer to this thread's ask `askId`. */
  | { readonly type: 'peer-answer'; readonly askId: number; readonly answer: PeerAnswer };

/** Histograms merged over every thread that answered. */
export interface MergedStats {
  readonly threads: number;
  readonly histograms: Record<HistogramName, HistogramSummary>;
}

export type FromThread =
  /** The thread is about to listen on the port the main thread holds. */
  | { readonly type: 'listen-ready'; readonly slot: number }
  | { readonly type: 'ready'; readonly slot: number; readonly port: number }
  | { readonly type: 'failed'; readonly slot: number; readonly code: SimErrorCode; readonly message: string }
  | { readonly type: 'drained'; readonly slot: number; readonly cutStreams: number }
  /** A thread serving /_understudy/stats or /metrics asks the main thread to gather every thread's histograms. */
  | { readonly type: 'stats-request'; readonly slot: number; readonly requestId: number; readonly reset: boolean }
  | { readonly type: 'stats-part'; readonly slot: number; readonly collectId: number; readonly encoded: Record<HistogramName, HistogramPart> }
  /** An admin request on one thread changes the policy for all: the main thread broadcasts it. */
  | { readonly type: 'policy-set'; readonly slot: number; readonly requestId: number; readonly policy: Policy; readonly restarts: PolicyRestart }
  | { readonly type: 'policy-applied'; readonly slot: number; readonly applyId: number }
  /** Ask thread `to` about an object it holds (`src/server/peers.ts`). */
  | { readonly type: 'peer-ask'; readonly slot: number; readonly to: number; readonly askId: number; readonly query: PeerQuery }
  /** Answer thread `to`'s ask `askId`. */
  | { readonly type: 'peer-answer'; readonly slot: number; readonly to: number; readonly askId: number; readonly answer: PeerAnswer };
