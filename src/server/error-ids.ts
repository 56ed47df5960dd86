/**
 * The source of request ids for replies answered before a request's seeded source exists: an
 * unrouted path, a bad override, a rate limit or fault decided before the body is read. Drawing
 * the request's own source for these would take a stream index from the run's shared counter and
 * shift every later request's draws; so the n-th such reply of the run draws from a source of its
 * own, seeded from the run seed and n, counted across threads in a word of the shared `arrivals`
 * buffer. Ids are then unique across threads and restarts, look like the provider's, and repeat
 * for a seed: requests sent one after another get the same ids on any `--threads`. (A source per
 * thread gave ids that changed with the thread the kernel picked for a connection.) A batch's
 * request draws at the position its batch reserved, so answering a batch between live requests
 * takes no count from them.
 */
import { combineSeeds, SeededRandom } from '../timing/random.js';
import { pinnedArrival } from './thread-context.js';

/** Salt apart from the request sources' seeds, which combine the run seed with a small index. */
const ERROR_ID_SALT = 0x5eed_e770;
/** Salt for a batch's requests, drawn at their reserved positions. */
const PINNED_SALT = 0x5eed_e771;

const source = new SeededRandom(0);
let runSeed = 1;
/** The run-wide count of ids drawn; a count of this thread's alone where none is shared (in-process tests). */
let counter: Int32Array<ArrayBufferLike> = new Int32Array(1);

/**
 * Seeds this thread's error ids; called once as a server thread starts. `shared`: the word that
 * counts them across the run's threads (`ThreadContext.errorIdCounter`).
 */
export function seedErrorIds(seed: number, shared: Int32Array<ArrayBufferLike> = new Int32Array(1)): void {
  runSeed = seed;
  counter = shared;
}

/** The source for the next error reply's id: draw the id from it at once, as every such reply reuses it. */
export function errorIdSource(): SeededRandom {
  const pinned = pinnedArrival();
  if (pinned >= 0) return source.reseed(combineSeeds(combineSeeds(runSeed, PINNED_SALT), pinned));
  return source.reseed(combineSeeds(combineSeeds(runSeed, ERROR_ID_SALT), Atomics.add(counter, 0, 1) >>> 0));
}
