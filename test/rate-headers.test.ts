import { describe, expect, it } from 'vitest';
import { goDuration, rfc3339After } from '../src/quota/rate-headers.js';
import { SeededRandom } from '../src/timing/random.js';

/** The straightforward formatting the table-based one replaced, kept as the reference. */
function reference(ms: number): string {
  const totalMs = ms > 0 ? Math.round(ms) : 0;
  if (totalMs === 0) return '0s';
  if (totalMs < 1000) return `${totalMs}ms`;
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor((totalMs % 3_600_000) / 60_000);
  const s = (totalMs % 60_000) / 1000;
  const sText = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sText}`;
  if (m > 0) return `${m}m${sText}`;
  return sText;
}

describe('goDuration (OpenAI reset headers)', () => {
  it('writes durations as OpenAI does', () => {
    expect(goDuration(360_000)).toBe('6m0s');
    expect(goDuration(20)).toBe('20ms');
    // Rounded to the millisecond, as every recorded value is: no µs, no fractional ms.
    expect(goDuration(0.216)).toBe('0s');
    expect(goDuration(0.5)).toBe('1ms');
    expect(goDuration(0.9996)).toBe('1ms');
    expect(goDuration(1.0005)).toBe('1ms');
    expect(goDuration(619.2)).toBe('619ms');
    expect(goDuration(7_660)).toBe('7.66s');
    expect(goDuration(1_500)).toBe('1.5s');
    expect(goDuration(3_600_000)).toBe('1h0m0s');
    expect(goDuration(3_661_001)).toBe('1h1m1.001s');
    expect(goDuration(86_116_126)).toBe('23h55m16.126s');
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(-5)).toBe('0s');
    expect(goDuration(Number.NaN)).toBe('0s');
    expect(goDuration(999.9996)).toBe('1s');
  });

  it('matches the reference formatting across magnitudes', () => {
    const rng = new SeededRandom(5);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.exp(rng.next() * 30 - 12);
      expect(goDuration(ms), String(ms)).toBe(reference(ms));
    }
  });
});

describe('rfc3339After (Anthropic reset headers)', () => {
  it('gives whole seconds in UTC, rounding the wait up to the millisecond', () => {
    expect(rfc3339After(Date.UTC(2026, 10, 23, 6, 0, 0), 1_500)).toBe('2026-11-23T06:00:01Z');
    expect(rfc3339After(Date.UTC(2026, 10, 23, 6, 0, 0), -10)).toBe('2026-11-23T06:00:00Z');
  });

  it('matches a fresh Date formatting for many instants (the per-second cache never serves a stale second)', () => {
    const rng = new SeededRandom(9);
    for (let i = 0; i < 5_000; i++) {
      const now = Date.UTC(2026, 0, 1) + Math.floor(rng.next() * 86_400_000);
      const ms = rng.next() * 120_000;
      const want = new Date(now + Math.ceil(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');
      expect(rfc3339After(now, ms)).toBe(want);
    }
  });
});
