/**
 * Legacy Completions bytes, streaming and not. Streamed and whole objects share one shape
 * (`object: "text_completion"`). As in OpenAI's recordings, `finish_reason` rides on the last
 * text chunk rather than a separate empty chunk, so a lane's last token is its own token step
 * with a finishing tail. Token text is copied from the pre-encoded arena; per response only the
 * chunk prefix and a few tails are built.
 */
import type { Answer } from '../answer.js';
import { eventFrameSteps, Lane, Step, sourceSlice, tokenStep, walkSchedule, type TokenSource } from '../stream-plan.js';
import { DONE_FRAME } from './chat-encode.js';
import { jsonQuote } from '../json-quote.js';
import { legacyChunkLogprobsJson, legacyLogprobsJson, type LegacyLogprobs } from './logprobs.js';
import type { EmissionSchedule } from '../../timing/schedule.js';

export interface CompletionIdentity {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly systemFingerprint: string;
}

export interface CompletionUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** One choice: its answer and, with `echo`, the JSON-escaped prompt text sent before it. */
export interface CompletionChoice {
  readonly answer: Answer;
  readonly echo: Buffer | null;
  /** The choice's `logprobs` (`./logprobs.ts`), when the request asks; null otherwise. */
  readonly logprobs: LegacyLogprobs | null;
}

const QUOTE = Buffer.from('"');

export function escapeJsonText(text: string): Buffer {
  return Buffer.from(JSON.stringify(text).slice(1, -1), 'utf8');
}

function usageJson(u: CompletionUsage): string {
  return `{"prompt_tokens":${u.promptTokens},"completion_tokens":${u.completionTokens},"total_tokens":${u.promptTokens + u.completionTokens}}`;
}

/** Token counts of a choice's token steps, as the stream sends them (for scheduling). */
export function completionLaneSteps(a: Answer): number[] {
  if (a.contentCount === 0) return [];
  return a.contentCount === 1 ? [1] : [a.contentCount - 1, 1];
}

function tokensFrom(src: TokenSource, from: number, count: number): TokenSource {
  return { bytes: src.bytes, offsets: src.offsets, first: src.first + from, count };
}

/**
 * One lane per choice; the usage chunk (with `include_usage`) and `[DONE]` form the trailer. With
 * logprobs, each chunk carries its tokens' arrays, so the text goes one whole frame per scheduled
 * event (`walkSchedule`), built once.
 */
export function completionsStreamPlan(who: CompletionIdentity, choices: readonly CompletionChoice[], includeUsage: boolean, usage: CompletionUsage, schedule: EmissionSchedule | null = null): { lanes: Lane[]; trailer: Buffer } {
  const head = Buffer.from(`data: {"id":${jsonQuote(who.id)},"object":"text_completion","created":${who.created},"choices":[{"text":"`);
  const model = jsonQuote(who.model);
  const usageNull = includeUsage ? ',"usage":null' : '';
  const sends: number[][] = choices.map(() => []);
  if (schedule !== null && choices.some((c) => c.logprobs !== null)) {
    walkSchedule(schedule, choices.map((c) => completionLaneSteps(c.answer)), choices.map(() => 0), (lane, _step, _event, n) => sends[lane]!.push(n));
  }
  const lanes = choices.map(({ answer: a, echo, logprobs }, index) => {
    const tail = (lp: string, finish: string): string => `","index":${index},"logprobs":${lp},"finish_reason":${finish}}],"model":${model}${usageNull}}\n\n`;
    const open = Buffer.from(tail('null', 'null'));
    const last = Buffer.from(tail('null', `"${a.finishReason}"`));
    const steps: Step[] = [];
    if (echo !== null && echo.length > 0) steps.push(Step.frame(Buffer.concat([head, echo, logprobs === null ? open : Buffer.from(tail(legacyChunkLogprobsJson(logprobs, null), 'null'))])));
    const n = a.contentCount;
    if (n === 0) steps.push(Step.frame(Buffer.concat([head, last])));
    else if (logprobs !== null && sends[index]!.length > 0) {
      // The last token is its own step, so the event that sends it is the last: it carries the finish.
      const finishing = (at: number, k: number): string => (at + k === n ? `"${a.finishReason}"` : 'null');
      steps.push(...eventFrameSteps(a.content, sends[index]!, (tokens, at, k) => Buffer.concat([head, tokens, Buffer.from(tail(legacyChunkLogprobsJson(logprobs, at, at + k), finishing(at, k)))])));
    } else {
      if (n > 1) steps.push(tokenStep(head, tokensFrom(a.content, 0, n - 1), n - 1, open));
      steps.push(tokenStep(head, tokensFrom(a.content, n - 1, 1), 1, last));
    }
    return new Lane(steps);
  });
  let trailer = DONE_FRAME;
  if (includeUsage) {
    const usageChunk = `data: {"id":${jsonQuote(who.id)},"object":"text_completion","created":${who.created},"model":${model},"usage":${usageJson(usage)},"choices":[]}\n\n`;
    trailer = Buffer.concat([Buffer.from(usageChunk), DONE_FRAME]);
  }
  return { lanes, trailer };
}

/** The non-streaming `text_completion` body; each choice's text is spliced from the arena as one slice. */
export function completionsBody(who: CompletionIdentity, choices: readonly CompletionChoice[], usage: CompletionUsage): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`{"id":${jsonQuote(who.id)},"object":"text_completion","created":${who.created},"model":${jsonQuote(who.model)},"system_fingerprint":${jsonQuote(who.systemFingerprint)},"choices":[`),
  ];
  choices.forEach(({ answer: a, echo, logprobs }, index) => {
    parts.push(Buffer.from(index > 0 ? ',{"text":"' : '{"text":"'));
    if (echo !== null) parts.push(echo);
    parts.push(sourceSlice(a.content, a.contentCount), QUOTE, Buffer.from(`,"index":${index},"logprobs":${logprobs === null ? 'null' : legacyLogprobsJson(logprobs)},"finish_reason":"${a.finishReason}"}`));
  });
  parts.push(Buffer.from(`],"usage":${usageJson(usage)}}`));
  return Buffer.concat(parts);
}
