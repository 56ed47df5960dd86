/**
 * Prompt token counts of large bodies, made off the server thread. Counting is exact BPE work,
 * about 0.5 µs a token: a new 1 MB prompt held a thread, and every stream it paces, for 250 ms.
 * For a body of OFF_THREAD_BODY_CHARS or more, the exchange takes the body's long strings, has this
 * thread's count pool count them piece by piece, and runs the handler once the counts are back,
 * with them taken as counted (`withPrefetchedCounts`): the handler's own counting then finds them,
 * and the thread goes on serving meanwhile. Smaller bodies are counted inline, where a worker hop
 * would cost more than the work.
 */
import { countingPieces, type PrefetchedCounts } from '../corpus/tokens.js';
import { TaskPool, type PoolLoad } from './task-pool.js';

/** Bodies this long have their long strings counted off the thread (about 30 ms of counting inline). */
export const OFF_THREAD_BODY_CHARS = 256 * 1024;

/** Strings shorter than this are left to the handler: many small counts cost less than the hop. */
const MIN_TEXT_CHARS = 1024;

const pool = new TaskPool<readonly string[], Int32Array[]>('count-task');

/** Prose has whitespace early; base64 (an image's `data`, a data URL) has none, and no handler counts it. */
const PROSE_SAMPLE_CHARS = 1024;
const WHITESPACE = /\s/;

/**
 * Every string value of at least MIN_TEXT_CHARS in a JSON body that looks like text, walked without
 * recursion (a body may nest deeper than the stack goes). A string with no whitespace in its first
 * KiB is left out: media are counted flat, and random base64 is the costliest input BPE has (0.25 MB
 * took 441 ms, against 30 ms for twice as much prose), so counting an image would delay its request
 * by seconds. Empty when the body is not JSON: the handler answers that.
 */
export function longStrings(body: string): string[] {
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return [];
  }
  const out: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.length >= MIN_TEXT_CHARS && WHITESPACE.test(v.slice(0, PROSE_SAMPLE_CHARS))) out.push(v);
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (typeof v === 'object' && v !== null) {
      for (const item of Object.values(v)) stack.push(item);
    }
  }
  return out;
}

/**
 * What the pool counted, for `withPrefetchedCounts`. A text the handler counts as it came (a
 * message's content) is found whole; one it builds from them (parts joined, a system prompt and
 * its blocks) is counted piece by piece, and the pieces are cut again here only then, rather than
 * sent back: a scan is cheap, and the bytes would cross the thread boundary twice.
 */
class PoolCounts implements PrefetchedCounts {
  readonly #texts: readonly string[];
  readonly #counts: readonly Int32Array[];
  readonly #whole = new Map<string, number>();
  #pieces: Map<string, number> | null = null;

  constructor(texts: readonly string[], counts: readonly Int32Array[]) {
    this.#texts = texts;
    this.#counts = counts;
    texts.forEach((text, i) => this.#whole.set(text, counts[i]!.reduce((a, b) => a + b, 0)));
  }

  whole(text: string): number | undefined {
    return this.#whole.get(text);
  }

  piece(piece: string): number | undefined {
    if (this.#pieces === null) {
      const byPiece = new Map<string, number>();
      this.#texts.forEach((text, i) => {
        const pieces = countingPieces(text);
        for (let j = 0; j < pieces.length; j++) byPiece.set(pieces[j]!, this.#counts[i]![j]!);
      });
      this.#pieces = byPiece;
    }
    return this.#pieces.get(piece);
  }
}

/**
 * The counts of `texts`, made in this thread's count pool; rejected unrun when `wanted` says, as
 * its client leaves or a worker comes free for them, that the request has gone.
 */
export async function countOffThread(texts: readonly string[], serverThreads: number, wanted?: () => boolean): Promise<PrefetchedCounts> {
  return new PoolCounts(texts, await pool.run(texts, serverThreads, wanted));
}

/** Jobs this thread's pool is running and holding, and has started since the thread began. */
export function countPoolLoad(): PoolLoad {
  return pool.load;
}

/** Count jobs handed to a worker so far (for tests). */
export function countPoolStarted(): number {
  return pool.started;
}

/** Stops this thread's pool, if it started one, so the thread can exit. */
export function destroyCountPool(): Promise<void> {
  return pool.destroy();
}
