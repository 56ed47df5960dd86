/** Messages between the bench and its streaming load generator's process (`stream-client-child.ts`). */
import type { StreamLoadOptions, WindowResult } from './stream-client.js';

/** `StreamLoadOptions` with the request as base64, since IPC carries JSON. */
export type ChildLoadOptions = Omit<StreamLoadOptions, 'request'> & { readonly requestBase64: string };

export type ToLoad =
  | { readonly id: number; readonly type: 'start'; readonly options: ChildLoadOptions; readonly timeoutMs: number }
  | { readonly id: number; readonly type: 'planned'; readonly windowMs: number; readonly timeoutMs: number }
  | { readonly id: number; readonly type: 'open-loop'; readonly ratePerSec: number; readonly seed: number; readonly maxConnections: number }
  | { readonly id: number; readonly type: 'begin-window' }
  | { readonly id: number; readonly type: 'end-window' }
  | { readonly id: number; readonly type: 'status'; readonly collectGarbage: boolean }
  | { readonly id: number; readonly type: 'stop' };

/** What the load generator reports about itself between windows. */
export interface LoadStatus {
  /** Connections it holds, and those connected. */
  readonly open: number;
  readonly connected: number;
  /** Streams completed since it started, in or out of a window. */
  readonly served: number;
  /** Its V8 heap in use (after a forced GC when asked). */
  readonly heapUsed: number;
}

export type FromLoad =
  | { readonly id: number; readonly type: 'done' }
  | { readonly id: number; readonly type: 'planned'; readonly meanMs: number; readonly streams: number; readonly lost: number }
  | { readonly id: number; readonly type: 'window'; readonly result: WindowResult }
  | { readonly id: number; readonly type: 'status'; readonly status: LoadStatus }
  | { readonly id: number; readonly type: 'failed'; readonly message: string };
