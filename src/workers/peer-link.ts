/**
 * A server thread's link to the other server threads, through the main thread (which relays each
 * message to the thread it names): the `Peers` its routes ask (`src/server/openai/peers.ts`).
 * Asks are rare (a request for an object another thread holds), so each has its own timer.
 */
import type { PeerAnswer, PeerQuery, Peers } from '../server/openai/peers.js';
import type { FromThread } from './messages.js';

/** How long an ask waits for the owner: a thread restarting, or too busy to answer by then, counts as not holding the object. */
export const PEER_ANSWER_TIMEOUT_MS = 2000;

const UNANSWERED: PeerAnswer = { kind: 'unanswered' };

export class PeerLink implements Peers {
  readonly slot: number;
  readonly threads: number;
  readonly #post: (msg: FromThread) => void;
  readonly #waiting = new Map<number, (answer: PeerAnswer) => void>();
  #askSeq = 0;

  constructor(slot: number, threads: number, post: (msg: FromThread) => void) {
    this.slot = slot;
    this.threads = threads;
    this.#post = post;
  }

  ask(to: number, query: PeerQuery): Promise<PeerAnswer> {
    return new Promise((resolve) => {
      const askId = this.#askSeq++;
      const timer = setTimeout(() => this.answered(askId, UNANSWERED), PEER_ANSWER_TIMEOUT_MS);
      timer.unref();
      this.#waiting.set(askId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.#post({ type: 'peer-ask', slot: this.slot, to, askId, query });
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
