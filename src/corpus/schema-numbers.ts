/**
 * Numbers and integers for the schema instance generator: `minimum`/`maximum`, both spellings of
 * exclusive bounds, and `multipleOf`, checked the way validators check it (Ajv accepts `x` when
 * `x / multipleOf` is an integer in floating point, so 0.3 is not a multiple of 0.1 there).
 */
import type { SchemaConstraints } from './schema-keywords.js';
import type { SeededRandom } from '../timing/random.js';

/** Width of the range drawn from when a side is unbounded, so values look like counts and scores. */
const OPEN_RANGE_WIDTH = 100;
/** Widest range drawn from as given; wider ones are narrowed (see `window`). */
const MAX_SPAN = 2 ** 52;
/** Draws tried when looking for a multiple that survives the floating-point check. */
const MULTIPLE_TRIES = 32;

type NumericBounds = Pick<SchemaConstraints, 'lower' | 'lowerExclusive' | 'upper' | 'upperExclusive' | 'multipleOf'>;

function inBounds(v: number, b: NumericBounds): boolean {
  if (!Number.isFinite(v)) return false;
  if (b.lowerExclusive ? v <= b.lower : v < b.lower) return false;
  return b.upperExclusive ? v < b.upper : v <= b.upper;
}

/** The finite window values are drawn from: the bounds, with an open side `OPEN_RANGE_WIDTH` wide. */
function window(lower: number, upper: number): [number, number] {
  if (lower === -Infinity && upper === Infinity) return [0, OPEN_RANGE_WIDTH];
  if (lower === -Infinity) return [upper - OPEN_RANGE_WIDTH, upper];
  if (upper === Infinity) return [lower, lower + OPEN_RANGE_WIDTH];
  // A span past 2^52 (say ±1e308) draws values no one writes; draw near zero, or near the bound.
  if (!(upper - lower <= MAX_SPAN)) {
    if (lower <= 0 && upper >= 0) return [Math.max(lower, 0), Math.min(upper, OPEN_RANGE_WIDTH)];
    return lower > 0 ? [lower, lower + MAX_SPAN] : [upper - MAX_SPAN, upper];
  }
  return [lower, upper];
}

/** Uniform in [lo, hi] without overflowing when the span exceeds the largest double. */
function between(rng: SeededRandom, lo: number, hi: number): number {
  const r = rng.next();
  return lo + r * hi - r * lo;
}

function decimals(x: number): number {
  const text = String(x);
  const e = text.indexOf('e-');
  if (e >= 0) return Math.min(100, Number(text.slice(e + 2)) + (text.split('.')[1]?.split('e')[0]?.length ?? 0));
  return text.split('.')[1]?.length ?? 0;
}

/**
 * A multiple of `step` in bounds that passes the division check, or `undefined` when the bounds
 * hold none (or none that floating point can represent exactly).
 */
function multipleInBounds(rng: SeededRandom, b: NumericBounds, step: number, integer: boolean): number | undefined {
  const [lo, hi] = window(b.lower, b.upper);
  const kMin = Math.ceil(lo / step);
  const kMax = Math.floor(hi / step);
  if (!(kMin <= kMax) || !Number.isFinite(kMax - kMin)) return undefined;
  const start = kMin + Math.floor(between(rng, 0, kMax - kMin));
  const places = Math.min(20, decimals(step));
  for (let i = 0; i < MULTIPLE_TRIES; i++) {
    // Walk outward from the draw: start, start+1, start-1, start+2, ...
    const k = start + (i % 2 === 0 ? i / 2 : -(i + 1) / 2);
    if (k < kMin || k > kMax) continue;
    const raw = k * step;
    for (const v of [Number(raw.toFixed(places)), raw]) {
      if (inBounds(v, b) && Number.isInteger(v / step) && (!integer || Number.isInteger(v))) return v === 0 ? 0 : v;
    }
  }
  return undefined;
}

/** An integer satisfying the bounds and `multipleOf`, or the nearest effort when none exists. */
export function integerFromConstraints(rng: SeededRandom, b: NumericBounds): number {
  const lower = b.lowerExclusive ? Math.floor(b.lower) + 1 : Math.ceil(b.lower);
  const upper = b.upperExclusive ? Math.ceil(b.upper) - 1 : Math.floor(b.upper);
  const bounds: NumericBounds = { ...b, lower, upper, lowerExclusive: false, upperExclusive: false };
  if (b.multipleOf !== undefined) {
    // An integer multiple of a fractional step (0.5) is a multiple of the smallest integer one (1).
    let step = b.multipleOf;
    for (let j = 2; !Number.isInteger(step) && j <= 1000; j++) step = b.multipleOf * j;
    const v = Number.isInteger(step) ? multipleInBounds(rng, bounds, step, true) : undefined;
    if (v !== undefined) return v;
  }
  const [lo, hi] = window(lower, upper);
  if (lo > hi) return Number.isFinite(lower) ? lower : Number.isFinite(upper) ? upper : 0;
  const v = Math.min(hi, Math.max(lo, lo + Math.floor(between(rng, 0, hi - lo + 1))));
  return v === 0 ? 0 : v;
}

/** A number satisfying the bounds and `multipleOf`, with two decimals when the range allows. */
export function numberFromConstraints(rng: SeededRandom, b: NumericBounds): number {
  if (b.multipleOf !== undefined) {
    const v = multipleInBounds(rng, b, b.multipleOf, false);
    if (v !== undefined) return v;
  }
  const [lo, hi] = window(b.lower, b.upper);
  const raw = between(rng, lo, hi);
  const candidates = [Math.round(raw * 100) / 100, raw, lo / 2 + hi / 2, hi - Math.abs(hi) * 4 * Number.EPSILON];
  for (const v of candidates) if (inBounds(v, b)) return v === 0 ? 0 : v;
  // Bounds that hold no double (or contradict): the lower bound is the nearest effort.
  return Number.isFinite(lo) ? lo : 0;
}
