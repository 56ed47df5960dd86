/**
 * OpenAI's Batch API (`/v1/batches`), as the openai SDK's `batches` calls it: a batch reads an
 * uploaded JSONL file of requests (`./files.ts`), answers each, and writes an output file (and an
 * error file for the requests that failed) that `files.content` reads. Nightly evaluation and
 * bulk jobs run this way, and failed at `files.create` with 404 before.
 *
 * Each line (`{custom_id, method, url, body}`) is answered by its endpoint's own handler at
 * positions the batch reserved (`../batch-item.ts`), a slice at a time between the thread's other
 * work, outside the live rate limits; the batch completes when its slowest answer would have been
 * generated (at once with `--speed 0`). A file that is not valid JSONL, or a line for another
 * endpoint, fails the batch at validation, with the line named in `errors`, as OpenAI does.
 *
 * Kept by the server thread that created it; its id names that thread (`../owner-ids.ts`), and a
 * request on another thread asks it (`../peers.ts`), as does a batch reading another thread's file.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { OTHER_MODEL } from '../../metrics/counters.js';
import { answerBatchItem, batchItemInfo } from '../batch-item.js';
import { isStackOverflow, TOO_DEEP_MESSAGE, type RequestInfo } from '../http-exchange.js';
import { ownedId, withoutOwner } from '../owner-ids.js';
import { safeDecode } from '../path-segment.js';
import { foreignOwner, ownSlot, throwIfFailed, type ListedObject } from '../peers.js';
import type { Reply } from '../reply.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import { combineSeeds, hashString, SeededRandom } from '../../timing/random.js';
import { chatCompletions } from './chat.js';
import { withFileRefs } from './file-refs.js';
import { completions } from './completions.js';
import { itemPage } from './conversations.js';
import { embeddings } from './embeddings.js';
import { bodyNotObject, INTERNAL_ERROR, INVALID_JSON, invalidRequest, type OpenAIError } from './errors.js';
import { metadataOf } from './metadata.js';
import { fileContent, fileNotFound, writeFile } from './files.js';
import { moderations } from './moderations.js';
import { parseReportingInput } from '../request-schema.js';
import { issueToOpenAIError } from './request-issues.js';
import { checkOpenAIAuth, JSON_TYPE, openAIErrorReply, openAIHeaders, requestIdFor } from './reply.js';
import { createResponse } from './responses.js';

const MAX_BATCHES = 1000;
/** OpenAI's limit on requests per batch. */
const MAX_REQUESTS = 50_000;
const SLICE = 32;
const SLICE_MS = 5;
const DAY_S = 24 * 3600;
/**
 * Output a batch may hold: past it, a line's answer is replaced by an error line (a reply of
 * `n: 128` choices per line adds up). Half the file store's budget, so its files are always kept.
 */
const MAX_OUTPUT_BYTES = 128 * 1024 * 1024;

type Handler = (ctx: ThreadContext, info: RequestInfo, body: string) => Reply | Promise<Reply>;

/** The endpoints a batch may call, each answered by its route's handler. */
const ENDPOINTS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  // A line's file parts name uploaded files as a live request's do.
  ['/v1/chat/completions', (ctx, info, body) => withFileRefs(ctx, info, body, 'chat_completions', chatCompletions)],
  ['/v1/responses', (ctx, info, body) => withFileRefs(ctx, info, body, 'responses', createResponse)],
  ['/v1/embeddings', embeddings],
  ['/v1/completions', completions],
  ['/v1/moderations', moderations],
]);

interface BatchLine {
  readonly customId: string;
  /** The request body, answered whole (never streamed). */
  body: string;
}

interface StoredBatch {
  readonly id: string;
  readonly seq: number;
  readonly endpoint: string;
  readonly inputFileId: string;
  readonly createdAt: number;
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly source: number;
  readonly fault: number;
  /** Null when validation failed; then `errors` says why. */
  readonly lines: BatchLine[] | null;
  readonly errors: readonly Record<string, unknown>[];
  /** Output and error lines until the files are written (then emptied), and how many of each. */
  output: Buffer[];
  failures: Buffer[];
  completed: number;
  failed: number;
  outputBytes: number;
  answered: number;
  doneMs: number;
  /** When each answered line's answer would have been generated (negative: it failed), for the counts while the batch runs. */
  readonly lineDoneMs: number[];
  cancelledAt: number | null;
  completedAt: number | null;
  outputFileId: string | null;
  errorFileId: string | null;
}

const registryFor = perThread(() => new Map<string, StoredBatch>());

function finish(ctx: ThreadContext, b: StoredBatch, nowMs: number): void {
  if (b.completedAt !== null || b.cancelledAt !== null || b.lines === null || b.answered < b.lines.length || nowMs < b.doneMs) return;
  writeResults(ctx, b);
  b.completedAt = Math.floor(nowMs / 1000);
}

/**
 * Writes the output and error files (file ids drawn from the batch id, so a run's ids do not depend
 * on its polling, and without its owner, on its thread either), and lets go of the lines.
 */
function writeResults(ctx: ThreadContext, b: StoredBatch): void {
  const rng = new SeededRandom(hashString(withoutOwner(b.id)));
  if (b.output.length > 0) b.outputFileId = writeFile(ctx, `${b.id}_output.jsonl`, 'batch_output', Buffer.concat(b.output), rng).id;
  if (b.failures.length > 0) b.errorFileId = writeFile(ctx, `${b.id}_error.jsonl`, 'batch_output', Buffer.concat(b.failures), rng).id;
  b.output = [];
  b.failures = [];
}

function batchObject(ctx: ThreadContext, b: StoredBatch): Record<string, unknown> {
  finish(ctx, b, Date.now());
  const failed = b.lines === null;
  const status = failed ? 'failed' : b.cancelledAt !== null ? 'cancelled' : b.completedAt !== null ? 'completed' : 'in_progress';
  const total = b.lines?.length ?? 0;
  const done = b.completedAt !== null || b.cancelledAt !== null;
  return {
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    errors: b.errors.length === 0 ? null : { object: 'list', data: b.errors },
    input_file_id: b.inputFileId,
    completion_window: '24h',
    status,
    output_file_id: b.outputFileId,
    error_file_id: b.errorFileId,
    created_at: b.createdAt,
    in_progress_at: failed ? null : b.createdAt,
    expires_at: b.createdAt + DAY_S,
    finalizing_at: b.completedAt,
    completed_at: b.completedAt,
    failed_at: failed ? b.createdAt : null,
    expired_at: null,
    cancelling_at: b.cancelledAt,
    cancelled_at: b.cancelledAt,
    request_counts: done ? { total, completed: b.completed, failed: b.failed } : progress(b, Date.now()),
    metadata: b.metadata,
  };
}

/** The counts of a running batch: the lines whose answers would have been generated by now, as OpenAI counts them while it works. */
function progress(b: StoredBatch, nowMs: number): { total: number; completed: number; failed: number } {
  let completed = 0;
  let failed = 0;
  for (const at of b.lineDoneMs) {
    if (Math.abs(at) > nowMs) continue;
    if (at < 0) failed++;
    else completed++;
  }
  return { total: b.lines?.length ?? 0, completed, failed };
}

/** One answered request as its output line, and whether it failed (the error file's); `id` is drawn from the batch and the line. */
function outputLine(id: string, customId: string, reply: Reply): { line: string; failed: boolean } {
  if (reply.kind !== 'json' || reply.truncate === true) {
    return { line: JSON.stringify({ id, custom_id: customId, response: null, error: { code: 'server_error', message: 'The server had an error while processing your request.' } }), failed: true };
  }
  // Copied now: a reply at --speed 0 may be a view of the thread's scratch memory.
  const body = typeof reply.body === 'string' ? reply.body : reply.body.toString('utf8');
  if (!body.startsWith('{')) return { line: JSON.stringify({ id, custom_id: customId, response: null, error: { code: 'server_error', message: 'The server had an error while processing your request.' } }), failed: true };
  const at = reply.headers.indexOf('x-request-id');
  const requestId = at >= 0 && at % 2 === 0 ? reply.headers[at + 1]! : '';
  return { line: `{"id":"${id}","custom_id":${JSON.stringify(customId)},"response":{"status_code":${reply.status},"request_id":${JSON.stringify(requestId)},"body":${body}},"error":null}`, failed: reply.status !== 200 };
}

/** Answers a slice of the batch's lines, yielding the thread between slices; an async answer (a pooled embedding) is awaited. */
function answerSlice(ctx: ThreadContext, b: StoredBatch, info: RequestInfo): void {
  const lines = b.lines;
  if (lines === null || b.cancelledAt !== null) return;
  const handler = ENDPOINTS.get(b.endpoint)!;
  const startedMs = performance.now();
  for (let n = 0; n < SLICE && b.answered < lines.length && performance.now() - startedMs < SLICE_MS; n++) {
    const i = b.answered;
    const line = lines[i]!;
    // At the line's reserved position, as its answer: drawn from the live order (it runs between
    // live requests), the id shifted every later request's answer.
    const rng = (): SeededRandom => ctx.atArrival(b.source + i, () => ctx.requestRng(undefined, ''));
    const failed = (err: unknown): Reply => openAIErrorReply(requestIdFor(info, rng()), 'batches', isStackOverflow(err) ? invalidRequest(TOO_DEEP_MESSAGE, null, null) : INTERNAL_ERROR, 'invalid_request', OTHER_MODEL);
    const reply = answerBatchItem(ctx, b.source + i, () => handler(ctx, batchItemInfo(info, b.fault + i), line.body), failed);
    const take = (r: Reply): void => {
      if (b.cancelledAt !== null) return;
      const id = `batch_req_${new SeededRandom(combineSeeds(hashString(withoutOwner(b.id)), i)).hex(4)}`;
      let { line: out, failed } = outputLine(id, line.customId, r);
      if (b.outputBytes + out.length > MAX_OUTPUT_BYTES) {
        out = JSON.stringify({ id, custom_id: line.customId, response: null, error: { code: 'batch_output_too_large', message: `The batch's output passed ${MAX_OUTPUT_BYTES} bytes.` } });
        failed = true;
      }
      const bytes = Buffer.from(out + '\n');
      b.outputBytes += bytes.length;
      (failed ? b.failures : b.output).push(bytes);
      if (failed) b.failed++;
      else b.completed++;
      const doneMs = b.createdAt * 1000 + (r.kind === 'json' ? r.delayMs : 0);
      b.doneMs = Math.max(b.doneMs, doneMs);
      b.lineDoneMs.push(failed ? -doneMs : doneMs);
      line.body = '';
      b.answered++;
    };
    if (reply instanceof Promise) {
      reply.then(take, () => take({ kind: 'reset', meta: { route: 'batches', modelIndex: OTHER_MODEL, errorKind: null } })).then(() => answerSlice(ctx, b, info), () => undefined);
      return;
    }
    take(reply);
  }
  if (b.answered < lines.length) setImmediate(() => answerSlice(ctx, b, info));
}

/** Parses the input file's lines for `endpoint`; the errors a failed validation reports otherwise. */
function parseLines(content: string, endpoint: string): BatchLine[] | Record<string, unknown>[] {
  const lines: BatchLine[] = [];
  const errors: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const rows = content.split('\n');
  for (let n = 0; n < rows.length; n++) {
    const row = rows[n]!.trim();
    if (row === '') continue;
    const at = n + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(row);
    } catch {
      errors.push({ code: 'invalid_json_line', line: at, message: 'This line is not parseable as valid JSON.', param: null });
      continue;
    }
    const r = parsed as { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
    if (typeof r.custom_id !== 'string') errors.push({ code: 'missing_required_parameter', line: at, message: "Missing required parameter: 'custom_id'.", param: 'custom_id' });
    else if (seen.has(r.custom_id)) errors.push({ code: 'duplicate_custom_id', line: at, message: 'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.', param: 'custom_id' });
    else if (r.method !== 'POST') errors.push({ code: 'invalid_value', line: at, message: "Invalid value for 'method': only POST is supported.", param: 'method' });
    else if (r.url !== endpoint) errors.push({ code: 'mismatched_endpoint', line: at, message: `The provided URL '${String(r.url)}' does not match the batch endpoint '${endpoint}'.`, param: 'url' });
    else if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) errors.push({ code: 'missing_required_parameter', line: at, message: "Missing required parameter: 'body'.", param: 'body' });
    else {
      seen.add(r.custom_id);
      lines.push({ customId: r.custom_id, body: JSON.stringify({ ...(r.body as Record<string, unknown>), stream: false }) });
    }
    if (lines.length + errors.length > MAX_REQUESTS) {
      errors.push({ code: 'too_many_requests', line: at, message: `A batch may hold at most ${MAX_REQUESTS} requests.`, param: null });
      break;
    }
  }
  if (errors.length === 0 && lines.length === 0) errors.push({ code: 'empty_file', line: null, message: 'The input file is empty.', param: null });
  return errors.length > 0 ? errors : lines;
}

type Op = 'get' | 'cancel' | 'list';

/** Every `/v1/batches…` request but create; `params[0]` is the batch id where the route has one. `others`: other threads' batches, for a list. */
export function batchesRequest(ctx: ThreadContext, info: RequestInfo, op: Op, others: readonly ListedObject[] = []): Reply {
  const route = 'batches';
  const requestId = requestIdFor(info, ctx.requestRng(undefined, ''));
  const ok = (json: string): Reply => ({ kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body: json, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } });
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, route, authError, 'authentication', OTHER_MODEL);
  const registry = registryFor(ctx);
  if (op === 'list') {
    const all = [...batchListings(ctx), ...others].sort((a, b) => a.seq - b.seq).map((e) => JSON.parse(e.json) as { id: string });
    // Newest first, as OpenAI lists batches.
    return ok(itemPage(all, info.query, 'desc'));
  }
  const id = safeDecode(info.params[0] ?? '');
  const b = registry.get(id);
  if (b === undefined) return openAIErrorReply(requestId, route, { status: 404, message: `Batch with id '${id}' not found.`, type: 'invalid_request_error', param: null, code: null }, 'not_found', OTHER_MODEL);
  if (op === 'cancel') {
    finish(ctx, b, Date.now());
    if (b.completedAt === null && b.lines !== null && b.cancelledAt === null) {
      b.cancelledAt = Math.floor(Date.now() / 1000);
      // What was answered stays in the output; the rest is not run.
      writeResults(ctx, b);
    }
  }
  return ok(JSON.stringify(batchObject(ctx, b)));
}

/** This thread's batches as a list gathers them. */
export function batchListings(ctx: ThreadContext): ListedObject[] {
  return [...registryFor(ctx).values()].map((b) => ({ seq: b.seq, json: JSON.stringify(batchObject(ctx, b)) }));
}

/** The create's required fields, each a string (`BatchCreateParams`); their values are checked after. */
const createFields = z.looseObject({ input_file_id: z.string(), endpoint: z.string(), completion_window: z.string(), metadata: z.unknown().optional() });

/** POST /v1/batches: reads the input file (this thread's or its owner's) and starts answering its lines. */
export function createBatch(ctx: ThreadContext, info: RequestInfo, body: string): Reply | Promise<Reply> {
  const route = 'batches';
  const requestId = requestIdFor(info, ctx.requestRng(undefined, ''));
  const fail = (e: OpenAIError, kind: 'invalid_request' | 'invalid_json' | 'not_found' = 'invalid_request'): Reply => openAIErrorReply(requestId, route, e, kind, OTHER_MODEL);
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, route, authError, 'authentication', OTHER_MODEL);
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return fail(INVALID_JSON, 'invalid_json');
  }
  const notObject = bodyNotObject(input);
  if (notObject) return fail(notObject);
  const typed = parseReportingInput(createFields, input);
  if (!typed.success) return fail(issueToOpenAIError(typed.error.issues[0]!));
  const req = typed.data;
  if (!ENDPOINTS.has(req.endpoint)) {
    return fail(invalidRequest(`Invalid value for 'endpoint': '${req.endpoint}'. Supported values are: ${[...ENDPOINTS.keys()].map((e) => `'${e}'`).join(', ')}.`, 'endpoint', 'invalid_value'));
  }
  if (req.completion_window !== '24h') return fail(invalidRequest("Invalid value for 'completion_window': only '24h' is supported.", 'completion_window', 'invalid_value'));
  const m = metadataOf(req.metadata);
  if ('error' in m) return fail(m.error);
  const metadata = req.metadata === undefined || req.metadata === null ? null : m.metadata;
  const fileId = req.input_file_id;
  const endpoint = req.endpoint;
  const start = (content: Buffer | undefined): Reply => {
    if (content === undefined) return fail(fileNotFound(fileId), 'not_found');
    const parsed = parseLines(content.toString('utf8'), endpoint);
    const valid = parsed.length > 0 && 'customId' in parsed[0]!;
    const lines = valid ? (parsed as BatchLine[]) : null;
    const [source, fault] = ctx.reserveArrivals(lines?.length ?? 0);
    const createdAt = Math.floor(Date.now() / 1000);
    const b: StoredBatch = {
      // The id names this thread, which keeps the batch (`../owner-ids.ts`).
      id: ownedId(ctx.requestRng(undefined, ''), 'batch_', 32, ownSlot(ctx)),
      seq: ctx.nextStoreSeq(),
      endpoint,
      inputFileId: fileId,
      createdAt,
      metadata,
      source,
      fault,
      lines,
      errors: valid ? [] : (parsed as Record<string, unknown>[]),
      output: [],
      failures: [],
      completed: 0,
      failed: 0,
      outputBytes: 0,
      answered: 0,
      doneMs: createdAt * 1000,
      lineDoneMs: [],
      cancelledAt: null,
      completedAt: null,
      outputFileId: null,
      errorFileId: null,
    };
    const registry = registryFor(ctx);
    registry.set(b.id, b);
    if (registry.size > MAX_BATCHES) registry.delete(registry.keys().next().value!);
    if (lines !== null) setImmediate(() => answerSlice(ctx, b, info));
    return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body: JSON.stringify(batchObject(ctx, b)), delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
  };
  const owner = foreignOwner(ctx, fileId, 'mixed');
  if (owner === undefined) return start(fileContent(ctx, fileId));
  return ctx.peers!.ask(owner, { kind: 'file_content', id: fileId }).then((answer) => {
    throwIfFailed(answer, 'the input file');
    return start(answer.kind === 'file_content' && answer.content !== null ? Buffer.from(answer.content) : undefined);
  });
}
