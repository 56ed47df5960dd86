/**
 * Counting an inline PDF runs on the server thread before any answer: its work must grow with the
 * PDF, whatever the bytes. A 5 MB PDF of empty text objects (`BT ET`, then one string at the end)
 * held a thread 54 s, each text object searching the rest of the stream for its first string.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countPdf } from '../src/server/pdf-tokens.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('PDF counting cost', () => {
  it('reads a stream of many empty text objects in one pass', () => {
    const n = 20_000;
    const pdf = Buffer.from(`%PDF-1.4\n1 0 obj\n<< /Length 5 >>\nstream\n${'BT ET '.repeat(n)}BT (last words) Tj ET\nendstream\nendobj\n%%EOF`, 'latin1');
    // Characters String#indexOf passes over, in all: the measure of the scan's work.
    let scanned = 0;
    const indexOf = String.prototype.indexOf; // eslint-disable-line @typescript-eslint/unbound-method
    vi.spyOn(String.prototype, 'indexOf').mockImplementation(function (this: string, search: string, from?: number) {
      const found = indexOf.call(this, search, from);
      scanned += (found < 0 ? this.length : found) - Math.max(0, from ?? 0);
      return found;
    });
    const count = countPdf(pdf);
    vi.restoreAllMocks();
    expect(count).toEqual({ pages: 1, textTokens: countPdf(Buffer.from('%PDF-1.4\nstream\nBT (last words) Tj ET\nendstream', 'latin1'))!.textTokens });
    expect(count!.textTokens).toBeGreaterThan(0);
    expect(scanned).toBeLessThan(20 * pdf.length);
  });
});
