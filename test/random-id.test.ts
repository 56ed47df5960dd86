/**
 * `randomId` is on every request's path and was rewritten for speed (no floating-point modulo, no
 * native write of the prefix). Ids are part of a seeded run's output, so the rewrite must draw the
 * very same ids: this compares it with the plain definition, digit by digit, in both alphabets.
 */
import { describe, expect, it } from 'vitest';
import { randomId } from '../src/server/answer.js';
import { SeededRandom } from '../src/timing/random.js';

const MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The definition: five base-`digits.length` digits per 32-bit draw, least significant first. */
function reference(rng: SeededRandom, prefix: string, length: number, digits: string): string {
  let id = prefix;
  for (let i = 0; i < length; i += 5) {
    let u = rng.nextUint32();
    for (let d = 0; d < Math.min(5, length - i); d++) {
      id += digits[u % digits.length];
      u = Math.floor(u / digits.length);
    }
  }
  return id;
}

describe('randomId', () => {
  it.each([
    ['chatcmpl-', 29, MIXED],
    ['trc_', 24, MIXED],
    ['', 23, MIXED],
    ['gAAAAAB', 320, MIXED],
    ['', 36, LOWER],
  ])('draws what the definition draws (prefix %j, %i digits, base %#)', (prefix, length, digits) => {
    const codes = Buffer.from(digits, 'latin1');
    for (let seed = 0; seed < 2_000; seed++) {
      const got = digits === MIXED ? randomId(new SeededRandom(seed), prefix, length) : randomId(new SeededRandom(seed), prefix, length, codes);
      expect(got).toBe(reference(new SeededRandom(seed), prefix, length, digits));
    }
  });

  it('leaves the source where the definition leaves it', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    randomId(a, 'call_', 24);
    reference(b, 'call_', 24, MIXED);
    expect(a.nextUint32()).toBe(b.nextUint32());
  });
});
