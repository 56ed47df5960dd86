/**
 * Anthropic's Message Batches API (`/v1/messages/batches`), as the SDK's `messages.batches` calls
 * it: create a batch of Messages requests, retrieve it until `processing_status` is `ended`, read
 * its results as JSONL from `results_url`, list, cancel and delete. Evaluation and bulk-labelling
 * jobs run this way, and failed at `create` with 404 before.
 *
 * Each request is answered by the Messages handler itself (`./messages.ts`), so a result is the
 * message the same request would get, and each request's `params` are checked as a Messages
 * request is: a bad one becomes an `errored` result, as Anthropic validates them while
 * processing. Answers are computed a slice at a time between other work on the thread; the batch
 * ends when the slowest answer would have been generated (at once with `--speed 0`). A cancel ends
 * it, the requests not yet answered `canceled`.
 *
 * Kept by the server thread that created it, bounded like the other stores; its id names that
 * thread (`../owner-ids.ts`), and a request on another thread asks it (`../peers.ts`).
 */
import { performance } from 'node:perf_hooks';
import type { SeededRandom } from '../../timing/random.js';
import { OTHER_MODEL } from '../../metrics/counters.js';
import type { RequestInfo } from '../http-exchange.js';
import { ownedId } from '../owner-ids.js';
import { idPage } from './list-page.js';
import { safeDecode } from '../path-segment.js';
import { ownSlot, type ListedObject } from '../peers.js';
import { BatchRegistry } from '../batch-registry.js';
import { answerBatchItem, batchItemInfo } from '../batch-item.js';
import { isStackOverflow, TOO_DEEP_MESSAGE } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import { invalidJson, invalidRequest, type AnthropicError } from './errors.js';
import { createMessage } from './messages.js';
import { anthropicErrorReply, anthropicHeaders, anthropicRequestId, checkAnthropicAuth, JSON_TYPE } from './reply.js';

const MAX_BATCHES = 1000;
/** Results a thread keeps, by their JSON size. */
const MAX_RESULT_BYTES = 64 * 1024 * 1024;
/** Anthropic's limit on requests per batch. */
export const MAX_BATCH_REQUESTS = 100_000;
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
/** Requests answered per turn of the event loop, and the time a turn may take: streams on the thread keep their pace meanwhile. */
const SLICE = 32;
const SLICE_MS = 5;
/** A Host header as a client sends one: a name or address and a port, nothing a URL could be bent with. */
const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;
const DAY_MS = 24 * 3600 * 1000;
const RESULTS_TYPE = 'application/binary';

interface StoredBatch {
  readonly id: string;
  readonly seq: number;
  readonly createdMs: number;
  readonly customIds: readonly string[];
  /** The first of the positions reserved for its requests' random sources and fault decisions. */
  readonly source: number;
  readonly fault: number;
  /** The JSONL results, joined once when the batch ends (a read then costs a copy, not a join). */
  results: Buffer | null;
  /** Each request's body for the Messages handler; dropped once answered. */
  pending: string[] | null;
  /** JSONL lines of the requests answered so far, in request order. */
  lines: string[];
  /** When each answered request's answer would have been generated, and whether it succeeded. */
  readonly lineDoneMs: number[];
  readonly lineOk: boolean[];
  succeeded: number;
  errored: number;
  canceled: number;
  /** When the slowest answer so far would have been generated. */
  doneMs: number;
  cancelMs: number | null;
  /** When processing ended; null while it runs. */
  endedMs: number | null;
  bytes: number;
}

const registryFor = perThread(() => new BatchRegistry<StoredBatch>(MAX_BATCHES, MAX_RESULT_BYTES));

const iso = (ms: number): string => new Date(ms).toISOString();

/** A batch ends once every request is answered and the slowest answer's time has come. */
function settle(b: StoredBatch, nowMs: number): void {
  if (b.endedMs === null && b.pending === null && nowMs >= b.doneMs) b.endedMs = b.doneMs;
}

/** The results of an ended batch, joined once. */
function resultsOf(b: StoredBatch): Buffer {
  if (b.results === null) {
    b.results = Buffer.from(b.lines.join('\n') + '\n');
    b.lines = [];
  }
  return b.results;
}

function batchObject(b: StoredBatch, host: string): Record<string, unknown> {
  settle(b, Date.now());
  const ended = b.endedMs !== null;
  const total = b.customIds.length;
  return {
    id: b.id,
    type: 'message_batch',
    processing_status: ended ? 'ended' : b.cancelMs !== null ? 'canceling' : 'in_progress',
    request_counts: ended
      ? { processing: 0, succeeded: b.succeeded, errored: b.errored, canceled: b.canceled, expired: 0 }
      : { processing: total, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    ended_at: ended ? iso(b.endedMs!) : null,
    created_at: iso(b.createdMs),
    expires_at: iso(b.createdMs + DAY_MS),
    archived_at: null,
    cancel_initiated_at: b.cancelMs === null ? null : iso(b.cancelMs),
    // The SDK fetches this URL as it is: it names this server, as the client reached it.
    results_url: ended ? `http://${HOST.test(host) ? host : 'localhost'}/v1/messages/batches/${b.id}/results` : null,
  };
}

const INTERNAL: AnthropicError = { status: 500, type: 'api_error', message: 'Internal server error' };

/** One result line, whether it succeeded, and when it would have been generated (ms after the create). */
interface Answered {
  readonly line: string;
  readonly ok: boolean;
  readonly delayMs: number;
}

/**
 * The request each batch entry stands for (the batch's own headers: key, version, betas),
 * answered by the Messages handler at the positions reserved for it (`../batch-item.ts`); a chaos
 * fault is an errored result. A promise when the request names a file another thread holds.
 */
function answerOne(ctx: ThreadContext, info: RequestInfo, b: StoredBatch, i: number, body: string): Answered | Promise<Answered> {
  const failed = (rng: SeededRandom, err: unknown): Reply => anthropicErrorReply(anthropicRequestId(rng), 'anthropic_batches', isStackOverflow(err) ? invalidRequest(TOO_DEEP_MESSAGE) : INTERNAL, 'invalid_request', OTHER_MODEL);
  // An errored line's request id comes from the entry's own reserved position, as its answer does: drawn
  // from the run's live order (it ran between live requests), it shifted every later request's answer.
  const own = (): SeededRandom => ctx.atArrival(b.source + i, () => ctx.requestRng(undefined, ''));
  const reply = answerBatchItem(ctx, b.source + i, () => createMessage(ctx, batchItemInfo(info, b.fault + i), body), (err) => failed(own(), err));
  if (!(reply instanceof Promise)) return answered(own, b.customIds[i]!, reply);
  return reply.then(
    (r) => answered(own, b.customIds[i]!, r),
    (err: unknown) => answered(own, b.customIds[i]!, failed(own(), err)),
  );
}

/** `rng`: where an errored line's request id is drawn. */
function answered(rng: () => SeededRandom, customId: string, reply: Reply): Answered {
  // A held, reset or cut reply (a chaos fault) is a failed request, as is a body that is not JSON (an empty 200).
  const errored = (): Answered => ({ line: erroredLine(customId, INTERNAL, anthropicRequestId(rng())), ok: false, delayMs: 0 });
  if (reply.kind !== 'json' || reply.truncate === true) return errored();
  const json = typeof reply.body === 'string' ? reply.body : reply.body.toString('utf8');
  if (!json.startsWith('{')) return errored();
  const ok = reply.status === 200;
  const result = ok ? `{"type":"succeeded","message":${json}}` : `{"type":"errored","error":${json}}`;
  return { line: `{"custom_id":${JSON.stringify(customId)},"result":${result}}`, ok, delayMs: reply.delayMs };
}

function erroredLine(customId: string, e: AnthropicError, requestId: string): string {
  return JSON.stringify({ custom_id: customId, result: { type: 'errored', error: { type: 'error', error: { type: e.type, message: e.message }, request_id: requestId } } });
}

/**
 * Answers the batch's requests a slice at a time, yielding the thread between slices, in order:
 * a request that waits on another thread's files holds the rest until it is answered. A cancel
 * (which ends `pending`) meanwhile drops that answer.
 */
function answerSlice(ctx: ThreadContext, registry: BatchRegistry<StoredBatch>, b: StoredBatch, info: RequestInfo): void {
  const pending = b.pending;
  if (pending === null) return;
  const take = (i: number, a: Answered): void => {
    pending[i] = '';
    b.lines.push(a.line);
    b.lineDoneMs.push(b.createdMs + a.delayMs);
    b.lineOk.push(a.ok);
    registry.grow(b, a.line.length);
    if (a.ok) b.succeeded++;
    else b.errored++;
    b.doneMs = Math.max(b.doneMs, b.createdMs + a.delayMs);
  };
  const end = Math.min(b.lines.length + SLICE, b.customIds.length);
  const startedMs = performance.now();
  for (let i = b.lines.length; i < end && performance.now() - startedMs < SLICE_MS; i++) {
    const a = answerOne(ctx, info, b, i, pending[i]!);
    if (a instanceof Promise) {
      a.then(
        (late) => {
          if (b.pending !== pending) return;
          take(i, late);
          answerSlice(ctx, registry, b, info);
        },
        () => undefined,
      );
      return;
    }
    take(i, a);
  }
  if (b.lines.length < b.customIds.length) {
    setImmediate(() => answerSlice(ctx, registry, b, info));
    return;
  }
  b.pending = null;
}

type Op = 'create' | 'get' | 'list' | 'cancel' | 'delete' | 'results';

/**
 * Every `/v1/messages/batches…` request on this thread; `params[0]` is the batch id where the route
 * has one. `others`: other threads' batches, for a list.
 */
export function batchesRequest(ctx: ThreadContext, info: RequestInfo, body: string, op: Op, others: readonly ListedObject[] = []): Reply {
  const route = 'anthropic_batches';
  const rng = ctx.requestRng(undefined, '');
  const requestId = anthropicRequestId(rng);
  const fail = (e: AnthropicError, kind: 'invalid_request' | 'not_found' | 'invalid_json' | 'authentication'): Reply => anthropicErrorReply(requestId, route, e, kind, OTHER_MODEL);
  const ok = (json: string | Buffer, contentType = JSON_TYPE): Reply => ({ kind: 'json', status: 200, contentType, headers: anthropicHeaders(requestId), body: json, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } });
  const authError = checkAnthropicAuth(ctx, info);
  if (authError) return fail(authError, 'authentication');
  const registry = registryFor(ctx);

  if (op === 'list') {
    const all = [...listings(ctx, info.host), ...others].sort((a, b) => b.seq - a.seq);
    return ok(pageOf(all.map((e) => e.json), info.query));
  }
  if (op === 'create') return createBatch(ctx, info, body, fail, ok);
  const id = safeDecode(info.params[0] ?? '');
  const b = registry.get(id);
  if (b === undefined) return fail({ status: 404, type: 'not_found_error', message: `Message batch ${id} not found.` }, 'not_found');
  switch (op) {
    case 'get':
      return ok(JSON.stringify(batchObject(b, info.host)));
    case 'cancel': {
      settle(b, Date.now());
      if (b.endedMs === null) {
        const now = Date.now();
        b.cancelMs = now;
        // What would not have been generated by now is canceled; the batch ends now.
        const canceled = (i: number): string => JSON.stringify({ custom_id: b.customIds[i], result: { type: 'canceled' } });
        for (let i = 0; i < b.lines.length; i++) {
          if (b.lineDoneMs[i]! <= now) continue;
          b.lines[i] = canceled(i);
          if (b.lineOk[i]) b.succeeded--;
          else b.errored--;
          b.canceled++;
        }
        for (let i = b.lines.length; i < b.customIds.length; i++) {
          b.lines.push(canceled(i));
          b.canceled++;
        }
        b.pending = null;
        b.endedMs = now;
      }
      return ok(JSON.stringify(batchObject(b, info.host)));
    }
    case 'delete':
      settle(b, Date.now());
      // Anthropic deletes only a batch that has ended: a running one is cancelled first.
      if (b.endedMs === null) return fail(invalidRequest(`Message batch ${id} is still in progress: cancel it before deleting it.`), 'invalid_request');
      registry.delete(id);
      return ok(JSON.stringify({ id, type: 'message_batch_deleted' }));
    case 'results':
      settle(b, Date.now());
      if (b.endedMs === null) return fail(invalidRequest(`Message batch ${id} has not finished processing: its results are not available yet.`), 'invalid_request');
      return ok(resultsOf(b), RESULTS_TYPE);
  }
}

function createBatch(ctx: ThreadContext, info: RequestInfo, body: string, fail: (e: AnthropicError, kind: 'invalid_request' | 'invalid_json') => Reply, ok: (json: string) => Reply): Reply {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch (err) {
    return fail(invalidJson(err), 'invalid_json');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail(invalidRequest('Input should be an object'), 'invalid_request');
  const requests = (input as { requests?: unknown }).requests;
  if (requests === undefined) return fail(invalidRequest('requests: Field required'), 'invalid_request');
  if (!Array.isArray(requests)) return fail(invalidRequest('requests: Input should be a valid list'), 'invalid_request');
  if (requests.length === 0) return fail(invalidRequest('requests: List should have at least 1 item after validation, not 0'), 'invalid_request');
  if (requests.length > MAX_BATCH_REQUESTS) return fail(invalidRequest(`requests: List should have at most ${MAX_BATCH_REQUESTS} items after validation, not ${requests.length}`), 'invalid_request');
  const customIds: string[] = [];
  const pending: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < requests.length; i++) {
    const r: unknown = requests[i];
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail(invalidRequest(`requests.${i}: Input should be an object`), 'invalid_request');
    const { custom_id: customId, params } = r as { custom_id?: unknown; params?: unknown };
    if (customId === undefined) return fail(invalidRequest(`requests.${i}.custom_id: Field required`), 'invalid_request');
    if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) return fail(invalidRequest(`requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`), 'invalid_request');
    if (seen.has(customId)) return fail(invalidRequest(`requests: custom_id values must be unique within a batch; '${customId}' appears more than once.`), 'invalid_request');
    if (params === undefined) return fail(invalidRequest(`requests.${i}.params: Field required`), 'invalid_request');
    seen.add(customId);
    customIds.push(customId);
    // A batch is answered whole, never streamed; the params are checked when the request is answered.
    pending.push(typeof params === 'object' && params !== null && !Array.isArray(params) ? JSON.stringify({ ...params, stream: false }) : JSON.stringify(params));
  }
  const nowMs = Date.now();
  const registry = registryFor(ctx);
  const [source, fault] = ctx.reserveArrivals(customIds.length);
  const b: StoredBatch = {
    // The id names this thread, which keeps the batch (`../owner-ids.ts`).
    id: ownedId(ctx.requestRng(undefined, ''), 'msgbatch_01', 22, ownSlot(ctx)),
    seq: ctx.nextStoreSeq(),
    createdMs: nowMs,
    customIds,
    source,
    fault,
    results: null,
    pending,
    lines: [],
    lineDoneMs: [],
    lineOk: [],
    succeeded: 0,
    errored: 0,
    canceled: 0,
    doneMs: nowMs,
    cancelMs: null,
    endedMs: null,
    bytes: 0,
  };
  registry.add(b);
  setImmediate(() => answerSlice(ctx, registry, b, info));
  return ok(JSON.stringify(batchObject(b, info.host)));
}

/** This thread's batches as a list gathers them. */
export function listings(ctx: ThreadContext, host: string): ListedObject[] {
  return registryFor(ctx)
    .all()
    .map((b) => ({ seq: b.seq, json: JSON.stringify(batchObject(b, host)) }));
}

/** Anthropic's page of a list, newest first (`./list-page.ts`). */
function pageOf(items: readonly string[], query: string): string {
  return idPage(
    items.map((json) => ({ id: (JSON.parse(json) as { id: string }).id, json })),
    query,
  );
}
