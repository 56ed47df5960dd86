/** Gemini response headers, error replies and the API-key check. */
import type { ErrorKind, RouteId } from '../../metrics/counters.js';
import type { RequestInfo } from '../http-exchange.js';
import type { JsonReply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { API_KEY_INVALID, API_KEY_MISSING, geminiErrorBody, type GeminiError } from './errors.js';

/** The content type Google's front end sends with JSON bodies. */
export const JSON_TYPE = 'application/json; charset=UTF-8';

/** Headers the Gemini API sends (it has no request-id header); `server-timing` carries the processing time. */
export function geminiHeaders(processingMs: number, extra: readonly string[] = []): string[] {
  return [
    'vary', 'Origin, X-Origin, Referer',
    'server-timing', `gfet4t7; dur=${Math.max(0, Math.round(processingMs))}`,
    'x-content-type-options', 'nosniff',
    ...extra,
  ];
}

export function geminiErrorReply(route: RouteId, err: GeminiError, kind: ErrorKind, modelIndex: number): JsonReply {
  return {
    kind: 'json',
    status: err.code,
    contentType: JSON_TYPE,
    headers: geminiHeaders(0),
    body: geminiErrorBody(err),
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex, errorKind: kind },
  };
}

/** The request's query string, parsed once per request. */
export function queryOf(info: RequestInfo): URLSearchParams {
  return new URLSearchParams(info.query);
}

/** The caller's key: `x-goog-api-key`, else `?key=`; limits are counted per key. */
export function geminiKey(info: RequestInfo, query: URLSearchParams): string {
  return info.xGoogApiKey.length > 0 ? info.xGoogApiKey : (query.get('key') ?? '');
}

/**
 * The key comes in `x-goog-api-key` (every SDK) or `?key=` (REST examples); the header wins.
 * `undefined` when the request may proceed. The key is never logged or echoed.
 */
export function checkGeminiAuth(ctx: ThreadContext, info: RequestInfo, query: URLSearchParams): GeminiError | undefined {
  const key = geminiKey(info, query);
  const accepted = ctx.keyAccepted(key);
  if (accepted === undefined || accepted) return undefined;
  return key.length === 0 ? API_KEY_MISSING : API_KEY_INVALID;
}

/**
 * Characters of entries a page holds past its first. A finished batch's operation can be a few
 * hundred MB of JSON (`./batch-output.ts` bounds one below half of V8's longest string, 2^29 − 24
 * characters), so a page of several would be a string V8 cannot build: the page ends early and
 * its `nextPageToken` goes on from there.
 */
const PAGE_CHARS = 2 ** 28;

/**
 * One page of a Gemini list as JSON (`{"<key>": [...], "nextPageToken"}`): `pageSize` (default
 * 10, at most `maxPageSize`) entries from the `pageToken`'s place, in the order given, fewer when
 * they pass `maxChars` (one at least). The last page has no `nextPageToken`, since the SDK's
 * pager stops only when there is none; an empty list is `{}`, as the API answers it.
 */
export function geminiPage(entries: readonly { readonly json: string }[], query: URLSearchParams, key: string, maxPageSize: number, maxChars = PAGE_CHARS): string {
  const size = Math.min(maxPageSize, Math.max(1, Number(query.get('pageSize') ?? 10) || 10));
  const from = Math.max(0, Number(Buffer.from(query.get('pageToken') ?? '', 'base64url').toString('latin1')) || 0);
  const last = Math.min(entries.length, from + size);
  let end = from;
  for (let chars = 0; end < last; end++) {
    chars += entries[end]!.json.length + 1;
    if (end > from && chars > maxChars) break;
  }
  const page = entries.slice(from, end);
  const next = end < entries.length ? `,"nextPageToken":"${Buffer.from(String(end), 'latin1').toString('base64url')}"` : '';
  return page.length === 0 && next === '' ? '{}' : `{"${key}":[${page.map((e) => e.json).join(',')}]${next}}`;
}
