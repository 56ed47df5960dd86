/**
 * Background responses (`background: true`) while they run: what a retrieve or a cancel finds
 * before the answer would have finished. Their stream plans, for a retrieve with stream=true, are
 * kept in `./responses-resume.ts`.
 */
import { perThread } from '../thread-context.js';
import { STORE_MAX_ENTRIES } from './responses-store.js';

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
 * one. Bounded like the store; an entry past its time is dropped when next looked up.
 */
export class BackgroundResponses {
  readonly #running = new Map<string, Running>();

  start(id: string, doneAtMs: number, inProgress: Buffer, cancelled: Buffer, stopToken: number): void {
    this.#running.set(id, { doneAtMs, inProgress, cancelled, stopToken });
    if (this.#running.size > STORE_MAX_ENTRIES) this.#running.delete(this.#running.keys().next().value!);
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
}

export const backgroundFor = perThread(() => new BackgroundResponses());
