/**
 * float32 values as their shortest round-tripping JSON numbers (`src/server/float32-json.ts`):
 * chosen values by the digits they need and the forms JavaScript prints, then seeded random bit
 * patterns against the definition, then the body writer the embeddings encoders use.
 */
import { describe, expect, it } from 'vitest';
import { float32Json, float32JsonSearch, Float32JsonBody, FLOAT32_JSON_MAX_BYTES } from '../src/server/float32-json.js';
import { SeededRandom } from '../src/timing/random.js';

const BITS = new Uint32Array(1);
const FLOAT = new Float32Array(BITS.buffer);

function fromBits(bits: number): number {
  BITS[0] = bits;
  return FLOAT[0]!;
}

/** Significant digits of a printed number: `-0.00120e-5` has 2. */
function significantDigits(s: string): number {
  const mantissa = s.replace(/^-/, '').split('e')[0]!.replace('.', '');
  return mantissa.replace(/^0+/, '').replace(/0+$/, '').length;
}

/**
 * What the definition asks of every finite value's output, as a failure message or undefined:
 * plain checks, not one expect() each, so that tens of thousands of values take a second.
 */
function shortestRoundTripFailure(v: number): string | undefined {
  const out = float32Json(v);
  if (Math.fround(Number(out)) !== v) return `${v}: ${out} reads back as ${Math.fround(Number(out))}`;
  const p = significantDigits(out);
  if (p < 1 || p > 9) return `${v}: ${out} has ${p} digits`;
  for (let q = 1; q < p; q++) if (Math.fround(Number(v.toPrecision(q))) === v) return `${v}: ${out}, but ${v.toPrecision(q)} reads back too`;
  if (out !== String(Number(v.toPrecision(p)))) return `${v}: ${out}, not toPrecision(${p})`;
  return undefined;
}

function expectShortestRoundTrip(values: Iterable<number>): void {
  const failures: string[] = [];
  for (const v of values) {
    const failure = shortestRoundTripFailure(v);
    if (failure !== undefined) failures.push(failure);
  }
  expect(failures).toEqual([]);
}

describe('float32Json', () => {
  it.each([
    // [float32 as float64, output, significant digits]
    [Math.fround(0.1), '0.1', 1],
    [Math.fround(0.3), '0.3', 1],
    [1, '1', 1],
    [0.25, '0.25', 2],
    [Math.fround(0.123456), '0.123456', 6],
    [Math.fround(0.1234567), '0.1234567', 7],
    [Math.fround(-0.009327292), '-0.009327292', 7],
    [Math.fround(0.12345678), '0.12345678', 8],
    [Math.fround(0.0023064255), '0.0023064255', 8],
    [Math.fround(0.015797347), '0.015797347', 8],
    [Math.fround(1 / 3), '0.33333334', 8],
    [0.3276732265949249, '0.32767323', 8],
    [fromBits(0x3c23d70e), '0.0100000035', 9],
    [fromBits(0x3c23d72b), '0.0100000305', 9],
    [16777218, '16777218', 8],
    [100000008, '100000010', 8],
  ])('prints %d as %s (%i digits)', (v, out, digits) => {
    expect(Math.fround(v)).toBe(v);
    expect(float32Json(v)).toBe(out);
    expect(significantDigits(out)).toBe(digits);
    expectShortestRoundTrip([v]);
  });

  it('prints 0 and -0 as 0', () => {
    expect(float32Json(0)).toBe('0');
    expect(float32Json(-0)).toBe('0');
    expect(float32Json(fromBits(0x80000000))).toBe('0');
  });

  it('prints the largest float32s and the subnormals', () => {
    const max = fromBits(0x7f7fffff);
    expect(float32Json(max)).toBe('3.4028235e+38');
    expect(float32Json(-max)).toBe('-3.4028235e+38');
    expect(float32Json(2 ** -149)).toBe('1e-45');
    expect(float32Json(-(2 ** -149))).toBe('-1e-45');
    expect(float32Json(3 * 2 ** -149)).toBe('4e-45');
    expect(float32Json(2 ** -126 - 2 ** -149)).toBe('1.1754942e-38');
    expect(float32Json(2 ** -126)).toBe('1.1754944e-38');
    expectShortestRoundTrip([max, -max, 2 ** -149, 3 * 2 ** -149, 2 ** -126 - 2 ** -149, 2 ** -126, fromBits(0x00012345), fromBits(0x807fffff)]);
  });

  it('writes exponents where JavaScript does: below 1e-6 and from 1e21', () => {
    expect(float32Json(Math.fround(1e-7))).toBe('1e-7');
    expect(float32Json(Math.fround(-1.5e-7))).toBe('-1.5e-7');
    expect(float32Json(2 ** -20)).toBe('9.536743e-7');
    expect(float32Json(Math.fround(1e-6))).toBe('0.000001');
    expect(float32Json(Math.fround(1.2e-6))).toBe('0.0000012');
    expect(float32Json(Math.fround(1e20))).toBe('100000000000000000000');
    expect(float32Json(Math.fround(1e21))).toBe('1e+21');
    expect(float32Json(2 ** 70)).toBe('1.1805916e+21');
    for (const out of ['1e-7', '-1.5e-7', '9.536743e-7', '1e+21', '1.1805916e+21', '3.4028235e+38']) expect(JSON.parse(out)).toBe(Number(out));
  });

  it('reads a number that is not a float32 as its float32', () => {
    expect(float32Json(Math.PI)).toBe('3.1415927');
    expect(float32Json(0.1)).toBe('0.1');
  });

  it('prints what JSON.stringify does for values JSON has no number for', () => {
    for (const v of [Number.NaN, Infinity, -Infinity]) expect(float32Json(v)).toBe(JSON.stringify(v));
  });

  it('gives the shortest round trip for seeded random bit patterns', () => {
    const rng = new SeededRandom(20_261_207);
    const values: number[] = [];
    while (values.length < 100_000) {
      const v = fromBits(rng.nextUint32());
      if (Number.isFinite(v)) values.push(v);
    }
    expectShortestRoundTrip(values);
  });

  it('gives the shortest round trip for random values in an embedding’s range', () => {
    // Most random bit patterns are far from 1: these are the exponents a unit vector's values have.
    const rng = new SeededRandom(7);
    expectShortestRoundTrip(Array.from({ length: 100_000 }, () => Math.fround((rng.next() - 0.5) * 0.4)));
  });

  it('gives the definition’s answer at every power of two and its neighbours', () => {
    // Below a power of two the rounding interval is half as wide: the one place a shorter
    // candidate can pass where a longer one fails.
    for (let ef = 0; ef < 255; ef++) {
      for (const bits of [ef << 23, (ef << 23) + 1, (ef << 23) - 1]) {
        if (bits < 0 || bits >= 0x7f800000) continue;
        const v = fromBits(bits);
        expect(float32Json(v)).toBe(float32JsonSearch(v));
        expect(float32Json(-v)).toBe(float32JsonSearch(-v));
      }
    }
  });

  it('agrees with the toPrecision search near the boundaries the fast path leaves to it', () => {
    // Values whose scaled digits land on or next to a rounding boundary: short decimals and
    // powers of ten, with their neighbours.
    for (const x of [1, 10, 100, 1e8, 1e9, 1e10, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-10, 0.5, 0.125, 1.5, 2.5, 1e30, 1e-30]) {
      const v = Math.fround(x);
      BITS[0] = 0;
      FLOAT[0] = v;
      const bits = BITS[0];
      const near = [bits - 2, bits - 1, bits, bits + 1, bits + 2].map(fromBits);
      expect(near.map(float32Json)).toEqual(near.map(float32JsonSearch));
      expectShortestRoundTrip(near);
    }
  });
});

describe('Float32JsonBody', () => {
  it('writes arrays, text and UTF-8 into a body of its exact length', () => {
    const values = Float32Array.from([0.1, -0.2, 0, 1e-7, 3]);
    const body = new Float32JsonBody(0);
    body.ascii('{"a":');
    body.float32Array(values);
    body.ascii(',"b":');
    body.float32Array(new Float32Array(0));
    body.ascii(',"model":');
    body.utf8('"café"');
    body.ascii('}');
    const bytes = body.finish();
    expect(bytes.toString('utf8')).toBe('{"a":[0.1,-0.2,0,1e-7,3],"b":[],"model":"café"}');
    expect(bytes.buffer.byteLength).toBe(bytes.length);
  });

  it('grows past its estimate, and its numbers read back as the float32s', () => {
    const rng = new SeededRandom(3);
    const values = Float32Array.from({ length: 5000 }, () => (rng.next() - 0.5) * 1e-6);
    const body = new Float32JsonBody(16);
    body.float32Array(values.subarray(0, 2500));
    body.ascii(',');
    body.float32Array(values.subarray(2500));
    const text = `[${body.finish().toString('latin1')}]`;
    const parsed = JSON.parse(text) as number[][];
    expect(Float32Array.from(parsed.flat())).toEqual(values);
    expect(text.length).toBeLessThan(values.length * (FLOAT32_JSON_MAX_BYTES + 1));
  });
});
