/**
 * Background responses (`background: true`) while they run: what a retrieve or a cancel finds
 * before the answer would have finished. Their stream plans, for a retrieve with stream=true, are
 * kept in `./responses-resume.ts`.
 */
import { perThread } from '../thread-context.js';
import { STORE_MAX_ENTRIES } from './responses-store.js';

/**
 * Background responses still running on this thread: until `doneAtMs` a retrieve sees the
 * in-progress object; a cancel before then replaces the stored final object with the cancelled
 * one. Bounded like the store; an entry past its time is dropped when next looked up.
 */
export class BackgroundResponses {
  readonly #running = new Map<string, { readonly doneAtMs: number; readonly inProgress: Buffer; readonly cancelled: Buffer }>();

  start(id: string, doneAtMs: number, inProgress: Buffer, cancelled: Buffer): void {
    this.#running.set(id, { doneAtMs, inProgress, cancelled });
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

  /** Stops `id` if it still runs, returning its cancelled object; undefined when it is not running. */
  cancel(id: string, nowMs: number): Buffer | undefined {
    if (this.pending(id, nowMs) === undefined) return undefined;
    const cancelled = this.#running.get(id)!.cancelled;
    this.#running.delete(id);
    return cancelled;
  }
}

export const backgroundFor = perThread(() => new BackgroundResponses());
