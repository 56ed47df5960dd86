import { describe, expect, it } from 'vitest';
import { embedText, embedTokenIds } from '../src/corpus/embedding.js';

const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
const embed = (t: string, dims = 1536): Float32Array => embedText(t, new Float32Array(dims));

describe('embedText', () => {
  it('gives unit vectors of the requested size', () => {
    for (const dims of [256, 1536, 3072]) {
      const v = embed('The quick brown fox', dims);
      expect(v.length).toBe(dims);
      expect(Math.sqrt(cos(v, v))).toBeCloseTo(1, 5);
    }
    expect(Math.sqrt(cos(embed(''), embed('')))).toBeCloseTo(1, 5);
  });

  it('is deterministic', () => {
    expect(Array.from(embed('same text'))).toEqual(Array.from(embed('same text')));
  });

  it('puts similar texts closer than unrelated ones', () => {
    const a = embed('How do I reset my account password?');
    const b = embed('How can I reset the password of my account?');
    const c = embed('Quarterly revenue grew in the European market.');
    expect(cos(a, b)).toBeGreaterThan(0.6);
    expect(cos(a, c)).toBeLessThan(0.25);
    expect(cos(a, b)).toBeGreaterThan(cos(a, c) + 0.4);
  });

  it('embeds token-id input deterministically', () => {
    const v = embedTokenIds([1, 2, 3], new Float32Array(64));
    expect(Array.from(v)).toEqual(Array.from(embedTokenIds([1, 2, 3], new Float32Array(64))));
    expect(Math.sqrt(cos(v, v))).toBeCloseTo(1, 5);
  });
});
