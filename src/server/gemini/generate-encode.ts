/**
 * GenerateContentResponse bytes, streaming and not.
 *
 * A Gemini stream repeats `usageMetadata` on every chunk with the cumulative
 * `candidatesTokenCount`, so a chunk's tail depends on how many tokens went out before it. The
 * emission schedule is planned before the first byte, so the count each event carries is known:
 * each lane's text is split into one token step per event, and each step gets its own small tail
 * with the running count spliced in. That is one short string per event (not per token), built
 * once per response; the per-token path stays a copy of escaped bytes from the arena.
 *
 * A function call is whole in one chunk (`args` is an object, never streamed as deltas). It is a
 * token step over a source whose tokens are empty but the last, which holds the entire frame: the
 * writer paces the call's tokens like any others and the frame goes out with its last token, as
 * the real API sends a call once it is generated.
 */
import type { ReasoningText } from '../reasoning.js';
import type { FinishReason } from '../../corpus/format.js';
import type { EmissionSchedule } from '../../timing/schedule.js';
import type { Answer, AnswerToolCall } from '../answer.js';
import { EMPTY, Lane, Step, sourceSlice, tokenStep, walkSchedule, wholeFrameSource, type TokenSource } from '../stream-plan.js';
import { jsonQuote } from '../json-quote.js';

export interface GeminiIdentity {
  /** `modelVersion`: the model id as requested. */
  readonly modelVersion: string;
  readonly responseId: string;
}

/** What one candidate sends: its text tokens, then its complete function calls. */
export interface CandidatePlan {
  readonly answer: Answer;
  readonly textCount: number;
  /** Calls cut at the token limit are dropped: half an `args` object cannot be sent. */
  readonly calls: readonly AnswerToolCall[];
  readonly tokens: number;
  readonly finishReason: GeminiFinishReason;
  /**
   * A thinking model's `thoughtSignature`, on the candidate's first function call (or, for Gemini 3
   * without calls, its text): the client must send it back in the next turn (Gemini 3 refuses an
   * unsigned call replay). Null when the model did not think.
   */
  readonly signature: string | null;
  /** Thought summary text (`includeThoughts`), sent as `thought: true` parts before the answer (part of the thought tokens, so outside `candidatesTokenCount`); null without. */
  readonly thought: ReasoningText | null;
}

export type GeminiFinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY';

const FINISH: Readonly<Record<FinishReason, GeminiFinishReason>> = {
  stop: 'STOP',
  tool_calls: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

export function candidatePlan(a: Answer, signature: string | null = null, thought: ReasoningText | null = null): CandidatePlan {
  const calls = a.toolCalls.filter((c) => c.count > 0 && c.count === c.args.count);
  const tokens = a.contentCount + calls.reduce((n, c) => n + c.count, 0);
  return { answer: a, textCount: a.contentCount, calls, tokens, finishReason: FINISH[a.finishReason], signature, thought };
}

/** Token counts of a candidate's steps in stream order, for the scheduler. */
export function candidateSteps(c: CandidatePlan): number[] {
  const steps: number[] = [];
  if (c.thought !== null) steps.push(c.thought.count);
  if (c.textCount > 0) steps.push(c.textCount);
  for (const call of c.calls) steps.push(call.count);
  return steps;
}

/** What a response's usage counts besides its candidates' tokens. */
export interface GeminiCounts {
  readonly promptTokens: number;
  /** `promptTokensDetails` as JSON (`./prompt.ts`), '' for none. */
  readonly promptDetails: string;
  /** The prompt's leading tokens served from the implicit cache (inside `promptTokens`). */
  readonly cachedTokens: number;
  /** `cacheTokensDetails` as JSON (`./prompt.ts`), '' when nothing was cached. */
  readonly cacheDetails: string;
  /** A thinking model's thought tokens: billed as output, outside `candidatesTokenCount`. */
  readonly thoughtsTokens: number;
}

/** The `usageMetadata` object; zero counts are left out, as proto3 JSON leaves out defaults. */
function usageJson(counts: GeminiCounts, candidateTokens: number): string {
  const { promptTokens, thoughtsTokens } = counts;
  let s = '{';
  if (promptTokens > 0) s += `"promptTokenCount":${promptTokens},`;
  if (candidateTokens > 0) s += `"candidatesTokenCount":${candidateTokens},`;
  s += `"totalTokenCount":${promptTokens + candidateTokens + thoughtsTokens}`;
  if (counts.cachedTokens > 0) s += `,"cachedContentTokenCount":${counts.cachedTokens}`;
  if (counts.promptDetails !== '') s += `,"promptTokensDetails":${counts.promptDetails}`;
  if (counts.cacheDetails !== '') s += `,"cacheTokensDetails":${counts.cacheDetails}`;
  if (thoughtsTokens > 0) s += `,"thoughtsTokenCount":${thoughtsTokens}`;
  return s + '}';
}

/** `args` as raw JSON: the synthesized arguments are stored JSON-string-escaped, so they are unescaped once. */
function callArgsJson(call: AnswerToolCall): string {
  return JSON.parse(`"${sourceSlice(call.args, call.count).toString('utf8')}"`) as string;
}

/**
 * A Gemini 3 answer without function calls signs its text (Gemini 2.5 signs only calls): the
 * non-streaming text part carries the signature, and a stream ends with an empty signed text part
 * that carries the finish, as the API's fixtures show.
 */
const signsText = (plan: CandidatePlan): boolean => plan.signature !== null && plan.calls.length === 0;
const textSignature = (plan: CandidatePlan): string => (signsText(plan) ? `,"thoughtSignature":${JSON.stringify(plan.signature)}` : '');

function functionCallPart(plan: CandidatePlan, k: number): string {
  const call = plan.calls[k]!;
  const signed = k === 0 && plan.signature !== null ? `,"thoughtSignature":${JSON.stringify(plan.signature)}` : '';
  return `{"functionCall":{"name":${jsonQuote(call.name)},"args":${callArgsJson(call)}}${signed}}`;
}

const TEXT_OPEN = '{"candidates":[{"content":{"parts":[{"text":"';

/** One chunk of the stream: JSON text, with escaped token bytes in the middle for a text chunk. */
interface Piece {
  readonly event: number;
  readonly lane: number;
  readonly open: string;
  /** Text tokens (a window of the answer's source) or null for a whole-JSON chunk. */
  readonly src: TokenSource | null;
  readonly close: string;
  /** For a function call: the tokens it spans (its frame goes with the last). */
  readonly callTokens: number;
}

/** Every chunk of the stream, in lane order and, within a lane, in send order. */
function streamPieces(who: GeminiIdentity, plans: readonly CandidatePlan[], counts: GeminiCounts, schedule: EmissionSchedule, finishSent = true): Piece[][] {
  const laneSteps = plans.map(candidateSteps);
  const visits: { step: number; event: number; n: number }[][] = plans.map(() => []);
  const leads = plans.map((p) => (p.thought === null ? 0 : 1));
  const sent = walkSchedule(schedule, laneSteps, leads, (lane, step, event, n) => visits[lane]!.push({ step, event, n }));
  const cumulative: number[] = [];
  let total = 0;
  for (const n of sent) cumulative.push((total += n));
  const suffix = `,"modelVersion":${jsonQuote(who.modelVersion)},"responseId":${jsonQuote(who.responseId)}}`;
  const close = (lane: number, event: number, last: boolean, finish: GeminiFinishReason): string =>
    `],"role":"model"}${last && finishSent ? `,"finishReason":"${finish}"` : ''},"index":${lane}}],"usageMetadata":${usageJson(counts, cumulative[event]!)}${suffix}`;

  return plans.map((plan, lane) => {
    const pieces: Piece[] = [];
    const laneVisits = visits[lane]!;
    if (laneVisits.length === 0) {
      // Nothing to send but the finish: content without parts, as the API answers an empty turn.
      const finish = finishSent ? `,"finishReason":"${plan.finishReason}"` : '';
      pieces.push({ event: 0, lane, open: `{"candidates":[{"content":{"role":"model"}${finish},"index":${lane}}],"usageMetadata":${usageJson(counts, cumulative[0]!)}${suffix}`, src: null, close: '', callTokens: 0 });
      return pieces;
    }
    const src = plan.answer.content;
    const hasText = plan.textCount > 0;
    const lead = leads[lane]!;
    let at = 0;
    let thoughtAt = 0;
    laneVisits.forEach((v, i) => {
      const last = i === laneVisits.length - 1;
      if (v.step < lead) {
        const t = plan.thought!.source;
        const window: TokenSource = { bytes: t.bytes, offsets: t.offsets, first: t.first + thoughtAt, count: v.n };
        thoughtAt += v.n;
        pieces.push({ event: v.event, lane, open: TEXT_OPEN, src: window, close: '","thought":true}' + close(lane, v.event, last, plan.finishReason), callTokens: 0 });
        return;
      }
      if (hasText && v.step === lead) {
        const window: TokenSource = { bytes: src.bytes, offsets: src.offsets, first: src.first + at, count: v.n };
        at += v.n;
        const signedEnd = last && signsText(plan);
        pieces.push({ event: v.event, lane, open: TEXT_OPEN, src: window, close: '"}' + close(lane, v.event, last && !signedEnd, plan.finishReason), callTokens: 0 });
        if (signedEnd) pieces.push({ event: v.event, lane, open: `${TEXT_OPEN}"${textSignature(plan)}}` + close(lane, v.event, true, plan.finishReason), src: null, close: '', callTokens: 0 });
        return;
      }
      const next = laneVisits[i + 1];
      if (next !== undefined && next.step === v.step) return; // the call's frame goes with its last token
      const k = v.step - lead - (hasText ? 1 : 0);
      const call = plan.calls[k]!;
      const json = `{"candidates":[{"content":{"parts":[${functionCallPart(plan, k)}` + close(lane, v.event, last, plan.finishReason);
      pieces.push({ event: v.event, lane, open: json, src: null, close: '', callTokens: call.count });
    });
    return pieces;
  });
}

const SSE_OPEN = 'data: ';
const SSE_CLOSE = '\r\n\r\n';

/**
 * The SSE plan: one lane per candidate, frames `data: <one-line JSON>\r\n\r\n` only (no `event:`,
 * no comments, no `[DONE]`: `@google/genai` would parse `[DONE]` as JSON), so the trailer is empty.
 * `finishSent` false (a missing_done fault) leaves `finishReason` off each candidate's last chunk:
 * a Gemini stream has no closing frame to drop, since the finish rides on the last tokens.
 */
export function geminiStreamPlan(who: GeminiIdentity, plans: readonly CandidatePlan[], counts: GeminiCounts, schedule: EmissionSchedule, finishSent = true): { lanes: Lane[]; trailer: Buffer } {
  return chunkLanes(streamPieces(who, plans, counts, schedule, finishSent), () => SSE_OPEN, SSE_CLOSE, EMPTY);
}

/**
 * `streamGenerateContent` without `alt=sse`: the API streams one JSON array of the same chunks,
 * each element written when it is due, as the SSE form's frames are. The chunk sent first (the
 * earliest event's, the lowest candidate's within it, as the exchange writes an event's lanes in
 * order) opens the array; every other one starts with the separator. Not always lane 0's: a
 * function call goes out with its last token, so another candidate's text can come before it.
 * `opensAt`: the event whose bytes open the array.
 */
export function geminiArrayStreamPlan(who: GeminiIdentity, plans: readonly CandidatePlan[], counts: GeminiCounts, schedule: EmissionSchedule, finishSent = true): { lanes: Lane[]; trailer: Buffer; opensAt: number } {
  const pieces = streamPieces(who, plans, counts, schedule, finishSent);
  let opener = 0;
  pieces.forEach((lane, i) => {
    if (lane[0]!.event < pieces[opener]![0]!.event) opener = i;
  });
  const { lanes, trailer } = chunkLanes(pieces, (lane, step) => (lane === opener && step === 0 ? '[' : ARRAY_SEPARATOR), '', Buffer.from(']'));
  return { lanes, trailer, opensAt: pieces[opener]![0]!.event };
}

/** Between the chunks of the JSON-array stream. */
export const ARRAY_SEPARATOR = ',\r\n';

/** One lane per candidate, a step per chunk, each chunk's JSON between `before` and `after`. */
function chunkLanes(lanes: readonly (readonly Piece[])[], before: (lane: number, step: number) => string, after: string, trailer: Buffer): { lanes: Lane[]; trailer: Buffer } {
  return {
    lanes: lanes.map((pieces, lane) => {
      const steps = pieces.map((p, step): Step => {
        if (p.src !== null) return tokenStep(Buffer.from(before(lane, step) + p.open), p.src, p.src.count, Buffer.from(p.close + after));
        const frame = Buffer.from(before(lane, step) + p.open + after);
        return p.callTokens > 0 ? tokenStep(EMPTY, wholeFrameSource(frame, p.callTokens), p.callTokens, EMPTY) : Step.frame(frame);
      });
      return new Lane(steps);
    }),
    trailer,
  };
}

/** The non-streaming GenerateContentResponse; each candidate's text is one slice of the arena. */
export function geminiBody(who: GeminiIdentity, plans: readonly CandidatePlan[], counts: GeminiCounts): Buffer {
  const parts: Buffer[] = [Buffer.from('{"candidates":[')];
  let total = 0;
  plans.forEach((plan, index) => {
    total += plan.tokens;
    const callParts = plan.calls.map((_, k) => functionCallPart(plan, k)).join(',');
    const thought = plan.thought !== null && plan.thought.count > 0 ? plan.thought : null;
    const any = thought !== null || plan.textCount > 0 || callParts.length > 0;
    parts.push(Buffer.from(`${index > 0 ? ',' : ''}{"content":${any ? '{"parts":[' : '{"role":"model"}'}`));
    const pieces: Buffer[] = [];
    if (thought !== null) pieces.push(Buffer.concat([Buffer.from('{"text":"'), sourceSlice(thought.source, thought.count), Buffer.from('","thought":true}')]));
    if (plan.textCount > 0) pieces.push(Buffer.concat([Buffer.from('{"text":"'), sourceSlice(plan.answer.content, plan.textCount), Buffer.from(`"${textSignature(plan)}}`)]));
    if (callParts.length > 0) pieces.push(Buffer.from(callParts));
    pieces.forEach((piece, k) => parts.push(...(k > 0 ? [Buffer.from(','), piece] : [piece])));
    if (any) parts.push(Buffer.from('],"role":"model"}'));
    parts.push(Buffer.from(`,"finishReason":"${plan.finishReason}","index":${index}}`));
  });
  parts.push(
    Buffer.from(`],"usageMetadata":${usageJson(counts, total)},"modelVersion":${jsonQuote(who.modelVersion)},"responseId":${jsonQuote(who.responseId)}}`),
  );
  return Buffer.concat(parts);
}
