/**
 * The Files API (`/v1/files`), as far as batches need it: upload (multipart, as the openai SDK's
 * `files.create` sends it), retrieve, list, content and delete. A batch's input is an uploaded
 * JSONL file and its output and errors are files the batch writes (`./batches.ts`).
 *
 * The upload's body is taken as bytes (`takesBytes`), so any file comes back byte for byte. Kept
 * by the server thread that received one, bounded; the id names that thread (`../owner-ids.ts`),
 * and a request on another thread asks it (`../peers.ts`).
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import type { RequestInfo } from '../http-exchange.js';
import { BoundedStore } from '../bounded-store.js';
import { ownedId } from '../owner-ids.js';
import { safeDecode } from '../path-segment.js';
import { ownSlot, type ListedObject } from '../peers.js';
import type { Reply } from '../reply.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import type { SeededRandom } from '../../timing/random.js';
import { itemPage } from './conversations.js';
import { invalidRequest, type OpenAIError } from './errors.js';
import { uploadedFileTokens } from './media-tokens.js';
import { checkOpenAIAuth, JSON_TYPE, openAIErrorReply, openAIHeaders, requestIdFor } from './reply.js';

const MAX_FILES = 1000;
const MAX_BYTES = 256 * 1024 * 1024;
/** The purposes a client may upload for (the others are what the API writes: `batch_output`, …). */
const UPLOAD_PURPOSES: ReadonlySet<string> = new Set(['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals']);

export interface StoredFile {
  readonly id: string;
  readonly seq: number;
  readonly filename: string;
  readonly purpose: string;
  readonly createdAt: number;
  readonly content: Buffer;
}

const registryFor = perThread(() => new BoundedStore<StoredFile>(MAX_FILES, MAX_BYTES, (f) => f.content.length));

export function fileObject(f: StoredFile): Record<string, unknown> {
  return { id: f.id, object: 'file', bytes: f.content.length, created_at: f.createdAt, filename: f.filename, purpose: f.purpose, status: 'processed', expires_at: null, status_details: null };
}

/** Keeps a file this thread writes (a batch's output), named for this thread; `rng` draws its id (default: the request's source). */
export function writeFile(ctx: ThreadContext, filename: string, purpose: string, content: Buffer, rng: SeededRandom = ctx.requestRng(undefined, '')): StoredFile {
  const f: StoredFile = { id: ownedId(rng, 'file-', 22, ownSlot(ctx)), seq: ctx.nextStoreSeq(), filename, purpose, createdAt: Math.floor(Date.now() / 1000), content };
  registryFor(ctx).put(f.id, f);
  return f;
}

/** A file this thread holds, for a batch on any thread; undefined when it holds none by that id. */
export function fileContent(ctx: ThreadContext, id: string): Buffer | undefined {
  return registryFor(ctx).get(id)?.content;
}

/** This thread's files as a list gathers them. */
export function fileListings(ctx: ThreadContext): ListedObject[] {
  return [...registryFor(ctx).values()].map((f) => ({ seq: f.seq, json: JSON.stringify(fileObject(f)) }));
}

// Counted once per file, when a request first names it: a batch's JSONL input is never counted.
const countedTokens = new WeakMap<StoredFile, number>();

/** The prompt tokens of a file this thread holds, as a chat `file` or Responses `input_file` part naming it counts; null when it holds none by that id. */
export function fileTokens(ctx: ThreadContext, id: string): number | null {
  const f = registryFor(ctx).get(id);
  if (f === undefined) return null;
  let n = countedTokens.get(f);
  if (n === undefined) {
    n = uploadedFileTokens(f.content);
    countedTokens.set(f, n);
  }
  return n;
}

export const fileNotFound = (id: string): OpenAIError => ({ status: 404, message: `No such File object: ${id}`, type: 'invalid_request_error', param: 'id', code: null });

type Op = 'get' | 'content' | 'delete' | 'list';

/** Every `/v1/files…` request but the upload; `params[0]` is the file id where the route has one. `others`: other threads' files, for a list. */
export function filesRequest(ctx: ThreadContext, info: RequestInfo, op: Op, others: readonly ListedObject[] = []): Reply {
  const route = 'files';
  const requestId = requestIdFor(info, ctx.requestRng(undefined, ''));
  const ok = (body: string | Buffer, contentType = JSON_TYPE): Reply => ({ kind: 'json', status: 200, contentType, headers: openAIHeaders(requestId, 0), body, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } });
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, route, authError, 'authentication', OTHER_MODEL);
  const registry = registryFor(ctx);
  if (op === 'list') {
    const purpose = new URLSearchParams(info.query).get('purpose');
    const all = [...fileListings(ctx), ...others]
      .sort((a, b) => a.seq - b.seq)
      .map((e) => JSON.parse(e.json) as { id: string; purpose: string })
      .filter((f) => purpose === null || f.purpose === purpose);
    // Newest first unless `order=asc`, as OpenAI lists files.
    return ok(itemPage(all, info.query, 'desc'));
  }
  const id = safeDecode(info.params[0] ?? '');
  const f = registry.get(id);
  if (f === undefined) return openAIErrorReply(requestId, route, fileNotFound(id), 'not_found', OTHER_MODEL);
  switch (op) {
    case 'get':
      return ok(JSON.stringify(fileObject(f)));
    case 'content':
      return ok(f.content, 'application/octet-stream');
    case 'delete':
      registry.delete(id);
      return ok(JSON.stringify({ id, object: 'file', deleted: true }));
  }
}

/** POST /v1/files: a multipart upload of `file` and `purpose`; `body` is the bytes as latin1 (`takesBytes`). */
export async function uploadFile(ctx: ThreadContext, info: RequestInfo, body: string): Promise<Reply> {
  const route = 'files';
  const requestId = requestIdFor(info, ctx.requestRng(undefined, ''));
  const fail = (e: OpenAIError): Reply => openAIErrorReply(requestId, route, e, 'invalid_request', OTHER_MODEL);
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, route, authError, 'authentication', OTHER_MODEL);
  if (!info.contentType.toLowerCase().startsWith('multipart/form-data')) return fail(invalidRequest("Invalid Content-Type header (expected 'multipart/form-data').", null, null));
  let form: FormData;
  try {
    // Node's own multipart parser (undici's), as a Response reads a body.
    form = await new Response(Buffer.from(body, 'latin1'), { headers: { 'content-type': info.contentType } }).formData();
  } catch {
    return fail(invalidRequest('The request body is not valid multipart/form-data.', null, null));
  }
  const purpose = form.get('purpose');
  const file = form.get('file');
  if (typeof purpose !== 'string') return fail(invalidRequest("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter'));
  if (!UPLOAD_PURPOSES.has(purpose)) {
    return fail(invalidRequest(`Invalid value for 'purpose': '${purpose}'. Supported values are: ${[...UPLOAD_PURPOSES].map((p) => `'${p}'`).join(', ')}.`, 'purpose', 'invalid_value'));
  }
  if (file === null || typeof file === 'string') return fail(invalidRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter'));
  const content = Buffer.from(await file.arrayBuffer());
  const f = writeFile(ctx, file.name || 'upload', purpose, content);
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body: JSON.stringify(fileObject(f)), delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}
