/**
 * Stored responses for `GET /v1/responses/{id}` and `DELETE /v1/responses/{id}`: the final
 * Response object's bytes, in a bounded least-recently-used map, one per server thread.
 *
 * Per thread, not shared: the thread that created a response keeps it, and its id names that
 * thread (`../owner-ids.ts`). Each thread is its own uWS app on the shared port (SO_REUSEPORT) and
 * the kernel picks the thread per connection, so a retrieve that lands on another thread asks the
 * owner (`../owned-routes.ts`); a keep-alive client, which stays on one thread, never waits on
 * another. An id no thread holds answers 404 as OpenAI does for an unknown id.
 */
import { BoundedStore } from '../bounded-store.js';
import { perThread } from '../thread-context.js';

export const STORE_MAX_ENTRIES = 1000;
export const STORE_MAX_BYTES = 64 * 1024 * 1024;

/** Kept bodies: the final Response objects (bytes), or the requests behind them (text, sized by its length). */
export class ResponseStore<T extends { readonly length: number } = Buffer> extends BoundedStore<T> {
  /** `sizeOf`: the memory a body takes (a string may take two bytes a character). */
  constructor(maxEntries = STORE_MAX_ENTRIES, maxBytes = STORE_MAX_BYTES, sizeOf: (body: T) => number = (b) => b.length) {
    super(maxEntries, maxBytes, sizeOf);
  }
}

/** The thread's store (one per thread context, created on first use). */
export const responseStoreFor = perThread(() => new ResponseStore());

/**
 * The request body of each stored response, for `GET /v1/responses/{id}/input_items`: kept as the
 * text the thread already holds (no copy on the request path) and read only when listed.
 */
export const requestStoreFor = perThread(() => new ResponseStore<string>(STORE_MAX_ENTRIES, STORE_MAX_BYTES, (text) => 2 * text.length));
