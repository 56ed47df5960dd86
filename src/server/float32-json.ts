/**
 * float32 values as JSON numbers, the way the embeddings APIs send them: each value is the shortest
 * decimal that reads back as the same float32 (`0.0023064255`, not float64's `0.002306425478309393`),
 * that is `v.toPrecision(p)` for the fewest digits p with `Math.fround(Number(…)) === v`, printed as
 * JavaScript prints that number (`String(Number(…))`: no trailing zeros, an exponent below 1e-6
 * and from 1e21).
 * Pure and synchronous, so the embedding pool's workers and the server threads give the same bytes.
 *
 * The digits come from exact integer work on a scaled copy of the value rather than from
 * `toPrecision` and `Number` per candidate, which cost 4.5× `JSON.stringify` of the same numbers:
 * the value is scaled to nine integer digits in float64 (error below 1e-6 of a unit), each
 * candidate's digits are that integer rounded, and a candidate round-trips when it lies inside the
 * value's float32 rounding interval, scaled the same way. A value whose scaled copy, or whose
 * interval's ends, lie too near a rounding boundary for that error to be ruled out takes the
 * `toPrecision` search instead, so every result is the one the definition gives.
 */

/**
 * How near a rounding boundary, in units of the ninth digit, the scaled value or an interval end
 * may be before the search decides: each carries a float64 error of about 1e9 × 2^-52 = 2.2e-7.
 */
const EPS = 1e-5;

/** 10^j as float64, correctly rounded (exact up to 10^22). */
const POW10 = Float64Array.from({ length: 61 }, (_, j) => Number(`1e${j}`));

/** 10^j for the nine digits: 1 … 10^9. */
const INT10 = Int32Array.from({ length: 10 }, (_, j) => 10 ** j);

/** floor(log10(2^(ef − 127))) for each normal exponent field: a first guess, corrected by one. */
const E10_GUESS = Int32Array.from({ length: 255 }, (_, ef) => Math.floor((ef - 127) * Math.log10(2)));

/** Half the gap between a float32 of each exponent field and the next one up. */
const HALF_ULP = Float64Array.from({ length: 255 }, (_, ef) => 2 ** ((ef === 0 ? -149 : ef - 150) - 1));

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * The most bytes one value takes: a sign and 21 digits (numbers below 1e21 print without an
 * exponent: `-123456790000000000000`).
 */
export const FLOAT32_JSON_MAX_BYTES = 22;

/** What one value takes with its comma in a dense unit vector (`-0.012345678,`): for sizing a body. */
export const FLOAT32_JSON_TYPICAL_BYTES = 13;

/** The definition itself, over `toPrecision`: for values near a rounding boundary, and for tests. */
export function float32JsonSearch(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return 'null';
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** x × 10^s: one rounding where 10^|s| is exact (|s| ≤ 22), two otherwise. */
function scaled(x: number, s: number): number {
  return s >= 0 ? x * POW10[s]! : x / POW10[-s]!;
}

function writeAscii(s: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}

function digitCount(n: number): number {
  let d = 1;
  while (d < 10 && n >= INT10[d]!) d++;
  return d;
}

/** Writes `n`'s decimal digits (`count` of them) at `at`, a `.` before digit `point` when 0 < point < count. */
function writeDigits(n: number, count: number, point: number, out: Uint8Array, at: number): number {
  const dotted = point > 0 && point < count;
  let end = at + count + (dotted ? 1 : 0);
  const last = end;
  for (let k = count - 1; k >= 0; k--) {
    if (dotted && k === point - 1) out[--end] = 0x2e;
    const q = (n / 10) | 0;
    out[--end] = 0x30 + n - q * 10;
    n = q;
  }
  return last;
}

/** Writes `digits × 10^exp` (digits: an integer of 1–9 digits, no trailing zeros) as JavaScript prints it. */
function writeDecimal(digits: number, exp: number, negative: boolean, out: Uint8Array, at: number): number {
  if (negative) out[at++] = 0x2d;
  const count = digitCount(digits);
  const point = count + exp; // the value is 0.<digits> × 10^point
  if (point >= count && point <= 21) {
    at = writeDigits(digits, count, 0, out, at);
    for (let i = count; i < point; i++) out[at++] = 0x30;
    return at;
  }
  if (point > 0 && point <= 21) return writeDigits(digits, count, point, out, at);
  if (point > -6 && point <= 0) {
    out[at++] = 0x30;
    out[at++] = 0x2e;
    for (let i = point; i < 0; i++) out[at++] = 0x30;
    return writeDigits(digits, count, 0, out, at);
  }
  at = writeDigits(digits, count, count > 1 ? 1 : 0, out, at);
  out[at++] = 0x65;
  const e = point - 1;
  out[at++] = e < 0 ? 0x2d : 0x2b;
  const abs = e < 0 ? -e : e;
  return writeDigits(abs, digitCount(abs), 0, out, at);
}

/**
 * The p-digit candidate of a value scaled to `whole + frac` (nine integer digits; frac clear of 0,
 * ½ and 1 by EPS) whose rounding interval is (lo, hi) on the same scale: its digits when it lies
 * inside, 0 when it lies outside, -1 when it lies within EPS of an end and only the search can tell.
 */
function candidate(whole: number, frac: number, p: number, lo: number, hi: number): number {
  const unit = INT10[9 - p]!;
  const q = (whole / unit) | 0;
  // toPrecision's rounding, exactly: frac is strictly inside (0, 1) and not ½, so for p < 9 the
  // rest alone decides, and for p = 9 frac does.
  const digits = q + (p === 9 ? (frac > 0.5 ? 1 : 0) : (whole - q * unit) * 2 >= unit ? 1 : 0);
  const c = digits * unit;
  const below = c - lo;
  const above = hi - c;
  if (below < EPS && below > -EPS) return -1;
  if (above < EPS && above > -EPS) return -1;
  return below > 0 && above > 0 ? digits : 0;
}

/**
 * Writes the float32 whose bits are `bits` (`v` is the same value as a number) at `at` and returns
 * the offset after it: at most {@link FLOAT32_JSON_MAX_BYTES} bytes.
 */
function writeFloat32(v: number, bits: number, out: Uint8Array, at: number): number {
  if ((bits & 0x7fffffff) === 0) {
    out[at] = 0x30;
    return at + 1;
  }
  const ef = (bits >>> 23) & 0xff;
  if (ef === 0xff) return writeAscii(float32JsonSearch(v), out, at);
  const a = v < 0 ? -v : v;
  // Scale the value to nine integer digits: t ≈ a × 10^(8 − e10) in [1e8, 1e9).
  let e10 = ef === 0 ? Math.floor(Math.log10(a)) : E10_GUESS[ef]!;
  let t = scaled(a, 8 - e10);
  if (t >= 1e9) t = scaled(a, 8 - ++e10);
  else if (t < 1e8) t = scaled(a, 8 - --e10);
  // Out of range still only for a value within the error of a power of ten: the search decides.
  if (!(t >= 1e8 && t < 1e9)) return writeAscii(float32JsonSearch(v), out, at);
  const whole = t | 0;
  const frac = t - whole;
  if (frac < EPS || frac > 1 - EPS || (frac > 0.5 - EPS && frac < 0.5 + EPS)) return writeAscii(float32JsonSearch(v), out, at);
  const up = scaled(HALF_ULP[ef]!, 8 - e10);
  // Below a power of two the gap to the next value down is half as wide.
  const lopsided = (bits & 0x7fffff) === 0 && ef > 1;
  const lo = t - (lopsided ? up / 2 : up);
  const hi = t + up;
  let p = 8;
  let digits = 0;
  if (lopsided) {
    // A nearer candidate may fall on the narrow side and fail where a farther one passed: try all.
    for (p = 1; p <= 9; p++) {
      digits = candidate(whole, frac, p, lo, hi);
      if (digits !== 0) break;
    }
  } else {
    // The interval is symmetric, and each extra digit brings the candidate no farther from the
    // value, so once p digits pass, every longer candidate does: search down from 8.
    digits = candidate(whole, frac, 8, lo, hi);
    if (digits === 0) {
      p = 9;
      digits = candidate(whole, frac, 9, lo, hi);
    } else if (digits > 0) {
      while (p > 1) {
        const shorter = candidate(whole, frac, p - 1, lo, hi);
        if (shorter === 0) break;
        digits = shorter; // -1 sends the value to the search below
        if (shorter < 0) break;
        p--;
      }
    }
  }
  if (digits <= 0) return writeAscii(float32JsonSearch(v), out, at);
  let exp = e10 + 1 - p;
  for (let q = (digits / 10) | 0; q * 10 === digits; q = (digits / 10) | 0) {
    digits = q;
    exp++;
  }
  return writeDecimal(digits, exp, v < 0, out, at);
}

const ONE = Buffer.allocUnsafe(FLOAT32_JSON_MAX_BYTES);

/**
 * One value, read as a float32 (`Math.fround(v)`), as its shortest round-tripping JSON number.
 *
 * @example float32Json(Math.fround(0.1)) // '0.1', where String(Math.fround(0.1)) is '0.10000000149011612'
 */
export function float32Json(v: number): string {
  F32[0] = v;
  return ONE.toString('latin1', 0, writeFloat32(F32[0], U32[0]!, ONE, 0));
}

/**
 * A JSON body with float32 arrays in it, written as it is built into memory that grows as needed,
 * then copied out at its exact length.
 */
export class Float32JsonBody {
  #buf: Buffer;
  #at = 0;

  /** `estimateBytes`: what the body is expected to take; a larger body grows the buffer. */
  constructor(estimateBytes: number) {
    this.#buf = Buffer.allocUnsafeSlow(Math.max(64, estimateBytes));
  }

  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#buf.length * 2, this.#at + bytes));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }

  /** Text with only ASCII characters (JSON punctuation, keys, numbers). */
  ascii(s: string): void {
    this.#room(s.length);
    this.#at += this.#buf.write(s, this.#at, 'latin1');
  }

  utf8(s: string): void {
    this.#room(Buffer.byteLength(s, 'utf8'));
    this.#at += this.#buf.write(s, this.#at, 'utf8');
  }

  /** `[v0,v1,…]`, each value its shortest round-tripping decimal. */
  float32Array(values: Float32Array): void {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    // Room for one more value, its comma and the closing bracket, checked per value: a body sized
    // for the worst case would be nearly twice the usual.
    const step = FLOAT32_JSON_MAX_BYTES + 2;
    this.#room(1 + step);
    let out = this.#buf;
    let at = this.#at;
    out[at++] = 0x5b;
    for (let i = 0; i < values.length; i++) {
      if (at + step > out.length) {
        this.#at = at;
        this.#room(step);
        out = this.#buf;
      }
      if (i > 0) out[at++] = 0x2c;
      at = writeFloat32(values[i]!, bits[i]!, out, at);
    }
    out[at++] = 0x5d;
    this.#at = at;
  }

  /** The body, in unpooled memory of its own length, so it can be transferred from a pool worker. */
  finish(): Buffer {
    const body = Buffer.allocUnsafeSlow(this.#at);
    this.#buf.copy(body, 0, 0, this.#at);
    return body;
  }
}
