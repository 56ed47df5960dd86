/**
 * The only module that touches uWS `res`. It copies what it needs from the request
 * synchronously (uWS frees it when the callback returns), attaches `onAborted` before anything
 * async, reads bodies under a limit, holds replies back on the thread's timer wheel, paces
 * streams, and honours backpressure: when a write cannot be flushed, emission pauses until
 * `onWritable`, and a stream paused past the stall limit is closed. A large reply that is not a
 * stream goes out the same way: a slice at a time, as fast as the socket takes it (`sendBody`).
 * Every write from a timer happens inside `cork`.
 *
 * This file is one state machine (reading → waiting → streaming ⇄ paused → done, or
 * → sending ⇄ sendPaused → done for a large body); its size follows from that.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import type { Config } from '../config/schema.js';
import { currentPrefetchedCounts, withPrefetchedCounts } from '../corpus/tokens.js';
import type { Logger } from '../log.js';
import type { CounterWriter, ErrorKind, RouteId } from '../metrics/counters.js';
import type { Clock } from '../timing/clock.js';
import type { ThreadHistograms } from '../metrics/histograms.js';
import type { EmissionSchedule } from '../timing/schedule.js';
import type { TimerWheel, WheelTask } from '../timing/timer-wheel.js';
import { countOffThread, longStrings, OFF_THREAD_BODY_CHARS } from '../workers/count-pool.js';
import { dropUnwantedJobs, JobNotWanted } from '../workers/task-pool.js';
import { forgetUnclaimed, releaseUnclaimed } from './policy.js';
import type { OutputHold } from '../quota/engine.js';
import { atPinnedArrival, pinnedArrival } from './thread-context.js';
import { statusLine, type JsonReply, type Reply, type StreamFault, type StreamReply } from './reply.js';
import type { Lane, Step } from './stream-plan.js';
import type { StreamStop } from './stream-stop.js';

/** Request fields copied out of uWS's stack-allocated request. */
export interface RequestInfo {
  readonly method: string;
  readonly url: string;
  readonly query: string;
  readonly params: readonly string[];
  readonly authorization: string;
  /** Anthropic's key header. */
  readonly xApiKey: string;
  /** Gemini's key header (the key may also come as `?key=`). */
  readonly xGoogApiKey: string;
  /** Azure OpenAI's key header. */
  readonly azureApiKey: string;
  readonly anthropicVersion: string;
  /** Anthropic's opt-ins, comma-separated (`interleaved-thinking-2025-05-14`). */
  readonly anthropicBeta: string;
  readonly requestId: string;
  /** The Host header, for URLs a reply names on this server (a batch's `results_url`). */
  readonly host: string;
  /** The Content-Type header, for a body that is not JSON (a multipart file upload). */
  readonly contentType: string;
  /** The Origin header a browser sends on a cross-origin request; '' from other clients. Read on every request. */
  readonly origin: string;
  /** `anthropic-dangerous-direct-browser-access`, read only when `origin` is set (Anthropic refuses a browser's request without it). */
  readonly browserAccess: string;
  /** Gemini's resumable upload headers (`X-Goog-Upload-*`), for `/upload/v1beta/files`; NO_GOOG_UPLOAD unless the route reads them. */
  readonly googUpload: GoogUploadHeaders;
  /**
   * A batch's request (`./batch-item.ts`): the fault position its batch reserved for it, and no
   * live rate limit; -1 for every request a client sends.
   */
  readonly batchFault: number;
  /** Per-request overrides for unit tests (`x-understudy-fault`, `-ttft-ms`, `-entry`); '' when absent. */
  readonly overrideFault: string;
  readonly overrideTtftMs: string;
  readonly overrideEntry: string;
  /**
   * `x-understudy-batch-output-limit-bytes`: a lower bound on a Gemini batch's output than the
   * simulator's own, for tests of a batch too large to keep; read only on the routes that name it.
   */
  readonly overrideBatchOutputBytes: string;
  /** Values of the headers a chaos scenario targets (lower-case names). */
  readonly tags: Readonly<Record<string, string>>;
}

/** The `X-Goog-Upload-*` headers of a resumable upload request ('' when absent). */
export interface GoogUploadHeaders {
  readonly protocol: string;
  readonly command: string;
  readonly offset: string;
  /** `X-Goog-Upload-Header-Content-Type`: the whole file's, sent with `start`. */
  readonly contentType: string;
}

export const NO_GOOG_UPLOAD: GoogUploadHeaders = Object.freeze({ protocol: '', command: '', offset: '', contentType: '' });

/**
 * Request fields a route may read; those it does not name stay ''. Each is a native call per
 * request (15 of them took a tenth of a chat request's server time), so the hot routes name theirs.
 */
export type RequestField = 'method' | 'url' | 'query' | 'authorization' | 'x-api-key' | 'x-goog-api-key' | 'api-key' | 'anthropic-version' | 'anthropic-beta' | 'x-request-id' | 'host' | 'content-type' | 'x-goog-upload' | 'x-understudy-batch-output-limit-bytes';

const FIELD_BIT: Readonly<Record<RequestField, number>> = {
  method: 1,
  url: 2,
  query: 4,
  authorization: 8,
  'x-api-key': 16,
  'x-goog-api-key': 32,
  'api-key': 64,
  'anthropic-version': 128,
  'x-request-id': 256,
  'anthropic-beta': 512,
  host: 1024,
  'content-type': 2048,
  'x-goog-upload': 4096,
  'x-understudy-batch-output-limit-bytes': 8192,
};

/** Every field but the upload headers and the batch override: what a route reads unless it names its own. */
const ALL_FIELDS: readonly RequestField[] = (Object.keys(FIELD_BIT) as RequestField[]).filter((f) => f !== 'x-goog-upload' && f !== 'x-understudy-batch-output-limit-bytes');

function fieldMask(fields: readonly RequestField[]): number {
  let mask = 0;
  for (const f of fields) mask |= FIELD_BIT[f];
  return mask;
}

/** Header names chaos scenarios target; copied from each request, since uWS frees it. */
let tagHeaders: readonly string[] = [];
export function setTagHeaders(names: readonly string[]): void {
  tagHeaders = names.map((n) => n.toLowerCase());
}

/** Dialect-shaped replies for what the exchange itself must answer: a body over the limit, a handler bug. */
export interface RouteErrors {
  tooLarge(info: RequestInfo): JsonReply;
  internal(err: unknown): JsonReply;
  /** A body nested so deeply that walking it overflowed the stack: the client's error, not ours. */
  tooDeep(): JsonReply;
  /** A request arriving on an open keep-alive connection while the thread drains. */
  shuttingDown(): JsonReply;
}

/** Per-thread collaborators, installed once by the server thread. */
export interface ExchangeEnv {
  readonly config: Config;
  readonly clock: Clock;
  readonly wheel: TimerWheel<Exchange>;
  readonly counters: CounterWriter;
  /** Emission lag, TTFT and inter-token gaps as actually sent. */
  readonly histograms: ThreadHistograms;
  /** Frees a saturation slot when the request it was taken for finishes. */
  readonly releaseSlot: (slot: number) => void;
  /** Where a handler's internal error is reported (the client gets the dialect's 500). */
  readonly log: Logger;
}

let env: ExchangeEnv | null = null;
let inFlight = 0;
let draining = false;
let onIdle: (() => void) | null = null;

export function installExchangeEnv(e: ExchangeEnv): void {
  env = e;
}

function currentEnv(): ExchangeEnv {
  if (env === null) throw new Error('http-exchange: installExchangeEnv() was not called');
  return env;
}

export function inFlightCount(): number {
  return inFlight;
}

/** Stops taking new work on open connections; `idle` runs once nothing is in flight. */
export function beginDrain(idle: () => void): void {
  draining = true;
  onIdle = idle;
  if (inFlight === 0) idle();
}

type Phase = 'reading' | 'waiting' | 'streaming' | 'paused' | 'sending' | 'sendPaused' | 'done';
type StreamOutcome = 'more' | 'end' | 'cut';

const SSE_FIRST_BYTE = Buffer.from('\n');
const SSE_TYPE = 'text/event-stream; charset=utf-8';
/**
 * A lone newline ends uWS's header block (uWS sends the header terminator with the first body
 * bytes) and is an empty SSE line, which every SSE parser ignores.
 */

/*
 * Shared empty values an exchange holds instead of fresh ones, and takes back once it is done with
 * its own: a stream lives about a second, long enough for what it holds to be copied by a scavenge
 * or two and promoted, and every byte of it is then work for the collector (decision 0007).
 */
const NO_BODY_CHUNKS: Buffer[] = Object.freeze([]) as unknown as Buffer[];
const NO_LANES: Lane[] = Object.freeze([]) as unknown as Lane[];
const NO_HEADERS: readonly string[] = Object.freeze([]);
/** A request with every field empty: what an exchange holds once its handler has run, and a base for callers that build one by hand. */
export const NO_INFO: RequestInfo = Object.freeze({
  method: '',
  url: '',
  query: '',
  params: Object.freeze([]),
  authorization: '',
  xApiKey: '',
  xGoogApiKey: '',
  azureApiKey: '',
  anthropicVersion: '',
  anthropicBeta: '',
  host: '',
  contentType: '',
  origin: '',
  browserAccess: '',
  googUpload: NO_GOOG_UPLOAD,
  batchFault: -1,
  requestId: '',
  overrideFault: '',
  overrideTtftMs: '',
  overrideEntry: '',
  overrideBatchOutputBytes: '',
  tags: Object.freeze({}),
});

export class Exchange implements WheelTask {
  wheelDueMs: number;
  wheelNext: WheelTask | null;
  wheelPrev: WheelTask | null;
  wheelSlot: number;

  readonly res: HttpResponse;
  /** The request's fields until the reply is chosen; then `NO_INFO`, since a stream outlives them by seconds. */
  info: RequestInfo;
  phase: Phase;
  route: RouteId;
  modelIndex: number;
  errorKind: ErrorKind | null;
  /** Chunks of a body that arrived in pieces; `NO_BODY_CHUNKS` until one does. */
  bodyChunks: Buffer[];
  bodyBytes: number;
  // Held JSON reply.
  json: JsonReply | null;
  /** A large body being sent a slice at a time (`sendBody`); null otherwise. */
  body: Buffer | null;
  /** Where its sending stops: its length, or half of it for a cut (`JsonReply.truncate`). */
  bodyEnd: number;
  // Stream state.
  lanes: Lane[];
  trailer: Buffer | null;
  /** The stream's content type (`StreamReply.contentType`), written with its headers. */
  streamType: string;
  /** Until they are written; then `NO_HEADERS`. */
  headers: readonly string[];
  headersSent: boolean;
  schedule: EmissionSchedule | null;
  /** Next event of the schedule to send. */
  eventIndex: number;
  acceptedAtMs: number;
  lastEmitAtMs: number;
  pausedAtMs: number;
  tokensSent: number;
  /** A mid-stream chaos fault still to strike. */
  fault: StreamFault | null;
  /** What ends the stream early when marked (`StreamReply.stop`); null for none. */
  stop: StreamStop | null;
  /** Saturation slot held until the exchange finishes; -1 for none. */
  saturationSlot: number;
  /** Output reservation settled when the answer ends, at what it produced; null for none. */
  outputHold: OutputHold | null;
  /** Next `sequence_number` of a stream with numbered frames (OpenAI Responses). */
  sequence: number;
  /** A cut reply's bytes (half a body, a stream up to its fault) are written; the connection closes on the wheel's next turn. */
  cutPending: boolean;
  /**
   * Events due before this time are a resumed stream's replay, sent late on purpose: they are
   * left out of the emission lag and TTFT/ITL histograms. 0 for a stream sent from its start.
   */
  replayedBeforeMs: number;
  /** A HEAD request: answered with the status and headers its GET would get, and no body. */
  headOnly: boolean;
  /** A browser's cross-origin request (it sent Origin): the reply allows any origin to read it. */
  cors: boolean;
  /**
   * The request's body is not read (a body past the limit on a route that takes none, or chunked):
   * the socket has stopped reading, and the reply says `connection: close`.
   */
  unreadBody: boolean;
  /** A chaos fault holds it and no response byte has gone out: counted in the held-requests gauge. */
  held: boolean;
  /**
   * Bytes of the stream assembled but not yet handed to uWS, from `carryStart` to `carryEnd`: what
   * did not fit the cork they were made in (`CORK_ROOM_BYTES`). Null until a stream needs one.
   */
  carry: Buffer | null;
  carryStart: number;
  carryEnd: number;
  /** What the stream does once its carried bytes are out: more events, its end, or a fault's cut. */
  outcome: StreamOutcome;
  /** Bytes its stream head put in uWS's cork around the handler, which the first event's cork shares. */
  corkedBytes: number;

  constructor(res: HttpResponse, info: RequestInfo) {
    this.wheelDueMs = 0;
    this.wheelNext = null;
    this.wheelPrev = null;
    this.wheelSlot = -1;
    this.res = res;
    this.info = info;
    this.phase = 'reading';
    this.route = 'unrouted';
    this.modelIndex = 0;
    this.errorKind = null;
    this.bodyChunks = NO_BODY_CHUNKS;
    this.bodyBytes = 0;
    this.json = null;
    this.body = null;
    this.bodyEnd = 0;
    this.lanes = NO_LANES;
    this.trailer = null;
    this.streamType = SSE_TYPE;
    this.headers = NO_HEADERS;
    this.headersSent = false;
    this.schedule = null;
    this.eventIndex = 0;
    this.acceptedAtMs = 0;
    this.lastEmitAtMs = 0;
    this.pausedAtMs = 0;
    this.tokensSent = 0;
    this.fault = null;
    this.stop = null;
    this.saturationSlot = -1;
    this.outputHold = null;
    this.sequence = 0;
    this.cutPending = false;
    this.replayedBeforeMs = 0;
    this.headOnly = false;
    this.cors = info.origin !== '';
    this.unreadBody = false;
    this.held = false;
    this.carry = null;
    this.carryStart = 0;
    this.carryEnd = 0;
    this.outcome = 'more';
    this.corkedBytes = 0;
  }
}

const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});

function copyRequest(req: HttpRequest, paramCount: number, reads: number): RequestInfo {
  const params: string[] = [];
  for (let i = 0; i < paramCount; i++) params.push(req.getParameter(i));
  // Override headers are read only where they are honoured: load tests switch them off.
  const overrides = currentEnv().config.overrideHeaders;
  const origin = req.getHeader('origin');
  return {
    method: (reads & FIELD_BIT.method) !== 0 ? req.getCaseSensitiveMethod() : '',
    url: (reads & FIELD_BIT.url) !== 0 ? req.getUrl() : '',
    query: (reads & FIELD_BIT.query) !== 0 ? (req.getQuery() ?? '') : '',
    params,
    authorization: (reads & FIELD_BIT.authorization) !== 0 ? req.getHeader('authorization') : '',
    xApiKey: (reads & FIELD_BIT['x-api-key']) !== 0 ? req.getHeader('x-api-key') : '',
    xGoogApiKey: (reads & FIELD_BIT['x-goog-api-key']) !== 0 ? req.getHeader('x-goog-api-key') : '',
    azureApiKey: (reads & FIELD_BIT['api-key']) !== 0 ? req.getHeader('api-key') : '',
    anthropicVersion: (reads & FIELD_BIT['anthropic-version']) !== 0 ? req.getHeader('anthropic-version') : '',
    anthropicBeta: (reads & FIELD_BIT['anthropic-beta']) !== 0 ? req.getHeader('anthropic-beta') : '',
    requestId: (reads & FIELD_BIT['x-request-id']) !== 0 ? req.getHeader('x-request-id') : '',
    host: (reads & FIELD_BIT.host) !== 0 ? req.getHeader('host') : '',
    contentType: (reads & FIELD_BIT['content-type']) !== 0 ? req.getHeader('content-type') : '',
    origin,
    browserAccess: origin === '' ? '' : req.getHeader('anthropic-dangerous-direct-browser-access'),
    googUpload:
      (reads & FIELD_BIT['x-goog-upload']) !== 0
        ? {
            protocol: req.getHeader('x-goog-upload-protocol'),
            command: req.getHeader('x-goog-upload-command'),
            offset: req.getHeader('x-goog-upload-offset'),
            contentType: req.getHeader('x-goog-upload-header-content-type'),
          }
        : NO_GOOG_UPLOAD,
    batchFault: -1,
    overrideFault: overrides ? req.getHeader('x-understudy-fault') : '',
    overrideTtftMs: overrides ? req.getHeader('x-understudy-ttft-ms') : '',
    overrideEntry: overrides ? req.getHeader('x-understudy-entry') : '',
    overrideBatchOutputBytes: overrides && (reads & FIELD_BIT['x-understudy-batch-output-limit-bytes']) !== 0 ? req.getHeader('x-understudy-batch-output-limit-bytes') : '',
    tags: tagHeaders.length === 0 ? NO_TAGS : Object.fromEntries(tagHeaders.map((n) => [n, req.getHeader(n)])),
  };
}

/**
 * Corrects the request's output charge to `produced` tokens, once. A JSON reply produced its whole
 * answer when it is sent (or cut, or its client leaves while it is held: it was drawn whole); a
 * stream, the tokens it sent.
 */
function settleOutput(ex: Exchange, produced: number): void {
  const hold = ex.outputHold;
  if (hold === null) return;
  ex.outputHold = null;
  hold.settle(produced);
}

/** The hold is over: the answer starts, or the exchange ends (the client left, a drain). */
function endHold(ex: Exchange): void {
  ex.held = false;
  currentEnv().counters.heldRequests(-1);
}

/**
 * Gives back the exchange's capacity slot (`../timing/saturation.ts`), at the latest before the
 * bytes that end its reply leave: a client that sends its next request once this one has ended,
 * on a connection another thread serves, must find the slot free, or a run of requests sent one
 * after another is slowed as if two were in flight, by how the threads happened to be scheduled.
 */
function releaseCapacity(ex: Exchange): void {
  if (ex.saturationSlot < 0) return;
  currentEnv().releaseSlot(ex.saturationSlot);
  ex.saturationSlot = -1;
}

function finish(ex: Exchange): void {
  if (ex.phase === 'done') return;
  if (ex.held) endHold(ex);
  const wasStreaming = ex.phase === 'streaming' || ex.phase === 'paused';
  if (ex.phase === 'paused') currentEnv().counters.pausedStreams(-1);
  ex.phase = 'done';
  releaseCapacity(ex);
  if (ex.outputHold !== null) settleOutput(ex, ex.json !== null ? ex.json.completionTokens : ex.tokensSent);
  ex.lanes = NO_LANES;
  ex.trailer = null;
  ex.schedule = null;
  ex.json = null;
  ex.body = null;
  ex.carry = null;
  ex.bodyChunks = NO_BODY_CHUNKS;
  ex.headers = NO_HEADERS;
  if (wasStreaming) currentEnv().counters.activeStreams(-1);
  inFlight--;
  if (draining && inFlight === 0 && onIdle !== null) {
    const idle = onIdle;
    onIdle = null;
    idle();
  }
}

function onAborted(ex: Exchange): void {
  if (ex.phase === 'done') return;
  const e = currentEnv();
  // Frees the stream at once: off the wheel, buffers dropped.
  e.wheel.cancel(ex);
  e.counters.error('client_disconnect');
  if (ex.tokensSent > 0) e.counters.tokensOut(ex.modelIndex, ex.tokensSent);
  finish(ex);
  // A pool job waiting for this request (a large embedding batch, a long prompt's counting) is
  // dropped now, with its input, rather than when a worker comes free.
  dropUnwantedJobs();
}

/** `body` is the request body decoded as UTF-8 (malformed bytes become U+FFFD, a BOM is kept). */
export type PostHandler = (info: RequestInfo, body: string) => Reply | Promise<Reply>;

/** Handlers of prompt routes, marked by `countsOffThread`, with the requests it applies to. */
const COUNTING_OFF_THREAD = new WeakMap<PostHandler, (info: RequestInfo) => boolean>();
const EVERY_REQUEST = (): boolean => true;

/**
 * Marks a prompt route's handler: a body of OFF_THREAD_BODY_CHARS or more has its long strings
 * counted in the thread's count pool before the handler runs (`src/workers/count-pool.ts`).
 * `when` leaves out requests the handler counts some other way (a route that also embeds).
 */
export function countsOffThread(handler: PostHandler, when: (info: RequestInfo) => boolean = EVERY_REQUEST): PostHandler {
  COUNTING_OFF_THREAD.set(handler, when);
  return handler;
}

/** Handlers whose body is bytes rather than UTF-8 text, marked by `takesBytes`. */
const BYTE_BODIES = new WeakSet<PostHandler>();

/**
 * Marks a handler whose body is bytes, not UTF-8 text (a file upload): it gets one character per
 * byte (latin1), and `Buffer.from(body, 'latin1')` gives the exact bytes back.
 */
export function takesBytes(handler: PostHandler): PostHandler {
  BYTE_BODIES.add(handler);
  return handler;
}

/** Runs the handler once the pool has counted `texts`, taking its counts as made; the thread serves others meanwhile. */
function countThenSettle(ex: Exchange, route: string, errors: RouteErrors, handler: PostHandler, body: string, texts: readonly string[]): void {
  const run = (): void => settle(ex, route, errors, () => handler(ex.info, body));
  countOffThread(texts, currentEnv().config.threads, waitedFor(ex)).then(
    (counts) => {
      // A client gone meanwhile has been let go by onAborted.
      if (ex.phase === 'reading') withPrefetchedCounts(counts, run);
    },
    // A pool that cannot count leaves the counting to the handler.
    () => {
      if (ex.phase === 'reading') run();
    },
  );
}
export type GetHandler = (info: RequestInfo) => Reply | Promise<Reply>;

// ignoreBOM keeps a leading BOM in the text, so JSON.parse refuses it as the providers do.
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * True while a route handler or a body callback runs a handler synchronously. uWS has the socket
 * corked then (it corks around each read; one send per reply confirms it), so a reply made there is
 * written directly: `res.cork` would add a native round trip and a closure per request.
 */
let insideUws = false;

function settleInsideUws(ex: Exchange, route: string, errors: RouteErrors, run: () => Reply | Promise<Reply>): void {
  insideUws = true;
  try {
    settle(ex, route, errors, run);
  } finally {
    insideUws = false;
  }
}

function begin(res: HttpResponse, req: HttpRequest, paramCount: number, reads: number): Exchange {
  const ex = new Exchange(res, copyRequest(req, paramCount, reads));
  inFlight++;
  res.onAborted(() => onAborted(ex));
  return ex;
}

/** Body bytes past the limit that are read and dropped so that the 413 arrives intact; past this the connection is cut. */
const DISCARD_PAST_LIMIT_BYTES = 64 * 1024 * 1024;

/** The data handler of a refused body: its bytes are dropped as they come. */
function ignoreBody(): void {}

/** The socket reads nothing more, and the reply says `connection: close` (uWS's idle timeout then closes it). */
function stopReading(ex: Exchange): void {
  ex.unreadBody = true;
  ex.res.pause();
}

/**
 * Body bytes read after `stopReading`. uSockets polls a socket whose write the kernel did not
 * take whole for reading and writing together, which undoes the pause while a large reply or a
 * stream waits on its client: uWS then read and dropped whatever the client kept sending, 2–3 GB
 * a second, until the stall limit (and after a large reply, for good). Past the body limit the
 * connection is closed.
 */
function readPastStop(ex: Exchange, bytes: number): void {
  if (ex.phase === 'done') return;
  ex.bodyBytes += bytes;
  const e = currentEnv();
  if (ex.bodyBytes <= e.config.bodyLimitBytes) return;
  e.wheel.cancel(ex);
  e.counters.error('body_too_large');
  if (ex.tokensSent > 0) e.counters.tokensOut(ex.modelIndex, ex.tokensSent);
  finish(ex);
  ex.res.close();
}

/**
 * Whether a request to a route that takes no body carries one it must not read: chunked (no end
 * to wait for) or declared past the limit. uWS reads and drops a body no handler takes, to its
 * end: a GET, or a POST to an unknown path, could send gigabytes.
 */
function unboundedBody(req: HttpRequest, limit: number): boolean {
  return req.getHeader('transfer-encoding') !== '' || Number(req.getHeader('content-length') || '0') > limit;
}

/**
 * Registers a POST route (or, with `method`, a PATCH one) whose handler gets the whole body, read
 * under the configured limit. `fields`: what the handler reads of the request (override and
 * scenario tag headers are always copied when in use).
 */
export function postRoute(app: TemplatedApp, pattern: string, paramCount: number, errors: RouteErrors, handler: PostHandler, fields: readonly RequestField[] = ALL_FIELDS, method: 'post' | 'patch' = 'post'): void {
  const reads = fieldMask(fields);
  const route = `${method.toUpperCase()} ${pattern}`;
  const offThread = COUNTING_OFF_THREAD.get(handler);
  const bytes = BYTE_BODIES.has(handler);
  app[method](pattern, (res, req) => {
    const ex = begin(res, req, paramCount, reads);
    if (draining) {
      dispatch(ex, { ...errors.shuttingDown(), close: true });
      return;
    }
    const limit = currentEnv().config.bodyLimitBytes;
    const declared = Number(req.getHeader('content-length') || '0');
    if (declared > limit) {
      // Refused at once; uWS reads the declared bytes and drops them, so the connection stays
      // usable. A data handler keeps uWS's timeout moving with the bytes: without one it cut an
      // upload still under way 8–12 s after the 413. (uWS has sent 100 Continue already to a
      // client that waits for it, so that client sends its body too.) Past
      // DISCARD_PAST_LIMIT_BYTES the connection is closed instead (a client still writing may see
      // that as a reset).
      const close = declared > limit + DISCARD_PAST_LIMIT_BYTES;
      if (!close) res.onData(ignoreBody);
      dispatch(ex, close ? { ...errors.tooLarge(ex.info), close: true } : errors.tooLarge(ex.info));
      return;
    }
    res.onData((chunk, isLast) => {
      if (ex.phase !== 'reading') {
        if (ex.unreadBody) readPastStop(ex, chunk.byteLength);
        return;
      }
      ex.bodyBytes += chunk.byteLength;
      if (ex.bodyBytes > limit) {
        // Only a chunked body gets here (a declared one is refused above), and it declares no
        // end to wait for: read and dropped, it let a client send gigabytes. The socket stops
        // reading now and the 413 goes out with `Connection: close`; uWS's idle timeout closes
        // the socket 8–12 s later. Not closed at once: a close with unread bytes is a reset, which
        // drops the 413 still in the send buffer. (And `res` is invalid once the reply has ended,
        // so nothing of ours could close it later.) A fetch client, as every SDK is, reads the
        // 413 and stops sending.
        ex.bodyChunks = NO_BODY_CHUNKS;
        stopReading(ex);
        dispatch(ex, errors.tooLarge(ex.info));
        return;
      }
      if (!isLast) {
        // uWS reuses the chunk's memory after this callback, so a partial body is copied.
        if (ex.bodyChunks === NO_BODY_CHUNKS) ex.bodyChunks = [];
        ex.bodyChunks.push(Buffer.from(chunk.slice(0)));
        return;
      }
      // Most bodies arrive in one chunk: decoded straight from uWS's memory, with no copy (an
      // ArrayBuffer copy cost 0.5 µs, several times the decode). A split body is decoded whole,
      // since a chunk boundary can cut a UTF-8 sequence.
      let body: string;
      if (ex.bodyChunks.length === 0) body = bytes ? Buffer.from(chunk).toString('latin1') : UTF8.decode(chunk);
      else {
        ex.bodyChunks.push(Buffer.from(chunk));
        const whole = Buffer.concat(ex.bodyChunks, ex.bodyBytes);
        body = bytes ? whole.toString('latin1') : UTF8.decode(whole);
      }
      ex.bodyChunks = NO_BODY_CHUNKS;
      if (offThread !== undefined && body.length >= OFF_THREAD_BODY_CHARS && offThread(ex.info)) {
        const texts = longStrings(body);
        if (texts.length > 0) {
          countThenSettle(ex, route, errors, handler, body, texts);
          return;
        }
      }
      settleInsideUws(ex, route, errors, () => handler(ex.info, body));
    });
  });
}

/**
 * An internal error's type and where it was thrown, for the log. Not its message: that may quote
 * the request (a tokenizer's error names the text it choked on), and request contents are never
 * logged.
 */
export function describeInternalError(err: unknown): string {
  if (!(err instanceof Error)) return `a thrown ${typeof err}`;
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 4)
    .map((line) => line.trim().slice(3));
  return frames.length > 0 ? `${err.name} at ${frames.join(' < ')}` : err.name;
}

/** What a request nested too deep to process is told, in each provider's shape. */
export const TOO_DEEP_MESSAGE = 'The request body nests JSON arrays and objects too deeply to be processed.';

/**
 * V8's stack overflow. Parsing a body never overflows (JSON.parse is iterative), but the handlers
 * walk what it returns recursively (token counting, schemas, JSON.stringify); a body nested tens
 * of thousands deep, a few hundred KB, overflows them. Catching that costs nothing per request,
 * where measuring every body's depth would.
 */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && err.message.includes('call stack');
}

/** `route` is the method and the registered pattern: routes that copy no URL still name where it failed. */
function handlerError(route: string, errors: RouteErrors, err: unknown): JsonReply {
  if (isStackOverflow(err)) return errors.tooDeep();
  currentEnv().log.error(`internal error answering ${route}: ${describeInternalError(err)}`);
  return errors.internal(err);
}

/** The exchange whose handler is running, for `clientWaiting`; null between handlers and for a batch's requests. */
let answering: Exchange | null = null;

const NO_CLIENT = (): boolean => true;

/**
 * Whether the client of the request being answered is still waiting for its answer: for work a
 * handler hands elsewhere (a pool job), to be dropped once the client has left. Call it while the
 * handler runs (or in `replyAfter`'s continuation); a request with no client of its own (a batch's)
 * is always waited for.
 */
export function clientWaiting(): () => boolean {
  return answering === null ? NO_CLIENT : waitedFor(answering);
}

/** Whether `ex`'s client still waits for its answer: until it is answered, or leaves (`onAborted`). */
function waitedFor(ex: Exchange): () => boolean {
  return () => ex.phase === 'reading';
}

/** Runs `run` as no exchange's handler: a batch's request, answered whether or not the client that created the batch stays. */
export function withoutClient<T>(run: () => T): T {
  const outer = answering;
  answering = null;
  try {
    return run();
  } finally {
    answering = outer;
  }
}

/** Runs a handler and dispatches its reply, sync or async; a throw becomes the dialect's 500 (400 for a stack overflow). */
function settle(ex: Exchange, route: string, errors: RouteErrors, run: () => Reply | Promise<Reply>): void {
  let reply: Reply | Promise<Reply>;
  forgetUnclaimed();
  answering = ex;
  try {
    reply = run();
    // A reply that was admitted carries its slot and reservation in its meta.
    forgetUnclaimed();
  } catch (err) {
    releaseUnclaimed(currentEnv().releaseSlot);
    reply = handlerError(route, errors, err);
  } finally {
    answering = null;
  }
  if (reply instanceof Promise) {
    reply.then(
      // A transient body is a view of scratch memory that other requests have reused by now.
      (r) => dispatch(ex, r.kind === 'json' && r.transient === true ? handlerError(route, errors, new Error('an async handler returned a transient body')) : r),
      (err: unknown) => {
        // Work dropped because the client left: there is no one to answer, and nothing went wrong.
        if (err instanceof JobNotWanted && ex.phase !== 'reading') return;
        dispatch(ex, handlerError(route, errors, err));
      },
    );
  } else dispatch(ex, reply);
}

/**
 * A handler's reply once `ready` has what it waits for (another thread's answer): `run` goes on
 * as `settle` runs a handler, so a saturation slot it admits and then throws past is released,
 * and with the token counts the pool made for the request (call it while the handler runs).
 */
export function replyAfter<T>(ready: Promise<T>, run: (value: T) => Reply | Promise<Reply>): Promise<Reply> {
  const counts = currentPrefetchedCounts();
  // A batch's request draws at its reserved position after the await too, not at the run's next one.
  const pinned = pinnedArrival();
  // And work the continuation hands a pool is still dropped if the client leaves.
  const ex = answering;
  return ready.then((value) => {
    forgetUnclaimed();
    answering = ex;
    try {
      const reply = atPinnedArrival(pinned, () => withPrefetchedCounts(counts, () => run(value)));
      forgetUnclaimed();
      return reply;
    } catch (err) {
      releaseUnclaimed(currentEnv().releaseSlot);
      throw err;
    } finally {
      answering = null;
    }
  });
}

/**
 * Registers a body-less route (any method uWS accepts for `method`); it reads every request field.
 * A GET route answers HEAD as well, and whatever answers a HEAD (the `any` fallback's 405 or 404
 * included) sends no body: a body after a HEAD's headers would be read as the start of the
 * connection's next response.
 */
export function getRoute(app: TemplatedApp, method: 'get' | 'del' | 'options' | 'any', pattern: string, paramCount: number, errors: RouteErrors, handler: GetHandler): void {
  const reads = fieldMask(ALL_FIELDS);
  const route = `${method === 'del' ? 'DELETE' : method.toUpperCase()} ${pattern}`;
  const answer = (res: HttpResponse, req: HttpRequest) => {
    const ex = begin(res, req, paramCount, reads);
    ex.headOnly = ex.info.method === 'HEAD';
    if (unboundedBody(req, currentEnv().config.bodyLimitBytes)) {
      stopReading(ex);
      res.onData((chunk) => readPastStop(ex, chunk.byteLength));
    }
    if (draining) {
      dispatch(ex, { ...errors.shuttingDown(), close: true });
      return;
    }
    settleInsideUws(ex, route, errors, () => handler(ex.info));
  };
  app[method](pattern, answer);
  if (method === 'get') app.head(pattern, answer);
}

function dispatch(ex: Exchange, reply: Reply): void {
  if (ex.phase !== 'reading') {
    // An async reply for a client that left meanwhile: the slot it was admitted with goes back,
    // and its output reservation whole, as no answer was produced for it.
    const slot = reply.meta.saturationSlot ?? -1;
    if (slot >= 0) currentEnv().releaseSlot(slot);
    reply.meta.outputHold?.settle(0);
    return;
  }
  // The handler has read what it needs; a reply held or streamed for seconds does not keep it.
  ex.info = NO_INFO;
  ex.route = reply.meta.route;
  ex.modelIndex = reply.meta.modelIndex;
  ex.saturationSlot = reply.meta.saturationSlot ?? -1;
  ex.outputHold = reply.meta.outputHold ?? null;
  ex.errorKind = reply.meta.errorKind;
  if (reply.kind === 'hold') {
    // Accepted and never answered: only the client's timeout (or the drain deadline) ends it.
    const e = currentEnv();
    e.counters.request(ex.route, 0, ex.modelIndex);
    e.counters.heldRequests(1);
    ex.held = true;
    ex.phase = 'waiting';
    return;
  }
  if (reply.meta.held === true) {
    currentEnv().counters.heldRequests(1);
    ex.held = true;
  }
  if (reply.kind === 'reset') {
    currentEnv().counters.request(ex.route, 0, ex.modelIndex);
    finish(ex);
    ex.res.close();
    return;
  }
  if (ex.headOnly && reply.kind === 'stream') {
    // A stream's status and headers, and nothing of its events.
    reply = { kind: 'json', status: 200, contentType: reply.contentType ?? SSE_TYPE, headers: reply.headers, body: '', delayMs: 0, completionTokens: 0, meta: reply.meta };
  }
  if (reply.kind === 'json') {
    // A held reply outlives the scratch memory a transient body points into: it gets its own copy.
    ex.json = reply.transient === true && reply.delayMs > 0 ? { ...reply, body: Buffer.from(reply.body), transient: false } : reply;
    if (reply.delayMs > 0) {
      ex.phase = 'waiting';
      const e = currentEnv();
      e.wheel.schedule(ex, e.clock.now() + reply.delayMs);
      return;
    }
    if (insideUws) sendJson(ex);
    else ex.res.cork(() => sendJson(ex));
    return;
  }
  startStream(ex, reply);
}

/**
 * Writes the status and every header with one native call: uWS writes `name: value\r\n` verbatim,
 * so the whole block rides in the value of the first header. Native calls dominate small replies;
 * this saves one per header. Safe because no request text reaches a header with CR or LF: values
 * are the simulator's own (some carry lines it joined ahead of time, see `JsonReply.headers`), and
 * the echoed x-request-id is checked to be printable ASCII.
 */
function writeHead(ex: Exchange, status: number, contentType: string, headers: readonly string[]): number {
  const block = headBlock(ex, contentType, headers);
  writeBlock(ex, status, block);
  return HEAD_BYTES + block.length;
}

/** The status line and `headBlock`'s block. */
function writeBlock(ex: Exchange, status: number, block: string): void {
  // uWS writes "200 OK" itself when no status was written: one native call fewer for most replies.
  if (status !== 200) ex.res.writeStatus(statusLine(status));
  ex.res.writeHeader('content-type', block);
}

/** Every header, as the value of `content-type` (see `writeHead`). */
function headBlock(ex: Exchange, contentType: string, headers: readonly string[]): string {
  let block = contentType;
  for (let i = 0; i < headers.length; i += 2) block += `\r\n${headers[i]!}: ${headers[i + 1]!}`;
  // The providers' APIs answer browsers with `*` (Anthropic once the request opts in, which its
  // handlers check): keys, not origins, guard them. Every header is exposed, so a browser SDK
  // reads retry-after, the rate-limit headers and the ground truth as a server-side one does.
  if (ex.cors) block += '\r\naccess-control-allow-origin: *\r\naccess-control-expose-headers: *';
  // The socket has stopped reading a body it will not take: the client must not send another request on it.
  if (ex.unreadBody) block += '\r\nconnection: close';
  return block;
}

/**
 * At most what uWS writes around the header block: the status line, its own Date and uWebSockets
 * headers, `content-type: `, Transfer-Encoding or Content-Length, and the blank line. The block
 * itself is ASCII (see `writeHead`), so its length is its bytes.
 */
const HEAD_BYTES = 192;

/** Runs inside a cork. */
function sendJson(ex: Exchange): void {
  const r = ex.json!;
  const e = currentEnv();
  if (ex.held) endHold(ex);
  // The answer is whole once it is sent, even when a fault then cuts its body short.
  settleOutput(ex, r.completionTokens);
  e.counters.request(ex.route, r.status, ex.modelIndex);
  if (ex.errorKind !== null) e.counters.error(ex.errorKind);
  if (r.completionTokens > 0) e.counters.tokensOut(ex.modelIndex, r.completionTokens);
  if (ex.headOnly) {
    // The GET's length as a header of our own: given to `endWithoutBody`, uWS 20.30 waits for that
    // many body bytes before it counts the response done, and the connection hangs. No argument
    // at all: the binding reads `undefined` as a length too. So a HEAD never closes its
    // connection here (a HEAD has no body left unread; a draining thread closes it at shutdown).
    // A stream's GET has no length (it is chunked): its HEAD names none either.
    const length = r.contentType.startsWith('text/event-stream') ? r.headers : [...r.headers, 'content-length', String(Buffer.byteLength(r.body))];
    writeHead(ex, r.status, r.contentType, length);
    ex.res.endWithoutBody();
    finish(ex);
    return;
  }
  const close = (r.close === true || draining) && !ex.unreadBody;
  const block = headBlock(ex, r.contentType, r.headers);
  // `end` sends the head and body through uWS's cork buffer, and uWS drops a body that overflows
  // it while the socket is full (see CORK_BUFFER_BYTES): a longer body goes by `tryEnd`, which
  // stops where the socket does. A string's length in UTF-16 units: its UTF-8 is at least as
  // long, and at most three times, so only a string between a third of the room and the room
  // needs its bytes counted.
  const room = CORK_ROOM_BYTES - HEAD_BYTES - block.length;
  if (r.body.length > room || (typeof r.body === 'string' && r.body.length * 3 > room && Buffer.byteLength(r.body) > room)) {
    // `tryEnd` takes no flag to close the connection once the body is out, as `end` does: the
    // client is asked to, and a draining thread closes the socket at shutdown.
    startBody(ex, r, close ? `${block}\r\nconnection: close` : block);
    return;
  }
  writeBlock(ex, r.status, block);
  if (r.truncate === true) {
    // A body cut mid-JSON, then the connection closes: what a proxy timeout does to a reply.
    // Closing inside the cork would drop the corked bytes, so the close waits for the wheel's
    // next turn, after the cork (or uWS's own, around a handler) has sent them.
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    ex.res.write(body.subarray(0, body.length >> 1));
    ex.json = null;
    ex.cutPending = true;
    e.wheel.schedule(ex, e.clock.now());
    return;
  }
  // A socket that stopped reading is not closed here: a close with unread bytes is a reset, which drops the reply.
  ex.res.end(r.body, close);
  finish(ex);
}

/**
 * A large body goes to uWS this much at a time: `tryEnd` writes only what the socket takes and
 * copies none of it, but a write that has to flush corked headers first reserves room for the
 * whole slice when the socket pushes back.
 */
const BODY_SLICE_BYTES = 256 * 1024;
/** What one large body sends before the wheel's other due work gets a turn, as `CORKS_PER_TURN` for a stream. */
const BODY_BYTES_PER_TURN = 1024 * 1024;

/**
 * Runs inside a cork: the status and headers (`block`), then as much of the body as the socket
 * takes; the rest as the socket drains. Handed to `end`, uWS would copy whatever the socket does
 * not take at once into a buffer of its own: for a file's content or a batch's results, tens to
 * hundreds of MiB per client that reads slowly, on top of the stored object.
 */
function startBody(ex: Exchange, r: JsonReply, block: string): void {
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  writeBlock(ex, r.status, block);
  ex.json = null;
  ex.body = body;
  // A cut body (a chaos fault) announces its whole length and stops at half, then the connection
  // closes: what a proxy timeout does to a reply.
  ex.bodyEnd = r.truncate === true ? body.length >> 1 : body.length;
  ex.phase = 'sending';
  ex.res.onWritable(() => onWritable(ex));
  sendBody(ex);
  // A transient body is a view of scratch memory that the next reply reuses: one still being
  // sent gets its own copy.
  if (r.transient === true && ex.body === body) ex.body = Buffer.from(body);
}

/**
 * Runs inside a cork. Hands the body to uWS a slice at a time from where the socket left off,
 * until the socket pushes back (the exchange pauses until `onWritable`, under the stall limit of a
 * stream), the turn's share is sent (it goes back on the wheel, due now), or it is all out.
 */
function sendBody(ex: Exchange): void {
  const e = currentEnv();
  const res = ex.res;
  const body = ex.body!;
  let offset = res.getWriteOffset();
  for (let sent = 0; ; ) {
    if (offset >= ex.bodyEnd) {
      // Only a cut body stops short of its end. Not closed here: a close inside the cork drops
      // the corked bytes; the wheel's next turn closes it.
      ex.body = null;
      ex.cutPending = true;
      e.wheel.schedule(ex, e.clock.now());
      return;
    }
    const end = Math.min(ex.bodyEnd, offset + BODY_SLICE_BYTES);
    // Paused before each slice: one the socket takes whole leaves reading off, also once the reply
    // is done and `res` is out of reach; only a slice it cannot take turns reading on (`readPastStop`).
    if (ex.unreadBody) res.pause();
    const [ok, done] = res.tryEnd(body.subarray(offset, end), body.length);
    if (ex.phase === 'done') return; // aborted while writing
    if (done) {
      finish(ex);
      return;
    }
    if (!ok) {
      ex.phase = 'sendPaused';
      ex.pausedAtMs = e.clock.now();
      e.wheel.schedule(ex, ex.pausedAtMs + Math.min(e.config.stalledStreamTimeoutMs, UWS_TIMEOUT_REFRESH_MS));
      return;
    }
    sent += end - offset;
    offset = end;
    if (sent >= BODY_BYTES_PER_TURN && offset < ex.bodyEnd) {
      e.wheel.schedule(ex, e.clock.now());
      return;
    }
  }
}

function startStream(ex: Exchange, s: StreamReply): void {
  const e = currentEnv();
  ex.phase = 'streaming';
  ex.lanes = s.lanes;
  ex.trailer = s.trailer;
  ex.streamType = s.contentType ?? SSE_TYPE;
  ex.headers = s.headers;
  ex.schedule = s.schedule;
  ex.fault = s.fault ?? null;
  ex.stop = s.stop ?? null;
  ex.acceptedAtMs = e.clock.now();
  const resumed = s.resumed;
  if (resumed !== undefined) {
    // Timed against the original acceptance: what is already due goes out at once, corked.
    ex.replayedBeforeMs = ex.acceptedAtMs;
    ex.acceptedAtMs -= resumed.elapsedMs;
    ex.eventIndex = resumed.eventIndex;
    ex.sequence = resumed.sequence;
    // The gap before the first event sent live is timed from the event before it as planned: no
    // event of this exchange has gone out yet, so `lastEmitAtMs` would be the clock's zero.
    const prev = Math.min(resumed.eventIndex, s.schedule.events) - 1;
    ex.lastEmitAtMs = ex.acceptedAtMs + (prev >= 0 ? s.schedule.atMs[prev]! : 0);
  }
  e.counters.activeStreams(1);
  e.counters.request(ex.route, 200, ex.modelIndex);
  ex.res.onWritable(() => onWritable(ex));
  if (e.config.headersAt === 'accept' && s.headersAtFirstEvent !== true) {
    const prelude = s.preludeSteps ?? 0;
    if (insideUws) writeStreamHead(ex, prelude);
    else ex.res.cork(() => writeStreamHead(ex, prelude));
    ex.headersSent = true;
  }
  scheduleNext(ex, e);
}

/**
 * Runs corked: the status, the headers, and what ends the header block: the stream's prelude
 * frames (`StreamReply.preludeSteps`), or else a newline.
 */
function writeStreamHead(ex: Exchange, preludeSteps: number): void {
  room = CORK_ROOM_BYTES - writeHead(ex, 200, ex.streamType, ex.headers);
  ex.headers = NO_HEADERS;
  target = ex;
  writeOk = true;
  sequence = ex.sequence;
  if (preludeSteps === 0) put(SSE_FIRST_BYTE);
  else {
    const lane = ex.lanes[0]!;
    for (let i = 0; i < preludeSteps && !lane.done && lane.steps[lane.stepIndex]!.source === null; i++) putStatic(lane.steps[lane.stepIndex++]!);
  }
  flushScratch();
  ex.sequence = sequence;
  // Inside uWS's cork around the handler, an event due at once shares this cork.
  if (insideUws) ex.corkedBytes = CORK_ROOM_BYTES - room;
  target = null;
}

/** When the stream's next event is due, as planned (the end, once every event is out). */
function nextDueMs(ex: Exchange): number {
  const sch = ex.schedule!;
  return ex.acceptedAtMs + (ex.eventIndex < sch.events ? sch.atMs[ex.eventIndex]! : sch.totalMs);
}

/** Puts the stream on the wheel for its next event, or sends it now when it is already due. */
function scheduleNext(ex: Exchange, e: ExchangeEnv): void {
  // Carried bytes were due when they were made.
  const due = ex.carryEnd > ex.carryStart ? e.clock.now() : nextDueMs(ex);
  if (due <= e.clock.now()) {
    ex.wheelDueMs = due;
    emitDue(ex);
  } else sleep(ex, e, due);
}

/**
 * Puts a stream with nothing carried on the wheel until its next event. Its carry buffer goes: a
 * stream that needed one once (a Responses prelude echoing long instructions and tools, one large
 * event) would otherwise hold it, twice what overflowed, for the rest of its seconds or minutes.
 * The catch-up loop of `emitDue` keeps it from cork to cork.
 */
function sleep(ex: Exchange, e: ExchangeEnv, due: number): void {
  ex.carry = null;
  e.wheel.schedule(ex, due);
}

/** The wheel's single callback: a held reply is due, a stream's next event is due, a large body's next share, or a paused stream or body stalled too long. */
export function onWheelDue(ex: Exchange, lateMs: number): void {
  if (ex.cutPending) {
    finish(ex);
    ex.res.close();
  } else if (ex.phase === 'waiting') {
    const e = currentEnv();
    e.histograms.record('emissionLagMs', lateMs);
    e.counters.emission(lateMs);
    ex.res.cork(() => sendJson(ex));
  } else if (ex.phase === 'streaming') {
    emitDue(ex);
  } else if (ex.phase === 'sending') {
    ex.res.cork(() => sendBody(ex));
  } else if (ex.phase === 'paused' || ex.phase === 'sendPaused') {
    const e = currentEnv();
    const now = e.clock.now();
    const stallEndMs = ex.pausedAtMs + e.config.stalledStreamTimeoutMs;
    if (now < stallEndMs) {
      holdUwsTimeout(ex, e, now, stallEndMs);
      return;
    }
    // Stalled past the limit: a reader this slow is dropped rather than buffered for.
    e.counters.error('stalled_stream');
    if (ex.tokensSent > 0) e.counters.tokensOut(ex.modelIndex, ex.tokensSent);
    finish(ex);
    ex.res.close();
  }
}

// Frames of one event are assembled in a per-thread scratch buffer and written once. Views of
// it are cached per length, so an event allocates nothing; uWS copies what it is given.
const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
const scratchViews: (Buffer | undefined)[] = [];
let scratchLength = 0;
let writeOk = true;
let target: Exchange | null = null;
/** The emitting stream's next sequence number, loaded from and stored back to its exchange. */
let sequence = 0;

/*
 * No cork writes more than uWS's cork buffer holds (16 KiB, LoopData::CORK_BUFFER_SIZE). A write
 * that overflows it makes uWS 20.30 flush the buffer first, and when that flush fails (the socket
 * is full: a client reading slowly, or one just resumed) uWS buffers the flushed bytes and drops
 * the write's own: the chunk's size line goes out without its data, and the rest of the response
 * is misframed (uNetworking/uWebSockets.js#1249). What does not fit waits in the exchange's carry
 * for its next cork.
 */
const CORK_BUFFER_BYTES = 16 * 1024;
/** What uWS adds to each write of a chunked body: CRLF, the length in hex, CRLF. */
const CHUNK_FRAMING_BYTES = 12;
/** What one cork of a stream may write: the cork buffer, less the chunked terminator `end` adds. */
const CORK_ROOM_BYTES = CORK_BUFFER_BYTES - 7;
/** A cork with less room than this left writes nothing more: what is left waits for the next. */
const MIN_WRITE_BYTES = 1024;
/** Bytes the current cork may still write. */
let room = 0;

/** Hands `bytes` to uWS, or as much of them as the cork has room for; the rest waits in the carry. */
function send(bytes: Buffer): void {
  if (headPending !== null) room -= writePendingHead();
  const ex = target!;
  if (ex.carryEnd === ex.carryStart && bytes.length + CHUNK_FRAMING_BYTES <= room) {
    room -= bytes.length + CHUNK_FRAMING_BYTES;
    if (!ex.res.write(bytes)) writeOk = false;
    return;
  }
  addCarry(ex, bytes);
  sendCarry(ex);
}

function addCarry(ex: Exchange, bytes: Buffer): void {
  let carry = ex.carry;
  const held = ex.carryEnd - ex.carryStart;
  if (carry === null || carry.length - ex.carryEnd < bytes.length) {
    const grown = carry !== null && carry.length >= held + bytes.length ? carry : Buffer.allocUnsafe(Math.max(CORK_BUFFER_BYTES, 2 * (held + bytes.length)));
    if (carry !== null) carry.copy(grown, 0, ex.carryStart, ex.carryEnd);
    carry = ex.carry = grown;
    ex.carryStart = 0;
    ex.carryEnd = held;
  }
  carry.set(bytes, ex.carryEnd);
  ex.carryEnd += bytes.length;
}

/**
 * Writes what the cork has room for of the exchange's carry. The head is out by now: a carry is
 * made by `send`, which writes a pending head first.
 */
function sendCarry(ex: Exchange): void {
  const n = Math.min(ex.carryEnd - ex.carryStart, room - CHUNK_FRAMING_BYTES);
  if (n < MIN_WRITE_BYTES && n < ex.carryEnd - ex.carryStart) return;
  room -= n + CHUNK_FRAMING_BYTES;
  const start = ex.carryStart;
  ex.carryStart += n;
  if (ex.carryStart === ex.carryEnd) ex.carryStart = ex.carryEnd = 0;
  if (!ex.res.write(ex.carry!.subarray(start, start + n))) writeOk = false;
}

function flushScratch(): void {
  if (scratchLength === 0) return;
  const view = (scratchViews[scratchLength] ??= scratch.subarray(0, scratchLength));
  scratchLength = 0;
  send(view);
}

function put(buf: Buffer): void {
  if (scratchLength + buf.length > SCRATCH_BYTES) {
    flushScratch();
    if (buf.length > SCRATCH_BYTES) {
      send(buf);
      return;
    }
  }
  // TypedArray#set, not Buffer#copy: copy's argument checks cost more than the bytes it moves.
  scratch.set(buf, scratchLength);
  scratchLength += buf.length;
}

/** Ranges up to this long (a token or a few) are copied byte by byte: a view for `set` costs more. */
const SHORT_RANGE = 64;

function putRange(src: Buffer, start: number, end: number): void {
  if (scratchLength + (end - start) > SCRATCH_BYTES) {
    flushScratch();
    if (end - start > SCRATCH_BYTES) {
      send(src.subarray(start, end));
      return;
    }
  }
  if (end - start <= SHORT_RANGE) {
    let at = scratchLength;
    for (let i = start; i < end; i++) scratch[at++] = src[i]!;
  } else scratch.set(src.subarray(start, end), scratchLength);
  scratchLength += end - start;
}

/**
 * Ends a numbered frame: the stream's next sequence number in decimal, written digit by digit
 * into the scratch buffer (no string per frame), then `end`.
 */
function putSequence(end: Buffer): void {
  let n = sequence++;
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  if (scratchLength + digits > SCRATCH_BYTES) flushScratch();
  let at = scratchLength + digits;
  scratchLength = at;
  do {
    scratch[--at] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  put(end);
}

function putStatic(step: Step): void {
  if (step.prefix !== null) put(step.prefix);
  put(step.head);
  if (step.numberedEnd !== null) putSequence(step.numberedEnd);
}

/** Writes one event of a lane: leading static frames, `k` tokens, and the static frames that follow the lane's last token. Returns tokens sent. */
function emitLane(lane: Lane, k: number): number {
  const steps = lane.steps;
  while (lane.stepIndex < steps.length && steps[lane.stepIndex]!.source === null) putStatic(steps[lane.stepIndex++]!);
  if (lane.stepIndex >= steps.length) return 0;
  const step = steps[lane.stepIndex]!;
  const offsets = step.offsets!;
  const n = Math.min(k, step.count - lane.tokenIndex);
  const base = step.first + lane.tokenIndex;
  if (step.prefix !== null) put(step.prefix);
  put(step.head);
  putRange(step.source!, offsets[base]!, offsets[base + n]!);
  put(step.tail);
  if (step.numberedEnd !== null) putSequence(step.numberedEnd);
  lane.tokenIndex += n;
  if (lane.tokenIndex >= step.count) {
    lane.stepIndex++;
    lane.tokenIndex = 0;
    // Frames between this token step and the next go now only when no tokens remain.
    let next = lane.stepIndex;
    while (next < steps.length && steps[next]!.source === null) next++;
    if (next >= steps.length) {
      // A missing_done fault drops the lane's closing frames (finish chunk, message_stop).
      if (suppressTail) lane.stepIndex = steps.length;
      else while (lane.stepIndex < steps.length) putStatic(steps[lane.stepIndex++]!);
    }
  }
  return n;
}

/**
 * Assembles one event of `lane` (`k` tokens) in the thread's scratch buffer and drops it unsent;
 * returns its length. For the frame micro benchmark, so it measures this code rather than a copy
 * of it. The event must fit the scratch buffer (64 KiB), as every corpus event does.
 */
export function assembleEvent(lane: Lane, k: number): number {
  scratchLength = 0;
  sequence = 0;
  suppressTail = false;
  headPending = null;
  emitLane(lane, k);
  const bytes = scratchLength;
  scratchLength = 0;
  return bytes;
}

let emitting: Exchange | null = null;
let emitFinished = false;
let suppressTail = false;
/** Set when a fault cut the stream inside the cork; the connection is closed after it. */
let emitCut = false;
/**
 * A stream whose status and headers wait for its body's first bytes (`headersAtFirstEvent`, or
 * `--headers-at first-token`): the first write of the cork puts them first. Not at the first
 * event: an event may carry no bytes (a Gemini function call goes out whole with its last token),
 * and headers written alone leave the client an unfinished header block (uWS ends it with the
 * body's first bytes) until then, or a broken one if the stream is cut meanwhile.
 */
let headPending: Exchange | null = null;

/** Writes the head `headPending` waits with; returns its bytes. */
function writePendingHead(): number {
  const ex = headPending!;
  headPending = null;
  const bytes = writeHead(ex, 200, ex.streamType, ex.headers);
  ex.headers = NO_HEADERS;
  ex.headersSent = true;
  return bytes;
}

/** Bytes a malformed_frame fault sends: an SSE event whose data is not JSON. */
const MALFORMED_FRAME = Buffer.from('data: {"id":"broken","choices":[{"delta":{"content":"unterminated\n\n');
/** What truncated_json leaves of a stream: half an event, no blank line. */
const HALF_FRAME = Buffer.from('data: {"id":"cut","choi');

/** Applies a due mid-stream fault inside the cork; true when it ended the stream. */
function strike(ex: Exchange, fault: StreamFault): boolean {
  const kind = fault.kind;
  if (kind === 'missing_done') return false;
  const element = fault.element;
  if (kind === 'disconnect_after_tokens') {
    // A stream whose status and headers still wait for its body (Gemini's, or any with
    // `--headers-at first-token`) has sent nothing: a cut now would read as a connection that
    // failed before any response, which clients retry. A blank SSE line (or a JSON array's `[`)
    // starts the body of the 200; the cut then breaks it, as it breaks any other stream.
    if (headPending !== null && scratchLength === 0) put(element?.open ?? SSE_FIRST_BYTE);
    emitCut = true;
    return true;
  }
  // In a JSON-array stream the fault's bytes are an element: after `[`, or after a separator once
  // the event that opens the array has gone out (not always event 0: a function call goes out
  // whole with its last token). The fault strikes before event `eventIndex` is written.
  if (element !== undefined) put(ex.eventIndex > element.opensAt ? element.separator : element.open);
  switch (kind) {
    case 'malformed_frame':
      put(fault.malformedFrame ?? MALFORMED_FRAME);
      return true;
    case 'stream_overloaded':
      if (fault.errorFrame !== null) put(fault.errorFrame);
      if (fault.errorEnd != null) putSequence(fault.errorEnd);
      return true;
    case 'truncated_json':
      put(fault.halfFrame ?? HALF_FRAME);
      emitCut = true;
      return true;
  }
}

/**
 * Module-level so `cork` gets the same function every time (no closure per event). Sends what the
 * last cork carried, then the due event, then any later events that are already due (a late tick
 * catching up, or `--speed 0`), until the socket pushes back or the cork is full.
 */
function emitCorked(): void {
  const ex = emitting!;
  target = ex;
  writeOk = true;
  sequence = ex.sequence;
  room = CORK_ROOM_BYTES - ex.corkedBytes;
  ex.corkedBytes = 0;
  // `first-token` mode: the status and headers go out with the body's first bytes.
  headPending = ex.headersSent ? null : ex;
  suppressTail = ex.fault !== null && ex.fault.kind === 'missing_done';
  emitCut = false;
  let outcome = ex.outcome;
  let due = ex.wheelDueMs;
  if (ex.carryEnd > ex.carryStart) {
    sendCarry(ex);
    // The carried bytes were due already; the next event may not be.
    if (outcome === 'more' && ex.carryEnd === ex.carryStart && writeOk) {
      due = nextDueMs(ex);
      if (due <= currentEnv().clock.now()) outcome = emitEvents(ex, due);
    }
  } else if (outcome === 'more') outcome = emitEvents(ex, due);
  flushScratch();
  ex.sequence = sequence;
  ex.outcome = outcome;
  const drained = ex.carryEnd === ex.carryStart;
  emitFinished = outcome === 'end' && drained;
  emitCut = outcome === 'cut' && drained;
  // A stream that ends without a byte of body still answers with its status and headers.
  if (headPending !== null && emitFinished) writePendingHead();
  headPending = null;
  // A finished stream ends in this cork, so its last event and the chunked terminator leave in
  // one send. Never closeConnection here: the headers are out, so uWS would write its
  // `Connection: close` into the chunked body. A draining thread closes the socket when it shuts down.
  // A client gone during the writes above has already run onAborted: its response is discarded.
  if (emitFinished && ex.phase !== 'done') {
    // The cork sends the end after this returns, and `finish` runs later still.
    releaseCapacity(ex);
    ex.res.end();
  }
  target = null;
}

/** The events of `emitCorked`, the first due at `due`: whether the stream goes on, ends, or is cut. */
function emitEvents(ex: Exchange, due: number): StreamOutcome {
  const e = currentEnv();
  const sch = ex.schedule!;
  const now = e.clock.now();
  let open: boolean;
  const fault = ex.fault;
  let struck = false;
  const stop = ex.stop;
  for (;;) {
    // A stopped stream (its response cancelled) ends at the event boundary with its own last event.
    if (stop !== null && stop.marks.isMarked(stop.token)) {
      put(stop.frame);
      putSequence(stop.end);
      open = false;
      struck = true;
      break;
    }
    // A fault strikes after its tokens, and always before the last event: an answer shorter than
    // `afterTokens` (or sent whole in one event, as at --speed 0) would otherwise end cleanly with
    // the fault counted as injected.
    if (fault !== null && fault.kind !== 'missing_done' && (ex.tokensSent >= fault.afterTokens || ex.eventIndex >= sch.events - 1) && strike(ex, fault)) {
      open = false;
      struck = true;
      break;
    }
    const k = ex.eventIndex < sch.events ? sch.chunk[ex.eventIndex]! : 1;
    let sent = 0;
    open = false;
    for (const lane of ex.lanes) {
      if (lane.done) continue;
      const n = emitLane(lane, k);
      if (n > sent) sent = n;
      if (!lane.done) open = true;
    }
    if (due >= ex.replayedBeforeMs) {
      const lag = now - due;
      e.histograms.record('emissionLagMs', lag);
      e.counters.emission(lag);
      if (ex.eventIndex === 0) e.histograms.record('ttftMs', now - ex.acceptedAtMs);
      else if (sent > 0) e.histograms.record('itlMs', (now - ex.lastEmitAtMs) / sent, sent);
    }
    ex.lastEmitAtMs = now;
    ex.tokensSent += sent;
    ex.eventIndex++;
    // Another event goes in this cork only while the cork has room for what is assembled so far.
    if (!open || !writeOk || scratchLength + CHUNK_FRAMING_BYTES >= room || ex.carryEnd > ex.carryStart) break;
    due = nextDueMs(ex);
    if (due > now) break;
  }
  if (open) return 'more';
  // A struck stream, or one missing its end, sends no trailer ([DONE], the usage chunk).
  if (!struck && !suppressTail) put(ex.trailer!);
  return emitCut ? 'cut' : 'end';
}

function emitDue(ex: Exchange): void {
  const e = currentEnv();
  // The first event is due once the hold (folded into its TTFT) has passed.
  if (ex.held) endHold(ex);
  // One cork sends at most uWS's cork buffer; what is still due goes out in the next turn of
  // this loop. (A call per cork, through scheduleNext, ran a server thread out of stack: a reader
  // that keeps up with a stream all due at once, at --speed 0 or resumed after a pause, takes
  // hundreds of MB without the socket pushing back, one frame per cork.) Past CORKS_PER_TURN
  // the stream goes back on the wheel, still due, so the thread's other streams are not held
  // while one sends hundreds of MB.
  for (let corks = 1; ; corks++) {
    emitting = ex;
    // As for a large body (`sendBody`): a cork the socket takes whole leaves reading off.
    if (ex.unreadBody) ex.res.pause();
    ex.res.cork(emitCorked);
    emitting = null;
    if (!afterCork(ex, e)) return;
    // Carried bytes were due when they were made. Inside uWS's cork around a handler, every
    // cork of this loop is that one cork, already full: what is due goes on the wheel's next turn.
    const due = ex.carryEnd > ex.carryStart ? e.clock.now() : nextDueMs(ex);
    if (due > e.clock.now()) {
      sleep(ex, e, due);
      return;
    }
    if (corks === CORKS_PER_TURN || insideUws) {
      e.wheel.schedule(ex, due);
      return;
    }
    ex.wheelDueMs = due;
  }
}

/** Corks one stream sends before the wheel's other due streams get a turn: about 1 MB. */
const CORKS_PER_TURN = 64;

/** What follows a cork of `emitDue`: the stream ends, is cut or pauses (false), or goes on (true). */
function afterCork(ex: Exchange, e: ExchangeEnv): boolean {
  if (ex.phase === 'done') return false; // aborted while writing
  if (emitCut) {
    // The fault drops the connection mid-stream, as a failing proxy would. Not here: at --speed 0
    // the stream starts inside uWS's cork around the handler, and a close there drops every byte
    // written so far (headers included). The wheel's next turn closes it, after the cork.
    e.counters.tokensOut(ex.modelIndex, ex.tokensSent);
    settleOutput(ex, ex.tokensSent);
    ex.tokensSent = 0;
    ex.cutPending = true;
    e.wheel.schedule(ex, e.clock.now());
    return false;
  }
  if (emitFinished) {
    // emitCorked has ended the response.
    e.counters.tokensOut(ex.modelIndex, ex.tokensSent);
    settleOutput(ex, ex.tokensSent);
    ex.tokensSent = 0;
    finish(ex);
    return false;
  }
  if (!writeOk) {
    ex.phase = 'paused';
    e.counters.pausedStreams(1);
    ex.pausedAtMs = e.clock.now();
    e.wheel.schedule(ex, ex.pausedAtMs + Math.min(e.config.stalledStreamTimeoutMs, UWS_TIMEOUT_REFRESH_MS));
    return false;
  }
  // Due times come from the plan, not from now, so lateness never accumulates.
  return true;
}

/**
 * How often a paused stream re-arms uWS's own timeout. A write that fails arms it for
 * HTTP_TIMEOUT_S (10 s), swept every 4 s, so uWS closes the socket 8–12 s into a pause: before
 * any stall limit above that, with the cut counted as a client disconnect. Re-arming it more
 * often than the sweep leaves the stall limit the only one.
 */
const UWS_TIMEOUT_REFRESH_MS = 4_000;

/** Re-arms uWS's timeout of a paused stream and wakes it again at the next refresh or its stall limit. */
function holdUwsTimeout(ex: Exchange, e: ExchangeEnv, now: number, stallEndMs: number): void {
  // `resume` re-arms the timeout; `pause` first, since resuming a socket never paused may do
  // nothing in some uSockets builds. Reading stops for no time at all.
  ex.res.pause();
  ex.res.resume();
  e.wheel.schedule(ex, Math.min(stallEndMs, now + UWS_TIMEOUT_REFRESH_MS));
}

function onWritable(ex: Exchange): boolean {
  if (ex.phase === 'sendPaused') {
    currentEnv().wheel.cancel(ex);
    ex.phase = 'sending';
    ex.res.cork(() => sendBody(ex));
    return true;
  }
  if (ex.phase !== 'paused') return true;
  const e = currentEnv();
  e.wheel.cancel(ex);
  e.counters.pausedStreams(-1);
  ex.phase = 'streaming';
  // The next event keeps its planned due time, so the time spent paused shows up as its lag.
  scheduleNext(ex, e);
  return true;
}
