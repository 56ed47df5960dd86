/**
 * Background responses (`background: true`) while they run: what a retrieve or a cancel finds
 * before the answer would have finished. Their stream plans, for a retrieve with stream=true, are
 * kept in `./responses-resume.ts`.
 */
import { BoundedStore } from '../bounded-store.js';
import { perThread } from '../thread-context.js';
import { STORE_MAX_BYTES, STORE_MAX_ENTRIES } from './responses-store.js';

/** A running background response: when it is done, its objects until then, and the token its open streams stop on (`../stream-stop.ts`). */
interface Running {
  readonly doneAtMs: number;
  readonly inProgress: Buffer;
  readonly cancelled: Buffer;
  readonly stopToken: number;
}

/**
 * Background responses still running on this thread: until `doneAtMs` a retrieve sees the
 * in-progress object; a cancel before then replaces the stored final object with the cancelled
 * one. Bounded like the store, in bytes too: both objects echo the request's instructions and
 * tools, and 1,000 runs with 1 MB of instructions held 2 GB that no lookup ever let go. An entry
 * past its time is dropped when next looked up; one let go while it runs reads as finished.
 */
export class BackgroundResponses {
  readonly #running = new BoundedStore<Running>(STORE_MAX_ENTRIES, STORE_MAX_BYTES, (r) => r.inProgress.length + r.cancelled.length);

  start(id: string, doneAtMs: number, inProgress: Buffer, cancelled: Buffer, stopToken: number): void {
    this.#running.put(id, { doneAtMs, inProgress, cancelled, stopToken });
  }

  /** The bytes of the objects held now (for tests). */
  get bytes(): number {
    return this.#running.bytes;
  }

  /** The in-progress object while `id` runs; undefined once it is done (or not a background response). */
  pending(id: string, nowMs: number): Buffer | undefined {
    const r = this.#running.get(id);
    if (r === undefined) return undefined;
    if (nowMs < r.doneAtMs) return r.inProgress;
    this.#running.delete(id);
    return undefined;
  }

  /** Stops `id` if it still runs, returning its cancelled object and stop token; undefined when it is not running. */
  cancel(id: string, nowMs: number): Running | undefined {
    if (this.pending(id, nowMs) === undefined) return undefined;
    const running = this.#running.get(id)!;
    this.#running.delete(id);
    return running;
  }

  /** Forgets `id`: its response was deleted, so neither a retrieve nor a cancel may find it. */
  forget(id: string): void {
    this.#running.delete(id);
  }
}

export const backgroundFor = perThread(() => new BackgroundResponses());
