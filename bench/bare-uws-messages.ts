/** Messages between the bench and its bare uWS baseline thread. */
export interface BareThreadData {
  /** Length of the static response body. */
  readonly bodyBytes: number;
  /** Extra response headers as name, value pairs (empty: content-type alone). */
  readonly headers: readonly string[];
  /**
   * Streaming mode: every chat request gets an SSE stream that never ends, and the thread writes
   * `event` to its streams round-robin, one write each, `eventsPerSec` in all, from a 1 ms
   * interval. The floor the simulator's realistic streaming is compared with.
   */
  readonly sse?: { readonly eventsPerSec: number; readonly event: string };
  /** Int32 [0]: writes made in streaming mode, read by the bench. */
  readonly writes: SharedArrayBuffer;
}

export type BareToThread = { readonly type: 'stop' };

export type BareFromThread = { readonly type: 'ready'; readonly port: number } | { readonly type: 'failed'; readonly message: string };
