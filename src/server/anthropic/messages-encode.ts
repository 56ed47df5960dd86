/**
 * Messages API bytes, streaming and not. A stream is one lane: `message_start`, then per content
 * block (thinking, text, tool_use) `content_block_start`, its deltas and `content_block_stop`,
 * then `message_delta` and `message_stop`, each with an `event:` line equal to `data.type` (the
 * SDK dispatches on the event name alone). Delta heads are cached per block index, the few
 * per-response frames (ids, model, usage) are built once, and token text comes from the
 * pre-encoded arena, so nothing is JSON-serialized per token.
 */
import type { FinishReason } from '../../corpus/format.js';
import type { Answer, AnswerToolCall } from '../answer.js';
import { EMPTY, Lane, Step, sourceSlice, tokenStep, type TokenSource } from '../stream-plan.js';
import { jsonQuote } from '../json-quote.js';
import type { CacheUsage } from './prompt-cache.js';

export interface MessageIdentity {
  readonly id: string;
  readonly model: string;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export const STOP_REASON = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
} as const satisfies Record<FinishReason, StopReason>;

/** A thinking block: its text (a corpus entry's tokens) and the signature sent before it stops. */
export interface ThinkingPart {
  readonly source: TokenSource;
  readonly count: number;
  readonly signature: string;
  /** `display: "omitted"`: the tokens are thought (and billed, and take their time) but not sent. */
  readonly omitted: boolean;
}

/** Everything a reply carries besides the identity: blocks in order, and the token counts. */
export interface MessageContent {
  readonly thinking: ThinkingPart | null;
  readonly answer: Answer;
  /** `toolu_…` id per tool call of the answer. */
  readonly toolIds: readonly string[];
  readonly stopReason: StopReason;
  /** The stop sequence the answer ended before (stop_reason `stop_sequence`), else null. */
  readonly stopSequence: string | null;
  /** Input tokens: uncached, read from the prompt cache, written to it. */
  readonly cache: CacheUsage;
  /** Thinking plus answer tokens. */
  readonly outputTokens: number;
}

type DeltaKind = 'text_delta' | 'thinking_delta' | 'input_json_delta';
const DELTA_FIELD = { text_delta: 'text', thinking_delta: 'thinking', input_json_delta: 'partial_json' } as const satisfies Record<DeltaKind, string>;

/** Block indexes below this get cached frames; a reply rarely has more than a few blocks. */
const CACHED_INDEXES = 16;
const deltaHeads: Record<DeltaKind, Buffer[]> = { text_delta: [], thinking_delta: [], input_json_delta: [] };
const textStarts: Buffer[] = [];
const thinkingStarts: Buffer[] = [];
const blockStops: Buffer[] = [];
const emptyJsonDeltas: Buffer[] = [];

function cached(table: Buffer[], index: number, build: () => string): Buffer {
  if (index >= CACHED_INDEXES) return Buffer.from(build());
  return (table[index] ??= Buffer.from(build()));
}

function event(type: string, json: string): string {
  return `event: ${type}\ndata: ${json}\n\n`;
}

/** Closes a token's escaped text, the delta and the event: the same for every delta kind. */
const DELTA_TAIL = Buffer.from('"}}\n\n');
const PING = Buffer.from(event('ping', '{"type":"ping"}'));
const MESSAGE_STOP = event('message_stop', '{"type":"message_stop"}');

const deltaHead = (kind: DeltaKind, index: number): Buffer =>
  cached(deltaHeads[kind], index, () => `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"${kind}","${DELTA_FIELD[kind]}":"`);
const blockStart = (index: number, block: string): string =>
  event('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${block}}`);
const textStart = (index: number): Buffer => cached(textStarts, index, () => blockStart(index, '{"type":"text","text":""}'));
const thinkingStart = (index: number): Buffer => cached(thinkingStarts, index, () => blockStart(index, '{"type":"thinking","thinking":"","signature":""}'));
const blockStop = (index: number): Buffer => cached(blockStops, index, () => event('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
// Anthropic opens every tool_use block's input with an empty fragment.
const emptyJsonDelta = (index: number): Buffer =>
  cached(emptyJsonDeltas, index, () => event('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":{"type":"input_json_delta","partial_json":""}}`));

const stopSequenceJson = (c: MessageContent): string => (c.stopSequence === null ? 'null' : JSON.stringify(c.stopSequence));

/** Usage's input fields, as every usage object carries them. */
function inputUsage(c: CacheUsage): string {
  return `"input_tokens":${c.input},"cache_creation_input_tokens":${c.write5m + c.write1h},"cache_read_input_tokens":${c.read}`;
}

function usageObject(c: CacheUsage, outputTokens: number): string {
  return `{${inputUsage(c)},"cache_creation":{"ephemeral_5m_input_tokens":${c.write5m},"ephemeral_1h_input_tokens":${c.write1h}},"output_tokens":${outputTokens},"service_tier":"standard","inference_geo":"not_available"}`;
}

/** Collects steps, merging adjacent static frames into one. */
class PlanBuilder {
  readonly steps: Step[] = [];
  #pending: Buffer[] = [];

  frame(bytes: Buffer | string): void {
    this.#pending.push(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  }

  tokens(head: Buffer, src: TokenSource, count: number): void {
    if (count === 0) return;
    this.#flush();
    this.steps.push(tokenStep(head, src, count, DELTA_TAIL));
  }

  /** Tokens that take their scheduled time and send nothing (thinking with `display: "omitted"`). */
  silentTokens(count: number): void {
    if (count === 0) return;
    this.#flush();
    this.steps.push(new Step(EMPTY, EMPTY, new Int32Array(count + 1), 0, count, EMPTY));
  }

  /** Ends the current step: what follows goes out in a later write. */
  cut(): void {
    this.#flush();
  }

  done(): Step[] {
    this.#flush();
    return this.steps;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.steps.push(Step.frame(this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending)));
    this.#pending = [];
  }
}

function hasTextBlock(a: Answer): boolean {
  return a.contentCount > 0 || a.toolCalls.length === 0;
}

/**
 * One lane; Anthropic streams have nothing after `message_stop`, so the trailer is empty.
 * `message_start` is a step of its own, sent with the headers when the request is taken (the
 * prelude): Anthropic sends it before the model's first token, and clients that time the first
 * byte against the first `content_block_delta` rely on the difference.
 */
export function messageStreamPlan(who: MessageIdentity, c: MessageContent): { lanes: Lane[]; trailer: Buffer; preludeSteps: number } {
  const plan = new PlanBuilder();
  plan.frame(
    event(
      'message_start',
      `{"type":"message_start","message":{"id":${jsonQuote(who.id)},"type":"message","role":"assistant","model":${jsonQuote(who.model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":${usageObject(c.cache, Math.min(1, c.outputTokens))}}}`,
    ),
  );
  plan.cut();
  let index = 0;
  const open = (start: Buffer | string): void => {
    plan.frame(start);
    // Anthropic sends its ping right after the first block opens.
    if (index === 0) plan.frame(PING);
  };
  const a = c.answer;
  if (c.thinking !== null) {
    open(thinkingStart(index));
    if (c.thinking.omitted) plan.silentTokens(c.thinking.count);
    else plan.tokens(deltaHead('thinking_delta', index), c.thinking.source, c.thinking.count);
    plan.frame(event('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":{"type":"signature_delta","signature":${JSON.stringify(c.thinking.signature)}}}`));
    plan.frame(blockStop(index++));
  }
  if (hasTextBlock(a)) {
    open(textStart(index));
    plan.tokens(deltaHead('text_delta', index), a.content, a.contentCount);
    plan.frame(blockStop(index++));
  }
  a.toolCalls.forEach((call, k) => {
    open(blockStart(index, `{"type":"tool_use","id":${JSON.stringify(c.toolIds[k])},"name":${jsonQuote(call.name)},"input":{}}`));
    plan.frame(emptyJsonDelta(index));
    plan.tokens(deltaHead('input_json_delta', index), call.args, call.count);
    plan.frame(blockStop(index++));
  });
  // message_delta's usage is cumulative for the whole message, as the SDK expects.
  plan.frame(
    event(
      'message_delta',
      `{"type":"message_delta","delta":{"stop_reason":"${c.stopReason}","stop_sequence":${stopSequenceJson(c)}},"usage":{${inputUsage(c.cache)},"output_tokens":${c.outputTokens}}}`,
    ) + MESSAGE_STOP,
  );
  return { lanes: [new Lane(plan.done())], trailer: EMPTY, preludeSteps: 1 };
}

/**
 * A tool_use block's `input` is a JSON object, not a string: the arena holds the arguments as a
 * JSON string body, so they are unescaped once per response. Arguments cut at `max_tokens` are
 * not whole JSON and become `{}`.
 */
function toolInput(call: AnswerToolCall): string {
  if (call.count < call.args.count) return '{}';
  return JSON.parse(`"${sourceSlice(call.args, call.count).toString('utf8')}"`) as string;
}

/** The non-streaming `message` body; text is spliced from the arena as one slice per block. */
export function messageBody(who: MessageIdentity, c: MessageContent): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`{"id":${jsonQuote(who.id)},"type":"message","role":"assistant","model":${jsonQuote(who.model)},"content":[`),
  ];
  let sep = '';
  const a = c.answer;
  if (c.thinking !== null) {
    parts.push(Buffer.from(`${sep}{"type":"thinking","thinking":"`), c.thinking.omitted ? EMPTY : sourceSlice(c.thinking.source, c.thinking.count));
    parts.push(Buffer.from(`","signature":${JSON.stringify(c.thinking.signature)}}`));
    sep = ',';
  }
  if (hasTextBlock(a)) {
    parts.push(Buffer.from(`${sep}{"type":"text","text":"`), sourceSlice(a.content, a.contentCount), Buffer.from('"}'));
    sep = ',';
  }
  a.toolCalls.forEach((call, k) => {
    parts.push(Buffer.from(`${sep}{"type":"tool_use","id":${JSON.stringify(c.toolIds[k])},"name":${jsonQuote(call.name)},"input":${toolInput(call)}}`));
    sep = ',';
  });
  parts.push(Buffer.from(`],"stop_reason":"${c.stopReason}","stop_sequence":${stopSequenceJson(c)},"usage":${usageObject(c.cache, c.outputTokens)}}`));
  return Buffer.concat(parts);
}
