/**
 * What a route hands to the exchange: a JSON reply (possibly held back to simulate generation
 * time) or a stream plan. Routes never write sockets.
 */
import type { EntryMeta } from '../corpus/compiled.js';
import type { OutputHold } from '../quota/engine.js';
import type { ErrorKind, RouteId } from '../metrics/counters.js';
import type { EmissionSchedule } from '../timing/schedule.js';
import type { Lane } from './stream-plan.js';
import type { StreamStop } from './stream-stop.js';

export interface ReplyMeta {
  readonly route: RouteId;
  /** Saturation slot held while the request is in flight (released when it finishes); absent: none. */
  readonly saturationSlot?: number;
  /** Output reservation corrected to what the answer produced when it ends (Anthropic's); absent or null: none. */
  readonly outputHold?: OutputHold | null;
  /** Counter index of the corpus model serving the request. */
  readonly modelIndex: number;
  readonly errorKind: ErrorKind | null;
  /** A timeout_slow_answer fault holds the answer back: counted in the held-requests gauge until its first byte. Absent: not held. */
  readonly held?: boolean;
}

/** The meta of an admitted request, holding its saturation slot (-1: none) and output reservation until it finishes. */
export function heldMeta(meta: ReplyMeta, saturationSlot: number, outputHold: OutputHold | null = null, held = false): ReplyMeta {
  // A literal, not a spread: spreading showed up beside JSON.parse in request profiles.
  return { route: meta.route, modelIndex: meta.modelIndex, errorKind: meta.errorKind, saturationSlot, outputHold, held };
}

export interface JsonReply {
  readonly kind: 'json';
  readonly status: number;
  readonly contentType: string;
  /**
   * Flat header list: name, value, name, value… A value may carry further header lines
   * (`value\r\nname: value`) that the simulator joined ahead of time: the exchange writes each
   * `name: value` verbatim, and fewer pairs cost less per response.
   */
  readonly headers: readonly string[];
  readonly body: Buffer | string;
  /**
   * The body is a view of the thread's scratch buffer, valid only until the next reply is built:
   * only a synchronous handler's reply that is not held back (delayMs 0) may carry one.
   */
  readonly transient?: boolean;
  /** Held back this long before sending (generation time of a non-streaming answer). */
  readonly delayMs: number;
  readonly completionTokens: number;
  readonly meta: ReplyMeta;
  /** Close the connection after replying (the body may not have been read). */
  readonly close?: boolean;
  /** A chaos fault: send only the first half of the body, then close. */
  readonly truncate?: boolean;
}

export interface StreamReply {
  readonly kind: 'stream';
  /** Default `text/event-stream; charset=utf-8`; Gemini's JSON-array stream (no `alt=sse`) is JSON. */
  readonly contentType?: string;
  readonly headers: readonly string[];
  readonly lanes: Lane[];
  readonly trailer: Buffer;
  /** When each event goes out, planned from the request's seeded source. */
  readonly schedule: EmissionSchedule;
  readonly entry: EntryMeta | null;
  readonly meta: ReplyMeta;
  /**
   * Hold the status and headers until the first event even when the server sends them on accept:
   * for dialects whose parsers cannot skip the blank line that flushes headers early (Gemini).
   */
  readonly headersAtFirstEvent?: boolean;
  /**
   * Leading static steps of the first lane that go out with the headers when they are sent on
   * accept, before the first token: the Responses API's `response.created` and
   * `response.in_progress`, which OpenAI sends as soon as it takes the request. Default 0.
   */
  readonly preludeSteps?: number;
  /** A mid-stream fault to apply, from the chaos scenario or an override header. */
  readonly fault?: StreamFault | null;
  /** A stream resumed part-way (a background response's, `./openai/responses-resume.ts`); absent: from the start. */
  readonly resumed?: ResumedAt;
  /** Ends the stream early once marked (a background response cancelled while it streams); absent: it runs to its end. */
  readonly stop?: StreamStop | null;
}

/**
 * Where a resumed stream starts: its lanes are already advanced to the event `eventIndex`, whose
 * frames are numbered from `sequence`, and it was accepted `elapsedMs` ago, so the events due
 * by now go out at once and the rest at their planned times.
 */
export interface ResumedAt {
  readonly eventIndex: number;
  readonly sequence: number;
  readonly elapsedMs: number;
}

/** A chaos fault: the request is held and never answered (the client's timeout must fire). */
export interface HoldReply {
  readonly kind: 'hold';
  readonly meta: ReplyMeta;
}

/** A chaos fault: the connection is cut before any response byte. */
export interface ResetReply {
  readonly kind: 'reset';
  readonly meta: ReplyMeta;
}

/** Mid-stream faults the exchange applies while sending. */
export interface StreamFault {
  readonly kind: 'disconnect_after_tokens' | 'malformed_frame' | 'missing_done' | 'stream_overloaded' | 'truncated_json';
  /** Tokens sent before it strikes. */
  readonly afterTokens: number;
  /** For stream_overloaded: the dialect's in-stream error event. */
  readonly errorFrame: Buffer | null;
  /** For malformed_frame: an event of the dialect's shape whose data is not JSON. */
  readonly malformedFrame?: Buffer;
  /** For truncated_json: the start of one of the dialect's events, cut short. */
  readonly halfFrame?: Buffer;
  /**
   * For a numbered stream (OpenAI Responses): `errorFrame` ends at its sequence number, which the
   * writer puts next, then these bytes. Absent or null: `errorFrame` is the whole event.
   */
  readonly errorEnd?: Buffer | null;
  /**
   * For a stream that is one JSON array (Gemini's without `alt=sse`): the fault's bytes are one more
   * element, put after `open` or `separator`.
   */
  readonly element?: ArrayElement;
}

/** Where a JSON-array stream's fault element goes: after `open` until event `opensAt` has gone out, then after `separator`. */
export interface ArrayElement {
  readonly open: Buffer;
  readonly separator: Buffer;
  readonly opensAt: number;
}

export type Reply = JsonReply | StreamReply | HoldReply | ResetReply;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  408: '408 Request Timeout',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  422: '422 Unprocessable Entity',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
  504: '504 Gateway Timeout',
  529: '529 Site Overloaded',
};

export function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}
