/** Messages between the bench and its bare uWS baseline thread. */
export interface BareThreadData {
  /** Length of the static response body. */
  readonly bodyBytes: number;
}

export type BareToThread = { readonly type: 'stop' };

export type BareFromThread = { readonly type: 'ready'; readonly port: number } | { readonly type: 'failed'; readonly message: string };
