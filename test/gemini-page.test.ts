import { describe, expect, it } from 'vitest';
import { geminiPage } from '../src/server/gemini/reply.js';

type Page = { items?: unknown[]; nextPageToken?: string };

/** Every page a pager would read, following nextPageToken. */
function pages(entries: readonly { json: string }[], pageSize: number, maxChars?: number): Page[] {
  const out: Page[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ pageSize: String(pageSize), ...(token === undefined ? {} : { pageToken: token }) });
    const page = JSON.parse(geminiPage(entries, query, 'items', 1000, maxChars)) as Page;
    out.push(page);
    token = page.nextPageToken;
  } while (token !== undefined);
  return out;
}

describe('geminiPage', () => {
  const entries = Array.from({ length: 7 }, (_, i) => ({ json: JSON.stringify({ i, pad: 'x'.repeat(i % 3 === 0 ? 90 : 10) }) }));

  it('pages by count, the last page without a token, an empty list as {}', () => {
    const read = pages(entries, 3);
    expect(read.map((p) => p.items?.length)).toEqual([3, 3, 1]);
    expect(read.at(-1)!.nextPageToken).toBeUndefined();
    expect(geminiPage([], new URLSearchParams(), 'items', 1000)).toBe('{}');
  });

  it('ends a page early once its entries pass the character budget, at least one a page, and the token goes on from there', () => {
    // Entries of about 30 and 110 characters against a budget of 150: pages shrink, none is lost.
    const read = pages(entries, 10, 150);
    expect(read.every((p) => (p.items?.length ?? 0) >= 1)).toBe(true);
    expect(read.some((p) => (p.items?.length ?? 0) < 7)).toBe(true);
    expect(read.flatMap((p) => p.items)).toEqual(entries.map((e) => JSON.parse(e.json) as unknown));
    for (const p of read) if ((p.items?.length ?? 0) > 1) expect(JSON.stringify(p.items).length).toBeLessThanOrEqual(150 + 2);
    // One entry larger than the whole budget still makes a page of its own.
    expect(pages(entries, 10, 5).map((p) => p.items?.length)).toEqual(Array(7).fill(1));
  });
});
