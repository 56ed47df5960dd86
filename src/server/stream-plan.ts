/**
 * What a response sends, as pre-encoded pieces: the routes build a plan, the exchange writes it.
 *
 * A plan has one lane per choice (OpenAI `n`); a lane is a list of steps. A static step is one
 * ready frame (the role chunk, the finish chunk). A token step sends frames of
 * `head + arena[tokens i..j] + tail`, where the arena holds JSON-escaped token text prepared at
 * corpus load (or once per response for synthesized content), so the per-token work is copying
 * bytes. Static steps ride with the adjacent token event: leading ones with the first token,
 * trailing ones with the last.
 *
 * A step may start every frame with a `prefix` shared by the steps of one response (the chunk
 * prefix with its id, created and model), so that what follows it can be one frame shared by
 * every response: a response then builds one buffer instead of one per step.
 *
 * A numbered step (OpenAI Responses' `sequence_number`) ends each of its frames with a number the
 * writer supplies: after `head` (static) or `head + tokens + tail` (token step), the writer puts
 * the stream's next sequence number in decimal, then `numberedEnd`. The number is per stream and
 * counts every numbered frame in send order, so frames stay immutable and shareable.
 */
import type { EmissionSchedule } from '../timing/schedule.js';

export class Step {
  /** Written before `head` in every frame of the step, or null. */
  readonly prefix: Buffer | null;
  /** Whole frame (after the prefix) for a static step; frame start for a token step. */
  readonly head: Buffer;
  /** Escaped token bytes, or null for a static step. */
  readonly source: Buffer | null;
  /** Token boundaries into `source` (absolute byte offsets). */
  readonly offsets: Int32Array | null;
  /** Index into `offsets` of the first token's start. */
  readonly first: number;
  readonly count: number;
  readonly tail: Buffer;
  /** Null for an unnumbered frame; else the bytes after the frame's sequence number. */
  readonly numberedEnd: Buffer | null;

  constructor(head: Buffer, source: Buffer | null, offsets: Int32Array | null, first: number, count: number, tail: Buffer, numberedEnd: Buffer | null = null, prefix: Buffer | null = null) {
    this.prefix = prefix;
    this.head = head;
    this.source = source;
    this.offsets = offsets;
    this.first = first;
    this.count = count;
    this.tail = tail;
    this.numberedEnd = numberedEnd;
  }

  /** A static frame: `bytes`, after `prefix` when one is given. */
  static frame(bytes: Buffer, prefix: Buffer | null = null): Step {
    return new Step(bytes, null, null, 0, 0, EMPTY, null, prefix);
  }

  /** A static frame sent as `head + <sequence number> + end`. */
  static numberedFrame(head: Buffer, end: Buffer): Step {
    return new Step(head, null, null, 0, 0, EMPTY, end);
  }
}

export const EMPTY = Buffer.alloc(0);

export class Lane {
  readonly steps: readonly Step[];
  stepIndex: number;
  tokenIndex: number;

  constructor(steps: readonly Step[]) {
    this.steps = steps;
    this.stepIndex = 0;
    this.tokenIndex = 0;
  }

  get done(): boolean {
    return this.stepIndex >= this.steps.length;
  }
}

/** A stream's pre-encoded pieces, as a dialect's encoder lays them out (`StreamReply` has the fields). */
export interface StreamPlan {
  readonly lanes: Lane[];
  readonly trailer: Buffer;
  readonly preludeSteps?: number;
}

/**
 * Pre-encoded content: escaped token bytes and boundaries, from the shared corpus arena or built
 * once for a synthesized answer (tool arguments, a JSON-schema object).
 */
export interface TokenSource {
  readonly bytes: Buffer;
  readonly offsets: Int32Array;
  /** Index into `offsets` of token 0. */
  readonly first: number;
  readonly count: number;
}

/** True when JSON needs no escape for `t` and each of its characters is one UTF-8 byte. */
function plainAscii(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

export function tokenSourceFromStrings(tokens: readonly string[]): TokenSource {
  // Escaped as strings and encoded once: a Buffer per token cost twice as much (every synthesized
  // answer, tool arguments included, comes through here). Most tokens need no escape at all.
  const escaped = new Array<string>(tokens.length);
  const offsets = new Int32Array(tokens.length + 1);
  let at = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    offsets[i] = at;
    if (plainAscii(t)) {
      escaped[i] = t;
      at += t.length;
    } else {
      const e = JSON.stringify(t).slice(1, -1);
      escaped[i] = e;
      at += Buffer.byteLength(e, 'utf8');
    }
  }
  offsets[tokens.length] = at;
  return { bytes: Buffer.from(escaped.join(''), 'utf8'), offsets, first: 0, count: tokens.length };
}

/** The escaped text of tokens [0, count) as one contiguous slice, for non-streaming bodies. */
export function sourceSlice(src: TokenSource, count: number): Buffer {
  return src.bytes.subarray(src.offsets[src.first], src.offsets[src.first + count]);
}

/** Frames of `head + tokens + tail`, each followed by the stream's sequence number and `numberedEnd` when that is given. */
export function tokenStep(head: Buffer, src: TokenSource, count: number, tail: Buffer, numberedEnd: Buffer | null = null, prefix: Buffer | null = null): Step {
  return new Step(head, src.bytes, src.offsets, src.first, count, tail, numberedEnd, prefix);
}

/**
 * Per event, tokens sent by every lane together, replaying the stream writer's rule on the
 * schedule (an event sends up to its chunk of each lane's current token step, never two steps),
 * for encoders that build one frame per event (Gemini's usage counts, chat's logprobs). A lane's steps before `firstCounted[lane]` (thought text) are visited but not counted.
 */
export function walkSchedule(
  schedule: EmissionSchedule,
  laneSteps: readonly (readonly number[])[],
  firstCounted: readonly number[],
  visit: (lane: number, step: number, event: number, n: number) => void,
): number[] {
  const lanes = laneSteps.length;
  const step = new Int32Array(lanes);
  const used = new Int32Array(lanes);
  const sent: number[] = [];
  for (let e = 0; ; e++) {
    const k = e < schedule.events ? schedule.chunk[e]! : 1;
    let open = false;
    let tokens = 0;
    for (let l = 0; l < lanes; l++) {
      const steps = laneSteps[l]!;
      if (step[l]! >= steps.length) continue;
      const n = Math.min(k, steps[step[l]!]! - used[l]!);
      visit(l, step[l]!, e, n);
      if (step[l]! >= firstCounted[l]!) tokens += n;
      used[l] = used[l]! + n;
      if (used[l] === steps[step[l]!]) {
        step[l] = step[l]! + 1;
        used[l] = 0;
      }
      if (step[l]! < steps.length) open = true;
    }
    sent.push(tokens);
    if (!open) return sent;
  }
}

/** A source of `count` tokens that are empty but the last, which is the whole frame. */
export function wholeFrameSource(frame: Buffer, count: number): TokenSource {
  const offsets = new Int32Array(count + 1);
  offsets[count] = frame.length;
  return { bytes: frame, offsets, first: 0, count };
}

/**
 * Token steps that send `src` one whole frame per event, `sends` giving each event's token count
 * (from `walkSchedule`): `frame(tokens, at, n)` builds the event's frame around its tokens' bytes
 * once, at plan time, for frames that carry per-token detail (logprobs). Each step's frame rides on
 * its last token (`wholeFrameSource`), so the writer's per-event path is unchanged.
 */
export function eventFrameSteps(src: TokenSource, sends: readonly number[], frame: (tokens: Buffer, at: number, n: number) => Buffer, numberedEnd: Buffer | null = null): Step[] {
  let at = 0;
  return sends.map((n) => {
    const bytes = frame(src.bytes.subarray(src.offsets[src.first + at], src.offsets[src.first + at + n]), at, n);
    at += n;
    return tokenStep(EMPTY, wholeFrameSource(bytes, n), n, EMPTY, numberedEnd);
  });
}
