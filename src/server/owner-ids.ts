/**
 * Ids of stored objects (responses, conversations, stored chat completions, output items, batches,
 * Gemini caches) name the server thread that holds them, so that a request for one on any other
 * thread knows whom to ask.
 *
 * Each thread is its own uWS app on the shared port and the kernel picks the thread per
 * connection: a client's next connection (after uWS closes an idle one, or a second one from its
 * pool) lands on any thread. Naming the owner in the id keeps creating and reading one's own
 * objects free of any hop between threads; only a request that lands elsewhere asks the owner.
 *
 * The owner is the id's last two digits, offset by a scramble of the two before them so that ids
 * still look random: with one thread every id would otherwise end in the same two characters (or,
 * offset plainly, repeat the two before them). OpenAI's and Anthropic's ids are base 62
 * (`'mixed'`); Gemini's resource ids are lowercase letters and digits, base 36 (`'lower'`). A
 * lowercase id is also a base-62 string that names some other owner there, so an id does not say
 * which digits it has: the route reading it does, by the API it serves.
 */
import { randomId } from './answer.js';
import type { SeededRandom } from '../timing/random.js';

/** The digits an id is drawn from: base 62 (OpenAI, Anthropic) or lowercase base 36 (Gemini). */
export type IdDigits = 'mixed' | 'lower';

interface Alphabet {
  /** The digits as bytes, in value order, as `randomId` draws them. */
  readonly codes: Buffer;
  readonly base: number;
  /** Two digits: owners up to base² − 1 (1,295 in base 36), past the 256 threads config allows. */
  readonly span: number;
  /** Digit values by character code; -1 for characters that are not digits. */
  readonly value: Int8Array;
}

function alphabet(digits: string): Alphabet {
  const value = new Int8Array(128).fill(-1);
  for (let i = 0; i < digits.length; i++) value[digits.charCodeAt(i)] = i;
  return { codes: Buffer.from(digits, 'latin1'), base: digits.length, span: digits.length * digits.length, value };
}

const ALPHABETS = {
  mixed: alphabet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'),
  lower: alphabet('abcdefghijklmnopqrstuvwxyz0123456789'),
} as const satisfies Record<IdDigits, Alphabet>;

/** Coprime to both spans (2² · 31² and 2⁴ · 3⁴), so the scramble maps the two digits before onto every offset once. */
const SCRAMBLE = 1999;

const digit = (a: Alphabet, id: string, at: number): number => {
  const code = id.charCodeAt(at);
  return code < 128 ? a.value[code]! : -1;
};

/** The offset the two digits before the owner's give (both digits: checked by the caller). */
const offsetOf = (a: Alphabet, id: string, n: number): number => ((digit(a, id, n - 4) * a.base + digit(a, id, n - 3)) * SCRAMBLE) % a.span;

/**
 * A random id (as `randomId` draws it, in `digits`) whose last two digits name `owner`. `length` ≥ 4.
 *
 * @example ownedId(rng, 'resp_', 48, slot); ownedId(rng, '', 36, slot, 'lower') // a Gemini batch's id
 */
export function ownedId(rng: SeededRandom, prefix: string, length: number, owner: number, digits: IdDigits = 'mixed'): string {
  const a = ALPHABETS[digits];
  const id = randomId(rng, prefix, length, a.codes);
  const n = id.length;
  const code = (owner + offsetOf(a, id, n)) % a.span;
  return id.slice(0, n - 2) + String.fromCharCode(a.codes[Math.floor(code / a.base)]!, a.codes[code % a.base]!);
}

/**
 * An owned id without the two digits that name its owner: what the same seed and requests draw on
 * any `--threads`. A source seeded from an id (a response's input item ids, a batch's output file
 * and line ids) hashes this, or everything drawn from it changes with the thread the kernel picked.
 */
export const withoutOwner = (id: string): string => id.slice(0, -2);

/** The thread an id of `digits` names, or undefined for an id no thread of `threads` could have made. */
export function ownerOf(id: string, threads: number, digits: IdDigits): number | undefined {
  const a = ALPHABETS[digits];
  const n = id.length;
  if (n < 4) return undefined;
  const c = digit(a, id, n - 2);
  const d = digit(a, id, n - 1);
  if (digit(a, id, n - 4) < 0 || digit(a, id, n - 3) < 0 || c < 0 || d < 0) return undefined;
  const owner = (c * a.base + d - offsetOf(a, id, n) + a.span) % a.span;
  return owner < threads ? owner : undefined;
}
