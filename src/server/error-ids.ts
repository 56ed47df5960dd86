/**
 * The source of request ids for replies answered before a request's seeded source exists: an
 * unrouted path, a bad override, a rate limit or fault decided before the body is read. Drawing
 * the request's own source for these would take a stream index from the run's shared counter and
 * shift every later request's draws; so they come from a source of their own, one per server
 * thread (module state: each server thread is its own worker), seeded from the run seed, the
 * thread's slot and how often that slot has started. Ids are then unique across threads and
 * restarts, look like the provider's, and repeat for a seed on one thread.
 */
import { combineSeeds, SeededRandom } from '../timing/random.js';

/** Salt apart from the request sources' seeds, which combine the run seed with a small index. */
const ERROR_ID_SALT = 0x5eed_e770;

function errorIdSeed(runSeed: number, slot: number, start: number): number {
  return combineSeeds(combineSeeds(runSeed, ERROR_ID_SALT ^ slot), start);
}

const source = new SeededRandom(errorIdSeed(1, 0, 0));

/** Seeds this thread's error-id source; called once as a server thread starts. */
export function seedErrorIds(runSeed: number, slot: number, start: number): void {
  source.reseed(errorIdSeed(runSeed, slot, start));
}

/** This thread's error-id source: draw an id from it at once, as it is shared by every such reply. */
export function errorIdSource(): SeededRandom {
  return source;
}
