/**
 * Anthropic's Files API (`client.files`, and `client.beta.files`): upload, metadata, list, delete
 * and download under `/v1/files`, the path OpenAI's Files API also takes. The OpenAI routes hand a
 * request here when it carries Anthropic's headers (`isAnthropicRequest`), as the models routes do.
 *
 * Two shapes, as the API answers them since the Files API left beta (SDK 0.122): a request whose
 * `anthropic-beta` names `files-api-2025-04-14` gets the beta shapes (no `expires_at`; a list of
 * `data`, `has_more`, `first_id`, `last_id` paged by `after_id` / `before_id`); any other gets the
 * GA ones (`expires_at`; `data` and a `next_page` cursor, sent back as `page`, or `ids[]`).
 *
 * An uploaded file is `downloadable: false`, as at Anthropic, where only files that skills or the
 * code execution tool write can be downloaded; its download is the API's 400
 * `file_not_downloadable`. Kept byte for byte by the thread that received it, bounded like the
 * other stores; the id names that thread (`../owner-ids.ts`), and a request on another thread asks
 * it (`../owned-routes.ts`). What a Messages request counts for a block naming one is computed at
 * upload (`contentTokens`), and `./file-refs.ts` reads it.
 */
import { countTokens } from '../../corpus/tokens.js';
import { countPdf } from '../pdf-tokens.js';
import { OTHER_MODEL } from '../../metrics/counters.js';
import { BoundedStore } from '../bounded-store.js';
import type { RequestInfo } from '../http-exchange.js';
import { ownedId } from '../owner-ids.js';
import { safeDecode } from '../path-segment.js';
import { ownSlot, type AnthropicFileView, type ListedObject } from '../peers.js';
import type { Reply } from '../reply.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import { invalidRequest, type AnthropicError } from './errors.js';
import { cursorPage, cursorSeq, idPage, limitOf } from './list-page.js';
import { anthropicErrorReply, anthropicHeaders, anthropicRequestId, checkAnthropicAuth, JSON_TYPE } from './reply.js';

const MAX_FILES = 1000;
/** The bytes a thread keeps of files; one file may take all of it. */
export const MAX_STORED_BYTES = 256 * 1024 * 1024;
/** The API's limit on one file. */
const MAX_FILE_BYTES = 500 * 1000 * 1000;
/** `expires_in_seconds` bounds: an hour to ninety days. */
const MIN_EXPIRY_S = 3600;
const MAX_EXPIRY_S = 7_776_000;
/** `ids[]` of a list: at most 100 after de-duplication. */
const MAX_LIST_IDS = 100;
export const FILES_BETA = 'files-api-2025-04-14';
/** Image and document blocks count a flat 1,600 tokens, as `./prompt-tokens.ts` counts them inline. */
const MEDIA_TOKENS = 1_600;
/** Text files counted whole when uploaded; a longer one at 4 bytes a token (as Gemini's files). */
const MAX_COUNTED_TEXT_BYTES = 2 * 1024 * 1024;
const FORBIDDEN_NAME = /[<>:"|?*\\/]/;
/** Control characters (0–31), which a filename may not hold either; by code, as lint refuses them in a pattern. */
const hasControl = (name: string): boolean => [...name].some((c) => c.charCodeAt(0) < 32);
/** The extension for a nameless upload's `unnamed` name, as the API gives one; a Map, as the type is the client's (`constructor` finds nothing). */
const EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['application/pdf', '.pdf'],
  ['text/plain', '.txt'],
  ['image/png', '.png'],
  ['image/jpeg', '.jpg'],
  ['image/gif', '.gif'],
  ['image/webp', '.webp'],
  ['text/csv', '.csv'],
  ['application/json', '.json'],
]);

interface StoredFile {
  readonly id: string;
  readonly seq: number;
  readonly filename: string;
  readonly mimeType: string;
  readonly createdAt: string;
  /** null: kept until deleted. */
  readonly expiresAtMs: number | null;
  readonly tokens: number;
  readonly content: Buffer;
}

const registryFor = perThread(() => new BoundedStore<StoredFile>(MAX_FILES, MAX_STORED_BYTES, (f) => f.content.length));

/**
 * A request for Anthropic's Files API rather than OpenAI's on the same path: its SDK always sends
 * `anthropic-version`. An `x-api-key` alone says Anthropic only when the request carries no OpenAI
 * key (`Authorization`, or Azure's `api-key`): gateways in front of OpenAI-compatible clients take
 * their own key in `x-api-key` (AWS API Gateway's header), and such a client must keep OpenAI's files.
 */
export function isAnthropicRequest(info: RequestInfo): boolean {
  return info.anthropicVersion !== '' || info.anthropicBeta !== '' || (info.xApiKey !== '' && info.authorization === '' && info.azureApiKey === '');
}

/** Whether the request asked for the beta shapes. */
function betaShapes(info: RequestInfo): boolean {
  return info.anthropicBeta.split(',').some((b) => b.trim() === FILES_BETA);
}

/**
 * What a block naming the file counts, as the same content inline counts: a plain-text document
 * its text, a PDF 1,600 a page plus its text (`../pdf-tokens.ts`), an image the flat 1,600.
 */
function contentTokens(mimeType: string, content: Buffer): number {
  if (mimeType === 'application/pdf') {
    const pdf = countPdf(content);
    return pdf === null ? MEDIA_TOKENS : pdf.pages * MEDIA_TOKENS + pdf.textTokens;
  }
  if (!mimeType.startsWith('text/')) return MEDIA_TOKENS;
  return content.length <= MAX_COUNTED_TEXT_BYTES ? countTokens(content.toString('utf8')) : Math.ceil(content.length / 4);
}

/** The GA object; the beta one is the same without `expires_at`. */
function fileObject(f: StoredFile, beta: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = { id: f.id, type: 'file', filename: f.filename, mime_type: f.mimeType, size_bytes: f.content.length, created_at: f.createdAt, downloadable: false };
  if (!beta) o.expires_at = f.expiresAtMs === null ? null : new Date(f.expiresAtMs).toISOString();
  return o;
}

export const fileNotFound = (id: string): AnthropicError => ({ status: 404, type: 'not_found_error', message: `File not found: ${id}` });

export const fileExpired = (id: string): AnthropicError => ({ status: 404, type: 'not_found_error', message: `File ${id} has expired and its content is no longer available.`, errorCode: 'file_expired' });

const notDownloadable = (id: string): AnthropicError => ({
  status: 400,
  type: 'invalid_request_error',
  message: `File ${id} cannot be downloaded: only files created by skills or the code execution tool can be downloaded.`,
  errorCode: 'file_not_downloadable',
});

const route = 'anthropic_files';

function ok(ctx: ThreadContext, body: string): Reply {
  const headers = anthropicHeaders(anthropicRequestId(ctx.requestRng(undefined, '')));
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers, body, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}

function fail(ctx: ThreadContext, e: AnthropicError, kind: 'invalid_request' | 'not_found' | 'authentication' | 'body_too_large'): Reply {
  return anthropicErrorReply(anthropicRequestId(ctx.requestRng(undefined, '')), route, e, kind, OTHER_MODEL);
}

/** This thread's files as a list gathers them (GA objects; a beta list drops `expires_at`). */
export function fileListings(ctx: ThreadContext): ListedObject[] {
  return [...registryFor(ctx).values()].map((f) => ({ seq: f.seq, json: JSON.stringify(fileObject(f, false)) }));
}

/** A file this thread holds, as a Messages request on any thread checks it; null when there is none by that id. */
export function fileView(ctx: ThreadContext, id: string): AnthropicFileView | null {
  const f = registryFor(ctx).get(id);
  return f === undefined ? null : { tokens: f.tokens, mimeType: f.mimeType, expiresAtMs: f.expiresAtMs };
}

type Op = 'get' | 'content' | 'delete' | 'list';

/** Every `/v1/files…` request but the upload; `params[0]` is the file id where the route has one. `others`: other threads' files, for a list. */
export function filesRequest(ctx: ThreadContext, info: RequestInfo, op: Op, others: readonly ListedObject[] = []): Reply {
  const authError = checkAnthropicAuth(ctx, info);
  if (authError) return fail(ctx, authError, 'authentication');
  const beta = betaShapes(info);
  if (op === 'list') return listFiles(ctx, info, beta, [...fileListings(ctx), ...others]);
  const registry = registryFor(ctx);
  const id = safeDecode(info.params[0] ?? '');
  const f = registry.get(id);
  if (f === undefined) return fail(ctx, fileNotFound(id), 'not_found');
  switch (op) {
    case 'get':
      return ok(ctx, JSON.stringify(fileObject(f, beta)));
    case 'content':
      // Every file here was uploaded: none is one a tool wrote.
      return fail(ctx, f.expiresAtMs !== null && Date.now() >= f.expiresAtMs ? fileExpired(id) : notDownloadable(id), 'invalid_request');
    case 'delete':
      registry.delete(id);
      return ok(ctx, JSON.stringify({ id, type: 'file_deleted' }));
  }
}

/** Every thread's files, newest first, in the request's shape. */
function listFiles(ctx: ThreadContext, info: RequestInfo, beta: boolean, entries: readonly ListedObject[]): Reply {
  const q = new URLSearchParams(info.query);
  const items = [...entries]
    .sort((a, b) => b.seq - a.seq)
    .map((e) => {
      const o = JSON.parse(e.json) as Record<string, unknown>;
      if (beta) delete o.expires_at;
      return { id: o.id as string, seq: e.seq, json: beta ? JSON.stringify(o) : e.json };
    });
  if (beta) return ok(ctx, idPage(items, info.query));
  const ids = [...new Set(q.getAll('ids[]').concat(q.getAll('ids')))];
  if (ids.length > 0) {
    if (q.has('page') || q.has('limit')) return fail(ctx, invalidRequest('ids: cannot be combined with page or limit.'), 'invalid_request');
    if (ids.length > MAX_LIST_IDS) return fail(ctx, invalidRequest(`ids: at most ${MAX_LIST_IDS} ids may be given; got ${ids.length}.`), 'invalid_request');
    const wanted = new Set(ids);
    return ok(ctx, cursorPage(items.filter((i) => wanted.has(i.id)), undefined, MAX_LIST_IDS));
  }
  const page = q.get('page');
  const after = page === null || page === '' ? undefined : cursorSeq(page);
  if (page !== null && page !== '' && after === undefined) return fail(ctx, invalidRequest(`page: invalid page cursor ${JSON.stringify(page)}.`), 'invalid_request');
  return ok(ctx, cursorPage(items, after, limitOf(q)));
}

/** The name the API keeps: the last path component, or `unnamed` with the type's extension when there is none. */
function keptName(name: string, mimeType: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  return last === '' ? `unnamed${EXTENSIONS.get(mimeType) ?? ''}` : last;
}

/** POST /v1/files: a multipart upload of `file` (and `expires_in_seconds`); `body` is the bytes as latin1 (`takesBytes`). */
export async function uploadFile(ctx: ThreadContext, info: RequestInfo, body: string): Promise<Reply> {
  const authError = checkAnthropicAuth(ctx, info);
  if (authError) return fail(ctx, authError, 'authentication');
  if (!info.contentType.toLowerCase().startsWith('multipart/form-data')) return fail(ctx, invalidRequest('Content-Type must be multipart/form-data, with the file in the field `file`.'), 'invalid_request');
  let form: FormData;
  try {
    // Node's own multipart parser (undici's), as OpenAI's upload reads one.
    form = await new Response(Buffer.from(body, 'latin1'), { headers: { 'content-type': info.contentType } }).formData();
  } catch {
    return fail(ctx, invalidRequest('The request body is not valid multipart/form-data.'), 'invalid_request');
  }
  const file = form.get('file');
  if (file === null || typeof file === 'string') return fail(ctx, invalidRequest('file: Field required'), 'invalid_request');
  const expiry = form.get('expires_in_seconds');
  let expiresInS: number | null = null;
  if (expiry !== null) {
    expiresInS = typeof expiry === 'string' && /^\d{1,10}$/.test(expiry.trim()) ? Number(expiry.trim()) : NaN;
    if (!(expiresInS >= MIN_EXPIRY_S && expiresInS <= MAX_EXPIRY_S)) {
      return fail(ctx, invalidRequest(`expires_in_seconds: Input should be an integer from ${MIN_EXPIRY_S} to ${MAX_EXPIRY_S}`), 'invalid_request');
    }
  }
  const mimeType = (file.type.split(';')[0] ?? '').trim().toLowerCase() || 'application/octet-stream';
  const filename = keptName(file.name, mimeType);
  if (filename.length > 255 || FORBIDDEN_NAME.test(filename) || hasControl(filename)) {
    return fail(ctx, invalidRequest('filename: must be 1 to 255 characters, without < > : " | ? * \\ / or control characters'), 'invalid_request');
  }
  if (file.size > MAX_FILE_BYTES) return fail(ctx, { status: 413, type: 'request_too_large', message: `File exceeds the maximum allowed size of ${MAX_FILE_BYTES} bytes.` }, 'body_too_large');
  if (file.size > MAX_STORED_BYTES) {
    return fail(ctx, { status: 413, type: 'request_too_large', message: `File exceeds the ${MAX_STORED_BYTES} bytes this simulator keeps per server thread.` }, 'body_too_large');
  }
  const content = Buffer.from(await file.arrayBuffer());
  const nowMs = Date.now();
  const f: StoredFile = {
    id: ownedId(ctx.requestRng(undefined, ''), 'file_011C', 20, ownSlot(ctx)),
    seq: ctx.nextStoreSeq(),
    filename,
    mimeType,
    createdAt: new Date(nowMs).toISOString(),
    expiresAtMs: expiresInS === null ? null : nowMs + expiresInS * 1000,
    tokens: contentTokens(mimeType, content),
    content,
  };
  registryFor(ctx).put(f.id, f);
  return ok(ctx, JSON.stringify(fileObject(f, betaShapes(info))));
}
