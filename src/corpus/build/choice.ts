/**
 * Seeded choices over arrays: every pick the generator makes goes through these, so one
 * `SeededRandom` per entry decides everything about that entry.
 */
import type { SeededRandom } from '../../timing/random.js';

/** One element, uniformly. Throws on an empty list: a phrase bank must never be empty. */
export function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick: the list is empty');
  return items[rng.int(items.length)]!;
}

/** `count` distinct elements in random order (all of them when `count` ≥ length). */
export function pickDistinct<T>(rng: SeededRandom, items: readonly T[], count: number): T[] {
  return shuffle(rng, items).slice(0, Math.max(0, count));
}

/** A shuffled copy (Fisher-Yates). */
export function shuffle<T>(rng: SeededRandom, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

/** A key of `weights`, with probability proportional to its weight. */
export function weighted<K extends string>(rng: SeededRandom, weights: Readonly<Record<K, number>>): K {
  const keys = Object.keys(weights) as K[];
  let total = 0;
  for (const k of keys) total += weights[k];
  let x = rng.next() * total;
  for (const k of keys) {
    x -= weights[k];
    if (x < 0) return k;
  }
  return keys[keys.length - 1]!;
}

/** Uniform integer in [min, max], both inclusive. */
export function intBetween(rng: SeededRandom, min: number, max: number): number {
  return min + rng.int(max - min + 1);
}

/** True with probability `p`. */
export function chance(rng: SeededRandom, p: number): boolean {
  return rng.next() < p;
}
