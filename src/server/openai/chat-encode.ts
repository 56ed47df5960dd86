/**
 * Chat Completions bytes, streaming and not. Per response, a handful of small buffers are built
 * (the chunk prefix with id/created/model, one head and tail per lane); token text comes from the
 * pre-encoded arena, so nothing is JSON-serialized per token.
 */
import type { Answer } from '../answer.js';
import { EMPTY, eventFrameSteps, Lane, Step, sourceSlice, tokenStep, walkSchedule, wholeFrameSource } from '../stream-plan.js';
import type { EmissionSchedule } from '../../timing/schedule.js';
import type { ReasoningText } from '../reasoning.js';
import { laneTokenSteps } from '../answer.js';
import { choiceLogprobs } from './logprobs.js';
import { jsonQuote } from '../json-quote.js';
import type { ServedTier } from './service-tier.js';
import { CONTENT_FILTER_RESULTS, PROMPT_FILTER_FRAME, PROMPT_FILTER_RESULTS } from '../azure/content-filter.js';

export interface ChatIdentity {
  /** The simulator's own id (prefix and base-62 digits): written between quotes as it is. */
  readonly id: string;
  readonly created: number;
  /** From the request: JSON-quoted. */
  readonly model: string;
  /** The simulator's own (`fp_` and hex): written between quotes as it is. */
  readonly systemFingerprint: string;
  readonly serviceTier: ServedTier;
  /** Azure OpenAI: choices carry `content_filter_results`, and the prompt's results come first (`../azure/content-filter.ts`). */
  readonly contentFilter: boolean;
  /**
   * xAI: a streamed tool call arrives whole in one chunk (id, name and all its arguments) when it
   * is generated, not as OpenAI's fragments; `@ai-sdk/xai` refuses a fragment without the id.
   */
  readonly wholeToolCalls: boolean;
}

export interface ChatUsage {
  readonly promptTokens: number;
  /** The prompt's leading tokens served from the prompt cache (`src/server/prompt-cache.ts`). */
  readonly cachedTokens: number;
  /** Answer tokens of every choice, and the reasoning tokens. */
  readonly completionTokens: number;
  /** Hidden reasoning (o-series, GPT-5), included in `completionTokens`. */
  readonly reasoningTokens: number;
  /**
   * xAI's convention: reasoning tokens are billed beside `completion_tokens`, not inside it, and
   * `total_tokens` adds them (`@ai-sdk/xai` sums the two; OpenAI's convention would count them twice).
   * It also selects the rest of xAI's usage shape (`text_tokens`, `image_tokens`, `num_sources_used`).
   */
  readonly reasoningOutside: boolean;
}

export const DONE_FRAME = Buffer.from('data: [DONE]\n\n');
const TAIL_PLAIN = Buffer.from('"},"logprobs":null,"finish_reason":null}]}\n\n');
const TAIL_USAGE_NULL = Buffer.from('"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n');
const TOOL_TAIL_PLAIN = Buffer.from('"}}]},"logprobs":null,"finish_reason":null}]}\n\n');
const TOOL_TAIL_USAGE_NULL = Buffer.from('"}}]},"logprobs":null,"finish_reason":null}],"usage":null}\n\n');


function chunkPrefix(who: ChatIdentity): string {
  return `data: {"id":"${who.id}","object":"chat.completion.chunk","created":${who.created},"model":${jsonQuote(who.model)},"service_tier":"${who.serviceTier}","system_fingerprint":"${who.systemFingerprint}","choices":[`;
}

/**
 * Frame bodies that follow the chunk prefix and carry nothing of one response (the role chunk,
 * a content step's head, the finish chunk), encoded once and shared by every response. Keyed by
 * their text; the keys are few (choice and tool-call index, finish reason, usage on or off), and
 * past the bound a body is simply encoded per response.
 */
const SHARED_BODIES = new Map<string, Buffer>();
const SHARED_BODIES_LIMIT = 4096;

function sharedBody(text: string): Buffer {
  let bytes = SHARED_BODIES.get(text);
  if (bytes === undefined) {
    bytes = Buffer.from(text);
    if (SHARED_BODIES.size < SHARED_BODIES_LIMIT) SHARED_BODIES.set(text, bytes);
  }
  return bytes;
}

/**
 * Builds one lane per choice; the usage chunk and `[DONE]` form the trailer. Every frame starts
 * with the response's chunk prefix, the one buffer a response builds besides tool-call starts and
 * the trailer.
 */
/** Per choice, the `logprobs` entries of its content tokens (`./logprobs.ts`); null when the request did not ask. */
export type ChatLogprobs = readonly (readonly string[])[] | null;

/**
 * With logprobs, a choice's content goes as one whole frame per event: each carries the entries of
 * the tokens it sends, so the frames follow the schedule's events (`walkSchedule`), built once.
 */
function logprobSteps(prefix: Buffer, head: string, close: string, a: Answer, entries: readonly string[], sends: readonly number[]): Step[] {
  const start = Buffer.concat([prefix, Buffer.from(head)]);
  return eventFrameSteps(a.content, sends, (tokens, at, n) => Buffer.concat([start, tokens, Buffer.from(`"},"logprobs":${choiceLogprobs(entries.slice(at, at + n), a.refusal)}${close}`)]));
}

const NO_SENDS: number[][] = [];

/**
 * `reasoning`: text the first choice shows before its answer (xAI's `reasoning_content`, streamed
 * as its own deltas), or null.
 */
export function chatStreamPlan(
  who: ChatIdentity,
  answers: readonly Answer[],
  includeUsage: boolean,
  usage: ChatUsage,
  logprobs: ChatLogprobs = null,
  schedule: EmissionSchedule | null = null,
  reasoning: ReasoningText | null = null,
): { lanes: Lane[]; trailer: Buffer; preludeSteps: number } {
  const prefix = Buffer.from(chunkPrefix(who));
  // Per lane, the tokens each event sends of its content (the token step after any reasoning), when logprobs need them.
  const contentSends: number[][] = logprobs === null ? NO_SENDS : answers.map(() => []);
  if (logprobs !== null && schedule !== null) {
    const shown = (lane: number): boolean => lane === 0 && reasoning !== null && reasoning.count > 0;
    const laneSteps = answers.map((a, lane) => (shown(lane) ? [reasoning!.count, ...laneTokenSteps(a)] : laneTokenSteps(a)));
    walkSchedule(schedule, laneSteps, answers.map(() => 0), (lane, step, _event, n) => {
      if (step === (shown(lane) ? 1 : 0) && answers[lane]!.contentCount > 0) contentSends[lane]!.push(n);
    });
  }
  const usageNull = includeUsage ? ',"usage":null' : '';
  const tail = includeUsage ? TAIL_USAGE_NULL : TAIL_PLAIN;
  const toolTail = includeUsage ? TOOL_TAIL_USAGE_NULL : TOOL_TAIL_PLAIN;
  const lanes = answers.map((a, index) => {
    const steps: Step[] = [];
    // Azure: content chunks carry the filter's results, the others an empty object.
    const choice = who.contentFilter ? `{"index":${index},"content_filter_results":{},"delta":` : `{"index":${index},"delta":`;
    const filtered = who.contentFilter ? `{"index":${index},"content_filter_results":${CONTENT_FILTER_RESULTS},"delta":` : choice;
    if (who.contentFilter && index === 0) steps.push(Step.frame(PROMPT_FILTER_FRAME));
    const close = `,"logprobs":null,"finish_reason":null}]${usageNull}}\n\n`;
    const hasText = a.contentCount > 0;
    const showsReasoning = index === 0 && reasoning !== null && reasoning.count > 0;
    // The role opens the choice; shown reasoning follows it, before any text or tool call.
    const opened = hasText || a.toolCalls.length === 0 || showsReasoning;
    if (opened) {
      const role = a.refusal ? '{"role":"assistant","content":null,"refusal":""}' : '{"role":"assistant","content":"","refusal":null}';
      steps.push(Step.frame(sharedBody(choice + role + close), prefix));
      if (showsReasoning) steps.push(tokenStep(sharedBody(`${choice}{"reasoning_content":"`), reasoning.source, reasoning.count, tail, null, prefix));
      if (hasText) {
        const key = a.refusal ? 'refusal' : 'content';
        const entries = logprobs?.[index];
        if (entries !== undefined && (contentSends[index]?.length ?? 0) > 0) {
          steps.push(...logprobSteps(prefix, `${filtered}{"${key}":"`, `,"finish_reason":null}]${usageNull}}\n\n`, a, entries, contentSends[index]!));
        } else {
          steps.push(tokenStep(sharedBody(`${filtered}{"${key}":"`), a.content, a.contentCount, tail, null, prefix));
        }
      }
    }
    a.toolCalls.forEach((call, k) => {
      const role = k === 0 && !opened ? '"role":"assistant","content":null,' : '';
      if (who.wholeToolCalls || call.custom === true) {
        // The whole call in the frame of its last token: its arguments take their time, then arrive
        // together. A custom tool's call goes so too: the openai SDK types no fragment of one.
        const opening = call.custom === true ? `"type":"custom","custom":{"name":${jsonQuote(call.name)},"input":"` : `"type":"function","function":{"name":${jsonQuote(call.name)},"arguments":"`;
        const whole = Buffer.concat([prefix, Buffer.from(`${choice}{${role}"tool_calls":[{"index":${k},"id":${jsonQuote(call.id)},${opening}`), sourceSlice(call.args, call.count), Buffer.from(`"}}]}${close}`)]);
        steps.push(call.count > 0 ? tokenStep(EMPTY, wholeFrameSource(whole, call.count), call.count, EMPTY) : Step.frame(whole));
        return;
      }
      const start = `{${role}"tool_calls":[{"index":${k},"id":${jsonQuote(call.id)},"type":"function","function":{"name":${jsonQuote(call.name)},"arguments":""}}]}`;
      steps.push(Step.frame(Buffer.from(choice + start + close), prefix));
      if (call.count > 0) {
        steps.push(tokenStep(sharedBody(`${choice}{"tool_calls":[{"index":${k},"function":{"arguments":"`), call.args, call.count, toolTail, null, prefix));
      }
    });
    steps.push(Step.frame(sharedBody(`${choice}{},"logprobs":null,"finish_reason":"${a.finishReason}"}]${usageNull}}\n\n`), prefix));
    return new Lane(steps);
  });
  let trailer: Buffer = DONE_FRAME;
  if (includeUsage) {
    const usageChunk = `data: {"id":"${who.id}","object":"chat.completion.chunk","created":${who.created},"model":${jsonQuote(who.model)},"service_tier":"${who.serviceTier}","system_fingerprint":"${who.systemFingerprint}","choices":[],"usage":${usageJson(usage)}}\n\n`;
    trailer = joinPieces([usageChunk, DONE_FRAME]);
  }
  // Azure's prompt results go out when the request is accepted, before the model's first token.
  return { lanes, trailer, preludeSteps: who.contentFilter ? 1 : 0 };
}

const SCRATCH_BYTES = 64 * 1024;
/** Per thread: transient bodies are assembled here (see `JsonReply.transient`). */
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/**
 * Joins text and byte pieces into one buffer. Owned: one allocation sized exactly. Transient: a
 * view of the thread's scratch buffer, which skips measuring the text and allocating from Node's
 * pool (about half the cost of a chat body); a body too large for it gets its own bytes.
 */
export function joinPieces(parts: readonly (string | Buffer)[], transient = false): Buffer {
  if (transient) {
    // Text takes at most 3 bytes per UTF-16 unit.
    let bound = 0;
    for (const p of parts) bound += typeof p === 'string' ? 3 * p.length : p.length;
    if (bound <= SCRATCH_BYTES) {
      let at = 0;
      for (const p of parts) at += typeof p === 'string' ? scratch.write(p, at) : p.copy(scratch, at);
      return scratch.subarray(0, at);
    }
  }
  let size = 0;
  for (const p of parts) size += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) at += typeof p === 'string' ? out.write(p, at) : p.copy(out, at);
  return out;
}

const COMPLETION_DETAILS_TAIL = ',"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}';

function usageJson(u: ChatUsage): string {
  if (u.reasoningOutside) {
    // xAI's usage as its docs show it: the prompt's text and image tokens, and the live-search sources (none here).
    return `{"prompt_tokens":${u.promptTokens},"completion_tokens":${u.completionTokens},"total_tokens":${u.promptTokens + u.completionTokens + u.reasoningTokens},"prompt_tokens_details":{"text_tokens":${u.promptTokens},"audio_tokens":0,"image_tokens":0,"cached_tokens":${u.cachedTokens}},"completion_tokens_details":{"reasoning_tokens":${u.reasoningTokens}${COMPLETION_DETAILS_TAIL},"num_sources_used":0}`;
  }
  return `{"prompt_tokens":${u.promptTokens},"completion_tokens":${u.completionTokens},"total_tokens":${u.promptTokens + u.completionTokens},"prompt_tokens_details":{"cached_tokens":${u.cachedTokens},"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":${u.reasoningTokens}${COMPLETION_DETAILS_TAIL}}`;
}

/** The non-streaming `chat.completion` body; content is spliced from the arena as one slice. */
export function chatBody(who: ChatIdentity, answers: readonly Answer[], usage: ChatUsage, transient = false, logprobs: ChatLogprobs = null, reasoning: ReasoningText | null = null): Buffer {
  const a = answers.length === 1 ? answers[0]! : null;
  if (a === null || a.refusal || a.toolCalls.length > 0 || a.contentCount === 0 || who.contentFilter || logprobs !== null || reasoning !== null) {
    return chatBodyGeneral(who, answers, usage, transient, logprobs, reasoning);
  }
  // The common answer, one text choice: two texts around the content. The general encoder's
  // appends field by field build a long rope that every write must flatten first.
  return joinPieces(
    [
      `{"id":"${who.id}","object":"chat.completion","created":${who.created},"model":${jsonQuote(who.model)},"choices":[{"index":0,"message":{"role":"assistant","content":"`,
      sourceSlice(a.content, a.contentCount),
      `","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"${a.finishReason}"}],"usage":${usageJson(usage)},"service_tier":"${who.serviceTier}","system_fingerprint":"${who.systemFingerprint}"}`,
    ],
    transient,
  );
}

/** The body for any answers: several choices, refusals, tool calls. */
export function chatBodyGeneral(who: ChatIdentity, answers: readonly Answer[], usage: ChatUsage, transient = false, logprobs: ChatLogprobs = null, reasoning: ReasoningText | null = null): Buffer {
  // Text accumulates in one string between arena slices: each piece costs a native write.
  const parts: (string | Buffer)[] = [];
  let text = `{"id":"${who.id}","object":"chat.completion","created":${who.created},"model":${jsonQuote(who.model)},"choices":[`;
  const slice = (bytes: Buffer): void => {
    parts.push(text, bytes);
    text = '';
  };
  for (let index = 0; index < answers.length; index++) {
    const a = answers[index]!;
    const filter = who.contentFilter ? `"content_filter_results":${CONTENT_FILTER_RESULTS},` : '';
    text += `${index > 0 ? ',' : ''}{"index":${index},${filter}"message":{"role":"assistant","content":`;
    if (a.refusal) text += 'null,"refusal":';
    if (a.contentCount > 0) {
      text += '"';
      slice(sourceSlice(a.content, a.contentCount));
      text += '"';
    } else {
      text += a.toolCalls.length > 0 || a.refusal ? 'null' : '""';
    }
    if (!a.refusal) text += ',"refusal":null';
    if (index === 0 && reasoning !== null && reasoning.count > 0) {
      text += ',"reasoning_content":"';
      slice(sourceSlice(reasoning.source, reasoning.count));
      text += '"';
    }
    if (a.toolCalls.length > 0) {
      text += ',"tool_calls":[';
      a.toolCalls.forEach((c, k) => {
        text += c.custom === true ? `${k > 0 ? ',' : ''}{"id":${jsonQuote(c.id)},"type":"custom","custom":{"name":${jsonQuote(c.name)},"input":"` : `${k > 0 ? ',' : ''}{"id":${jsonQuote(c.id)},"type":"function","function":{"name":${jsonQuote(c.name)},"arguments":"`;
        slice(sourceSlice(c.args, c.count));
        text += '"}}';
      });
      text += ']';
    }
    const entries = logprobs?.[index];
    text += `,"annotations":[]},"logprobs":${entries === undefined ? 'null' : choiceLogprobs(entries, a.refusal)},"finish_reason":"${a.finishReason}"}`;
  }
  if (who.contentFilter) text += `],"prompt_filter_results":${PROMPT_FILTER_RESULTS}`;
  else text += ']';
  text += `,"usage":${usageJson(usage)},"service_tier":"${who.serviceTier}","system_fingerprint":"${who.systemFingerprint}"}`;
  parts.push(text);
  return joinPieces(parts, transient);
}

