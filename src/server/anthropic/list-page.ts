/**
 * Anthropic's two ways of paging a list. The older one (message batches, models, and the Files API
 * under its `files-api-2025-04-14` beta) answers `data`, `has_more`, `first_id` and `last_id`, and
 * takes `after_id` or `before_id`; the Files API since it left beta answers `data` and an opaque
 * `next_page` cursor, which the SDK's `PageCursor` sends back as `page`.
 */

/** An item of a list: its id and its JSON, newest first. */
export interface PageItem {
  readonly id: string;
  readonly json: string;
}

export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 20;

/** `limit` as Anthropic reads it: 1–1000, 20 when absent or not a number. */
export function limitOf(q: URLSearchParams): number {
  return Math.min(MAX_LIMIT, Math.max(1, Number(q.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT));
}

/** A page newest first: `limit` items after `after_id` or before `before_id`. */
export function idPage(items: readonly PageItem[], query: string): string {
  const q = new URLSearchParams(query);
  const limit = limitOf(q);
  const ids = items.map((i) => i.id);
  const after = q.get('after_id');
  const before = q.get('before_id');
  let from = 0;
  let to = items.length;
  if (after !== null) from = ids.indexOf(after) + 1;
  if (before !== null) {
    const at = ids.indexOf(before);
    to = at < 0 ? items.length : at;
    from = Math.max(from, to - limit);
  }
  const page = items.slice(from, Math.min(to, from + limit));
  const hasMore = before !== null ? from > 0 : from + page.length < to;
  return `{"data":[${page.map((i) => i.json).join(',')}],"has_more":${hasMore},"first_id":${JSON.stringify(page[0]?.id ?? null)},"last_id":${JSON.stringify(page[page.length - 1]?.id ?? null)}}`;
}

const CURSOR_PREFIX = 'page_';

/**
 * The cursor of the page after an item: its place in the run's order of stores (base64url, so a
 * client treats it as opaque). A place rather than an id, so that a cursor still works when the
 * item it ends at is deleted before the next page is asked for.
 */
export function cursorAfter(seq: number): string {
  return CURSOR_PREFIX + Buffer.from(String(seq), 'utf8').toString('base64url');
}

/** The place a `page` cursor continues after, or undefined for a cursor this server did not make. */
export function cursorSeq(cursor: string): number | undefined {
  if (!cursor.startsWith(CURSOR_PREFIX)) return undefined;
  const text = Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8');
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/** A page newest first: `limit` items older than the place `afterSeq` (the first page when undefined); `next_page` null on the last. */
export function cursorPage(items: readonly (PageItem & { readonly seq: number })[], afterSeq: number | undefined, limit: number): string {
  const from = afterSeq === undefined ? 0 : items.findIndex((i) => i.seq < afterSeq);
  const page = from < 0 ? [] : items.slice(from, from + limit);
  const next = from >= 0 && from + page.length < items.length ? cursorAfter(page[page.length - 1]!.seq) : null;
  return `{"data":[${page.map((i) => i.json).join(',')}],"next_page":${JSON.stringify(next)}}`;
}
