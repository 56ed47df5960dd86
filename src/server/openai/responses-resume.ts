/**
 * Streaming a background response again: `GET /v1/responses/{id}?stream=true&starting_after=n`
 * (the SDK's `responses.retrieve(id, { stream: true, starting_after })` and
 * `responses.stream({ response_id })`) sends the response's events after sequence number `n`, or
 * all of them: those already generated at once, the rest when they would have been generated.
 *
 * A background response keeps its stream plan (the pre-encoded steps and the emission schedule)
 * and when it was accepted, so a resumed stream is the original's, frame for frame: same ids, text
 * and sequence numbers, and no JSON is built per event. A response created without `stream: true`
 * is planned the same way, so it can be streamed too. One that was cancelled streams the events
 * generated before the cancel and then OpenAI's end for a cancel: a `response.failed` event whose
 * response is `cancelled` (the event union has no cancel event). A stream open when the cancel
 * comes ends the same way at its next event (`../stream-stop.ts`), on any thread.
 *
 * A resumed stream carries the ground truth of what it sends: the response's corpus entry and trace
 * id, kept from its create so a load tool can join the two, and the TTFT and mean gap of the events
 * left, timed from the resume (`resumedSummary`).
 *
 * A request that lands on a thread other than the owner (decision 0012) asks the owner for the
 * plan, copied (`PortableStream`), and streams it on its own timer wheel: the peer link carries one
 * answer per ask, not a stream.
 */
import { OTHER_MODEL, type RouteId } from '../../metrics/counters.js';
import type { EmissionSchedule } from '../../timing/schedule.js';
import { BoundedStore } from '../bounded-store.js';
import { namedGroundTruthHeaders } from '../ground-truth.js';
import type { RequestInfo } from '../http-exchange.js';
import { safeDecode } from '../path-segment.js';
import { foreignOwner, throwIfFailed, type PeerAnswer } from '../peers.js';
import type { Reply, ReplyMeta } from '../reply.js';
import { EMPTY, Lane, Step, type StreamPlan } from '../stream-plan.js';
import { StreamStop, type StopMarks } from '../stream-stop.js';
import { eventsDueBy, positionAfterFrames, resumedSummary, stepsBeforeEvent } from '../stream-resume.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import { invalidRequest, responseNotFound, type OpenAIError } from './errors.js';
import { checkOpenAIAuth, openAIErrorReply, openAIHeaders, requestIdFor } from './reply.js';
import { responseStoreFor, STORE_MAX_BYTES, STORE_MAX_ENTRIES } from './responses-store.js';
import { RESPONSE_STREAM_END } from './responses-encode.js';

/** What a background response keeps to be streamed again. */
export class BackgroundStream {
  readonly steps: readonly Step[];
  /** The leading steps sent when the request was taken (`StreamPlan.preludeSteps`). */
  readonly preludeSteps: number;
  readonly schedule: EmissionSchedule;
  /** Epoch ms, not the thread's monotonic clock: another thread may stream it, and threads' clocks start apart. */
  readonly acceptedAtMs: number;
  /** Epoch ms of a cancel while it ran; null when it was not cancelled. */
  cancelledAtMs: number | null;
  /** Marked when it is cancelled: a stream of it open then ends (`../stream-stop.ts`). */
  readonly stopToken: number;
  /** The event a cancelled stream ends with, up to its sequence number (`cancelledStreamEvent`). */
  readonly stopFrame: Buffer;
  /** The create's `x-understudy-entry` and `x-understudy-trace-id`, which a resumed stream repeats. */
  readonly entryName: string;
  readonly traceId: string;

  constructor(steps: readonly Step[], preludeSteps: number, schedule: EmissionSchedule, acceptedAtMs: number, cancelledAtMs: number | null, stopToken: number, stopFrame: Buffer, entryName: string, traceId: string) {
    this.steps = steps;
    this.preludeSteps = preludeSteps;
    this.schedule = schedule;
    this.acceptedAtMs = acceptedAtMs;
    this.cancelledAtMs = cancelledAtMs;
    this.stopToken = stopToken;
    this.stopFrame = stopFrame;
    this.entryName = entryName;
    this.traceId = traceId;
  }

  cancel(atMs: number): void {
    this.cancelledAtMs ??= atMs;
  }
}

/** The bytes a kept stream holds on its own (token text in the corpus arena is shared, and counted once per step at most). */
function sizeOf(s: BackgroundStream): number {
  let n = 5 * s.schedule.events + s.stopFrame.length + s.entryName.length + s.traceId.length;
  for (const step of s.steps) {
    n += step.head.length + step.tail.length + (step.prefix?.length ?? 0) + (step.numberedEnd?.length ?? 0);
    if (step.source !== null && step.offsets !== null) n += step.offsets[step.first + step.count]! - step.offsets[step.first]!;
  }
  return n;
}

/** The thread's kept streams, bounded like its stored responses. */
export const backgroundStreamsFor = perThread(() => new BoundedStore<BackgroundStream>(STORE_MAX_ENTRIES, STORE_MAX_BYTES, sizeOf));

/** What a background response's create named in its ground-truth headers (`../ground-truth.ts`). */
export interface KeptTruth {
  readonly entryName: string;
  readonly traceId: string;
}

/** Keeps a background response's plan (its steps are immutable; the lanes the create streams are not kept). */
export function keepBackgroundStream(ctx: ThreadContext, id: string, plan: StreamPlan, schedule: EmissionSchedule, acceptedAtMs: number, stopToken: number, stopFrame: Buffer, truth: KeptTruth): void {
  backgroundStreamsFor(ctx).put(id, new BackgroundStream(plan.lanes[0]!.steps, plan.preludeSteps ?? 0, schedule, acceptedAtMs, null, stopToken, stopFrame, truth.entryName, truth.traceId));
}

/** A step whose bytes are its own, to cross threads: a Buffer may view a shared pool or the corpus arena, and posting a view copies all of it. */
export interface PortableStep {
  readonly prefix: Uint8Array | null;
  readonly head: Uint8Array;
  /** The step's token bytes and their boundaries from 0; null for a static step. */
  readonly tokens: Uint8Array | null;
  readonly offsets: Int32Array | null;
  readonly count: number;
  readonly tail: Uint8Array;
  readonly numberedEnd: Uint8Array | null;
}

/** A kept stream as it crosses threads. */
export interface PortableStream {
  readonly steps: readonly PortableStep[];
  readonly preludeSteps: number;
  readonly atMs: Float32Array;
  readonly chunk: Uint8Array;
  readonly ttftMs: number;
  readonly meanItlMs: number;
  readonly totalMs: number;
  readonly acceptedAtMs: number;
  readonly cancelledAtMs: number | null;
  readonly stopToken: number;
  readonly stopFrame: Uint8Array;
  readonly entryName: string;
  readonly traceId: string;
}

/** What the owner answers for a stream request: the plan, a stored response that is not a background one, or nothing. */
export type StreamView = PortableStream | 'not_background' | null;

const own = (b: Buffer | null): Uint8Array | null => (b === null ? null : new Uint8Array(b));
const view = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function toPortable(s: BackgroundStream): PortableStream {
  const steps = s.steps.map((step): PortableStep => {
    let tokens: Uint8Array | null = null;
    let offsets: Int32Array | null = null;
    if (step.source !== null && step.offsets !== null) {
      const base = step.offsets[step.first]!;
      tokens = new Uint8Array(step.source.subarray(base, step.offsets[step.first + step.count]));
      offsets = step.offsets.slice(step.first, step.first + step.count + 1).map((at) => at - base);
    }
    return { prefix: own(step.prefix), head: own(step.head)!, tokens, offsets, count: step.count, tail: own(step.tail)!, numberedEnd: own(step.numberedEnd) };
  });
  const sch = s.schedule;
  return {
    steps,
    preludeSteps: s.preludeSteps,
    atMs: sch.atMs.slice(0, sch.events),
    chunk: sch.chunk.slice(0, sch.events),
    ttftMs: sch.ttftMs,
    meanItlMs: sch.meanItlMs,
    totalMs: sch.totalMs,
    acceptedAtMs: s.acceptedAtMs,
    cancelledAtMs: s.cancelledAtMs,
    stopToken: s.stopToken,
    stopFrame: new Uint8Array(s.stopFrame),
    entryName: s.entryName,
    traceId: s.traceId,
  };
}

function fromPortable(p: PortableStream): BackgroundStream {
  const steps = p.steps.map((s) => new Step(view(s.head), s.tokens === null ? null : view(s.tokens), s.offsets, 0, s.count, view(s.tail), s.numberedEnd === null ? null : view(s.numberedEnd), s.prefix === null ? null : view(s.prefix)));
  const schedule: EmissionSchedule = { atMs: p.atMs, chunk: p.chunk, events: p.atMs.length, ttftMs: p.ttftMs, meanItlMs: p.meanItlMs, totalMs: p.totalMs };
  return new BackgroundStream(steps, p.preludeSteps, schedule, p.acceptedAtMs, p.cancelledAtMs, p.stopToken, view(p.stopFrame), p.entryName, p.traceId);
}

function localView(ctx: ThreadContext, id: string): BackgroundStream | 'not_background' | null {
  const kept = backgroundStreamsFor(ctx).get(id);
  if (kept !== undefined) return kept;
  const body = responseStoreFor(ctx).get(id);
  // A background response whose plan was let go (the store is bounded) is as gone as one never stored.
  return body !== undefined && !body.includes('"background":true') ? 'not_background' : null;
}

/** The owner's answer to another thread's `response_stream` query. */
export function streamView(ctx: ThreadContext, id: string): PeerAnswer {
  const found = localView(ctx, id);
  return { kind: 'response_stream', stream: found instanceof BackgroundStream ? toPortable(found) : found };
}

/** Whether a GET of a response asks for its stream (`stream=true`); any other value is a plain retrieve. */
export function wantsStream(info: RequestInfo): boolean {
  return new URLSearchParams(info.query).get('stream') === 'true';
}

/** OpenAI's answer to a retrieve with stream=true of a response not created in background (recorded). */
const NOT_BACKGROUND: OpenAIError = invalidRequest('This response cannot be streamed because it was not created with background=true.', 'stream', 'invalid_request_error');

/** `starting_after` as a sequence number (-1 when absent), or the 400 for a value that is not a non-negative integer. */
export function startingAfter(query: string): number | OpenAIError {
  const raw = new URLSearchParams(query).get('starting_after');
  if (raw === null || raw === '') return -1;
  if (!/^-?\d+$/.test(raw)) return invalidRequest("Invalid type for 'starting_after': expected an integer, but got a string instead.", 'starting_after', 'invalid_type');
  const n = Number(raw);
  if (n < 0) return invalidRequest(`Invalid 'starting_after': integer below minimum value. Expected a value >= 0, but got ${raw} instead.`, 'starting_after', 'integer_below_min_value');
  return Math.min(n, Number.MAX_SAFE_INTEGER - 1);
}

const ROUTE: RouteId = 'responses_get';
const META: ReplyMeta = { route: ROUTE, modelIndex: OTHER_MODEL, errorKind: null };

/**
 * The stream from after sequence number `after`: the kept plan (cut where a cancel stopped it,
 * then the cancel's end event) with its lane advanced past the frames before, timed from when the
 * response was accepted. A `starting_after` at or past the last event gives a stream with no
 * events. A stream of a response still running stops if it is cancelled while open.
 */
function resumedStream(marks: StopMarks, requestId: string, id: string, after: number, found: BackgroundStream | 'not_background' | null, nowMs: number): Reply {
  if (found === null) return openAIErrorReply(requestId, ROUTE, responseNotFound(id), 'not_found', OTHER_MODEL);
  if (found === 'not_background') return openAIErrorReply(requestId, ROUTE, NOT_BACKGROUND, 'invalid_request', OTHER_MODEL);
  let sch = found.schedule;
  let steps = found.steps;
  let stop: StreamStop | null = new StreamStop(marks, found.stopToken, found.stopFrame, RESPONSE_STREAM_END);
  if (found.cancelledAtMs !== null) {
    // Only the events due before the cancel, then the end event, rather than waiting for the
    // events that were never generated: numbered as the plan's own frames, so a resume after
    // any of them finds its place.
    const cancelMs = found.cancelledAtMs - found.acceptedAtMs;
    const events = eventsDueBy(sch, cancelMs);
    steps = [...stepsBeforeEvent(steps, sch, events, found.preludeSteps), Step.numberedFrame(found.stopFrame, RESPONSE_STREAM_END)];
    sch = { ...sch, events, totalMs: Math.min(sch.totalMs, Math.max(0, cancelMs)) };
    stop = null;
  }
  const at = positionAfterFrames(steps, sch, after + 1);
  const lane = new Lane(steps);
  lane.stepIndex = at.stepIndex;
  lane.tokenIndex = at.tokenIndex;
  const elapsedMs = Math.max(0, nowMs - found.acceptedAtMs);
  return {
    kind: 'stream',
    headers: openAIHeaders(requestId, 0, namedGroundTruthHeaders(found.entryName, resumedSummary(steps, sch, at, elapsedMs), found.traceId)),
    lanes: [lane],
    trailer: EMPTY,
    // The prelude frames not yet passed go out with the headers, as they did when the request was taken.
    preludeSteps: at.eventIndex === 0 ? Math.max(0, found.preludeSteps - at.stepIndex) : 0,
    schedule: sch,
    entry: null,
    meta: META,
    resumed: { eventIndex: at.eventIndex, sequence: at.frames, elapsedMs },
    stop,
  };
}

/** GET /v1/responses/{id}?stream=true: auth, `starting_after`, then the plan, here or from the owner. */
export function streamStoredResponse(ctx: ThreadContext, info: RequestInfo): Reply | Promise<Reply> {
  const requestId = requestIdFor(info, ctx.requestRng(undefined, ''));
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, ROUTE, authError, 'authentication', OTHER_MODEL);
  const after = startingAfter(info.query);
  if (typeof after !== 'number') return openAIErrorReply(requestId, ROUTE, after, 'invalid_request', OTHER_MODEL);
  const id = safeDecode(info.params[0] ?? '');
  const owner = foreignOwner(ctx, id, 'mixed');
  if (owner === undefined) return resumedStream(ctx.stopMarks, requestId, id, after, localView(ctx, id), Date.now());
  return ctx.peers!.ask(owner, { kind: 'response_stream', id }).then((answer) => {
    throwIfFailed(answer, 'the response to stream');
    const found = answer.kind === 'response_stream' ? answer.stream : null;
    return resumedStream(ctx.stopMarks, requestId, id, after, found === null || found === 'not_background' ? found : fromPortable(found), Date.now());
  });
}
