/**
 * A server thread's link to the other server threads, through the main thread (which relays each
 * message to the thread it names): the `Peers` its routes ask (`src/server/peers.ts`).
 * Asks are rare (a request for an object another thread holds), so each has its own timer.
 */
import type { PeerAnswer, PeerQuery, Peers } from '../server/peers.js';
import type { FromThread } from './messages.js';

/** How long an ask waits for the owner; past it the request fails with a 500, which clients retry. */
export const PEER_ANSWER_TIMEOUT_MS = 2000;

const LATE: PeerAnswer = { kind: 'late' };
const UNSENDABLE: PeerAnswer = { kind: 'failed', reason: 'internal' };
/** Ask ids per thread instance: a restarted thread's never meet an answer meant for the one before. */
const ASKS_PER_INSTANCE = 2 ** 32;

export class PeerLink implements Peers {
  readonly slot: number;
  readonly threads: number;
  readonly #post: (msg: FromThread) => void;
  readonly #waiting = new Map<number, (answer: PeerAnswer) => void>();
  #askSeq: number;

  /** `instance`: unique per thread instance in the process (`worker_threads.threadId`). */
  constructor(slot: number, threads: number, instance: number, post: (msg: FromThread) => void) {
    this.slot = slot;
    this.threads = threads;
    this.#post = post;
    this.#askSeq = instance * ASKS_PER_INSTANCE;
  }

  ask(to: number, query: PeerQuery): Promise<PeerAnswer> {
    return new Promise((resolve) => {
      const askId = this.#askSeq++;
      const timer = setTimeout(() => this.answered(askId, LATE), PEER_ANSWER_TIMEOUT_MS);
      timer.unref();
      this.#waiting.set(askId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      try {
        this.#post({ type: 'peer-ask', slot: this.slot, to, askId, query });
      } catch {
        // A query that cannot be copied to another thread (nested past the copier's depth).
        this.answered(askId, UNSENDABLE);
      }
    });
  }

  /** An answer (or the timeout) for ask `askId`; later ones for the same ask are dropped. */
  answered(askId: number, answer: PeerAnswer): void {
    const resolve = this.#waiting.get(askId);
    if (resolve === undefined) return;
    this.#waiting.delete(askId);
    resolve(answer);
  }
}
