/**
 * Ids of stored objects (responses, conversations, stored chat completions, output items) name the
 * server thread that holds them, so that a request for one on any other thread knows whom to ask.
 *
 * Each thread is its own uWS app on the shared port and the kernel picks the thread per
 * connection: a client's next connection (after uWS closes an idle one, or a second one from its
 * pool) lands on any thread. Naming the owner in the id keeps creating and reading one's own
 * objects free of any hop between threads; only a request that lands elsewhere asks the owner.
 *
 * The owner is the id's last two base-62 digits, offset by a scramble of the two before them so
 * that ids still look random: with one thread every id would otherwise end in the same two
 * characters (or, offset plainly, repeat the two before them).
 */
import { randomId } from './answer.js';
import type { SeededRandom } from '../timing/random.js';

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE = 62;
/** Two digits: owners up to 3,843, past the 256 threads config allows. */
const SPAN = BASE * BASE;
/** Coprime to SPAN (2² · 31²), so the scramble maps the two digits before onto every offset once. */
const SCRAMBLE = 1999;

/** Digit values by character code; -1 for characters that are not digits. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE; i++) VALUE[DIGITS.charCodeAt(i)] = i;

const digit = (id: string, at: number): number => {
  const code = id.charCodeAt(at);
  return code < 128 ? VALUE[code]! : -1;
};

/** The offset the two digits before the owner's give (both digits: checked by the caller). */
const offsetOf = (id: string, n: number): number => ((digit(id, n - 4) * BASE + digit(id, n - 3)) * SCRAMBLE) % SPAN;

/** A random id (as `randomId` draws it) whose last two digits name `owner`. `length` ≥ 4. */
export function ownedId(rng: SeededRandom, prefix: string, length: number, owner: number): string {
  const id = randomId(rng, prefix, length);
  const n = id.length;
  const code = (owner + offsetOf(id, n)) % SPAN;
  return id.slice(0, n - 2) + DIGITS[Math.floor(code / BASE)]! + DIGITS[code % BASE]!;
}

/** The thread an id names, or undefined for an id no thread of `threads` could have made. */
export function ownerOf(id: string, threads: number): number | undefined {
  const n = id.length;
  if (n < 4) return undefined;
  const c = digit(id, n - 2);
  const d = digit(id, n - 1);
  if (digit(id, n - 4) < 0 || digit(id, n - 3) < 0 || c < 0 || d < 0) return undefined;
  const owner = (c * BASE + d - offsetOf(id, n) + SPAN) % SPAN;
  return owner < threads ? owner : undefined;
}
