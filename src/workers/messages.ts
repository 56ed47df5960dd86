/** Messages between the main thread and server threads: discriminated unions, never `any`. */
import type { Config } from '../config/schema.js';
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
  | { readonly type: 'crash'; readonly reason: string };

export type FromThread =
  | { readonly type: 'ready'; readonly slot: number; readonly port: number }
  | { readonly type: 'failed'; readonly slot: number; readonly code: SimErrorCode; readonly message: string }
  | { readonly type: 'drained'; readonly slot: number; readonly cutStreams: number };
