/** Messages between the bench and its bare uWS baseline thread. */
export interface BareThreadData {
  /** Length of the static response body. */
  readonly bodyBytes: number;
  /** Extra response headers as name, value pairs (empty: content-type alone). */
  readonly headers: readonly string[];
}

export type BareToThread = { readonly type: 'stop' };

export type BareFromThread = { readonly type: 'ready'; readonly port: number } | { readonly type: 'failed'; readonly message: string };
