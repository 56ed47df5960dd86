/**
 * Responses API bytes: the Response object (the non-streaming body, the stored copy, and the
 * payload of `response.completed`) and the typed event stream.
 *
 * Every stream frame is `event: <type>\ndata: {"type":"<type>",…,"sequence_number":N}\n\n`. The
 * frames are numbered steps (`src/server/stream-plan.ts`): each is built once per response up to
 * `"sequence_number":`, and the writer appends the stream's running number and `}\n\n`, so the
 * number can sit in immutable, pre-encoded frames. Token text and tool arguments come from the
 * pre-escaped arena; the full text appears in a few per-response frames (`output_text.done`,
 * `content_part.done`, `output_item.done`, `response.completed`), spliced as slices.
 */
import type { Answer, AnswerToolCall } from '../answer.js';
import { EMPTY, eventFrameSteps, Lane, Step, sourceSlice, tokenStep, walkSchedule, type StreamPlan } from '../stream-plan.js';
import type { EmissionSchedule } from '../../timing/schedule.js';
import type { ReasoningText } from '../reasoning.js';
import { jsonQuote } from '../json-quote.js';
import type { SERVICE_TIERS, ServedTier } from './service-tier.js';

export interface ResponseIdentity {
  /** `resp_…` */
  readonly id: string;
  readonly createdAt: number;
  /** When the answer finishes generating, in epoch seconds. */
  readonly completedAt: number;
  readonly model: string;
  /** `msg_…` of the message item. */
  readonly messageId: string;
  /** `fc_…` per tool call of the answer. */
  readonly callItemIds: readonly string[];
  /** `rs_…` of the reasoning item a reasoning model's output starts with; null for other models. */
  readonly reasoningItemId: string | null;
  /** The item's opaque `encrypted_content`, when `include` asks for it (stateless clients send it back). */
  readonly reasoningEncrypted: string | null;
  /**
   * The custom tool the answer calls, its text the call's input, in place of the message
   * (`messageId` is then the `ctc_…` item's id); null for an answer in a message.
   */
  readonly custom: { readonly name: string; readonly callId: string } | null;
}

export interface ResponseUsage {
  readonly inputTokens: number;
  /** The input's leading tokens served from the prompt cache. */
  readonly cachedTokens: number;
  /** The answer's tokens and the reasoning tokens. */
  readonly outputTokens: number;
  readonly reasoningTokens: number;
}

/**
 * Request settings the Response object echoes, as JSON values, in the API's field order: those
 * that precede `output` and those that follow it.
 */
export interface ResponseEcho {
  readonly instructions: string | null;
  readonly maxOutputTokens: number | null;
  readonly maxToolCalls: number | null;
  /** `background: true`: answered at once as `queued`, finished later for a retrieve to find. */
  readonly background: boolean;
  /** The tier asked for (`auto` when none): what the object says until it is final and names the tier that served it. */
  readonly requestedTier: (typeof SERVICE_TIERS)[number];
  readonly after: Readonly<{
    parallel_tool_calls: boolean;
    previous_response_id: string | null;
    reasoning: unknown;
    store: boolean;
    temperature: number;
    text: unknown;
    tool_choice: unknown;
    tools: unknown;
    top_p: number;
    truncation: string;
    user: string | null;
    metadata: Readonly<Record<string, string>>;
    prompt_cache_key: string | null;
    safety_identifier: string | null;
    service_tier: ServedTier;
    top_logprobs: number;
    conversation: { readonly id: string } | null;
  }>;
}

export interface ResponseParts {
  readonly who: ResponseIdentity;
  /** The reasoning item's summary text, when `reasoning.summary` asks for one; null otherwise. */
  readonly summary: ReasoningText | null;
  readonly echo: ResponseEcho;
  readonly answer: Answer;
  readonly usage: ResponseUsage;
  /** The message's `logprobs` entries per token (`./logprobs.ts`), when `include` asks for them; null otherwise. */
  readonly logprobs: readonly string[] | null;
}

const SEQUENCE = Buffer.from(',"sequence_number":');
const FRAME_END = Buffer.from('}\n\n');
const QUOTE = Buffer.from('"');
const COMMA = Buffer.from(',');
const CLOSE_ARRAY = Buffer.from(']');
const EMPTY_OUTPUT = Buffer.from('[]');
const TEXT_DELTA_TAIL = Buffer.from('","logprobs":[]' + ',"sequence_number":');
const ARGS_DELTA_TAIL = Buffer.from('"' + ',"sequence_number":');

/**
 * The in-stream failure (the spec's flat `ResponseErrorEvent`), numbered like every other frame:
 * the writer puts the stream's next sequence number between the two parts.
 */
export const RESPONSE_STREAM_ERROR = Buffer.from(
  `${eventHead('error')}"code":"server_error","message":"The server had an error while processing your request. Sorry about that!","param":null${SEQUENCE.toString()}`,
);
export const RESPONSE_STREAM_ERROR_END = FRAME_END;

type OutputItem =
  | { readonly kind: 'reasoning'; readonly itemId: string; readonly encrypted: string | null }
  | { readonly kind: 'message' }
  | { readonly kind: 'custom'; readonly name: string; readonly callId: string }
  | { readonly kind: 'call'; readonly call: AnswerToolCall; readonly itemId: string };

/**
 * The answer's output items in order: a reasoning model's reasoning item, a message when there is
 * text (or nothing else), then one function call per tool call that got any argument tokens
 * before the limit. Reasoning that spent the whole limit leaves the reasoning item alone.
 */
function outputItems(p: ResponseParts): OutputItem[] {
  const items: OutputItem[] = [];
  const a = p.answer;
  const custom = p.who.custom;
  // A custom call needs input: reasoning that spent the whole limit leaves none to call with.
  if (a.contentCount > 0) items.push(custom !== null ? { kind: 'custom', name: custom.name, callId: custom.callId } : { kind: 'message' });
  a.toolCalls.forEach((call, k) => {
    if (call.count > 0) items.push({ kind: 'call', call, itemId: p.who.callItemIds[k]! });
  });
  if (p.who.reasoningItemId !== null) items.unshift({ kind: 'reasoning', itemId: p.who.reasoningItemId, encrypted: p.who.reasoningEncrypted });
  else if (items.length === 0) items.push({ kind: 'message' });
  return items;
}

/** A reasoning item, as added (its summary still empty) or finished (with the summary's text, when there is one). */
function reasoningItem(itemId: string, encrypted: string | null, summary: Buffer | null): Buffer[] {
  const head = `{"id":${JSON.stringify(itemId)},"type":"reasoning"${encrypted === null ? '' : `,"encrypted_content":${JSON.stringify(encrypted)}`},"summary":[`;
  if (summary === null) return [Buffer.from(head + ']}')];
  return [Buffer.from(head + '{"type":"summary_text","text":'), ...quoted(summary), Buffer.from('}]}')];
}

/** The escaped summary text, or null when there is none. */
function summaryText(p: ResponseParts): Buffer | null {
  return p.summary === null ? null : sourceSlice(p.summary.source, p.summary.count);
}

/** Whether the answer was cut at `max_output_tokens`. */
function isCut(a: Answer): boolean {
  return a.finishReason === 'length';
}

function quoted(text: Buffer): Buffer[] {
  return [QUOTE, text, QUOTE];
}

/** The escaped text of the message (all of it that was sent). */
function messageText(a: Answer): Buffer {
  return sourceSlice(a.content, a.contentCount);
}

/** A `logprobs` array's JSON: the entries, or none. */
const logprobsJson = (entries: readonly string[] | null): string => (entries === null ? '[]' : `[${entries.join(',')}]`);

/** The finished content part: output text, or a refusal. */
function contentPart(a: Answer, logprobs: readonly string[] | null): Buffer[] {
  if (a.refusal) return [Buffer.from('{"type":"refusal","refusal":'), ...quoted(messageText(a)), Buffer.from('}')];
  return [Buffer.from(`{"type":"output_text","annotations":[],"logprobs":${logprobsJson(logprobs)},"text":`), ...quoted(messageText(a)), Buffer.from('}')];
}

/**
 * With logprobs, the message's text deltas go one whole event per scheduled event, each with the
 * entries of the tokens it carries (as chat's chunks do, `./chat-encode.ts`); numbered as usual.
 */
function logprobDeltas(head: Buffer, a: Answer, entries: readonly string[], sends: readonly number[]): Step[] {
  return eventFrameSteps(a.content, sends, (tokens, at, n) => Buffer.concat([head, tokens, Buffer.from(`","logprobs":[${entries.slice(at, at + n).join(',')}],"sequence_number":`)]), FRAME_END);
}

function messageItem(p: ResponseParts): Buffer[] {
  const status = p.answer.contentCount < p.answer.content.count ? 'incomplete' : 'completed';
  return [
    Buffer.from(`{"id":${JSON.stringify(p.who.messageId)},"type":"message","status":"${status}","content":[`),
    ...contentPart(p.answer, p.logprobs),
    Buffer.from('],"role":"assistant"}'),
  ];
}

function callItem(call: AnswerToolCall, itemId: string): Buffer[] {
  const status = call.count < call.args.count ? 'incomplete' : 'completed';
  return [
    Buffer.from(`{"id":${JSON.stringify(itemId)},"type":"function_call","status":"${status}","arguments":`),
    ...quoted(sourceSlice(call.args, call.count)),
    Buffer.from(`,"call_id":${jsonQuote(call.id)},"name":${jsonQuote(call.name)}}`),
  ];
}

/** A custom tool's call: the answer's text is its free-form input. */
function customItem(p: ResponseParts, name: string, callId: string): Buffer[] {
  const status = p.answer.contentCount < p.answer.content.count ? 'incomplete' : 'completed';
  return [
    Buffer.from(`{"id":${JSON.stringify(p.who.messageId)},"type":"custom_tool_call","status":"${status}","call_id":${JSON.stringify(callId)},"input":`),
    ...quoted(messageText(p.answer)),
    Buffer.from(`,"name":${JSON.stringify(name)}}`),
  ];
}

function finishedItem(p: ResponseParts, item: OutputItem): Buffer[] {
  switch (item.kind) {
    case 'reasoning':
      return reasoningItem(item.itemId, item.encrypted, summaryText(p));
    case 'message':
      return messageItem(p);
    case 'custom':
      return customItem(p, item.name, item.callId);
    case 'call':
      return callItem(item.call, item.itemId);
  }
}

function usageObject(u: ResponseUsage): Record<string, unknown> {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

/** What a Response object says before it is final: a background response starts `queued`, and may end `cancelled`. */
export type PendingStatus = 'queued' | 'in_progress' | 'cancelled';

/** The Response object as pieces: pending (no output, no usage) or final. */
function responseObject(p: ResponseParts, final: boolean, output: readonly Buffer[], pending: PendingStatus = 'in_progress'): Buffer[] {
  const cut = final && isCut(p.answer);
  const head = JSON.stringify({
    id: p.who.id,
    object: 'response',
    created_at: p.who.createdAt,
    status: final ? (cut ? 'incomplete' : 'completed') : pending,
    background: p.echo.background,
    completed_at: final && !cut ? p.who.completedAt : null,
    error: null,
    incomplete_details: cut ? { reason: 'max_output_tokens' } : null,
    instructions: p.echo.instructions,
    max_output_tokens: p.echo.maxOutputTokens,
    max_tool_calls: p.echo.maxToolCalls,
    model: p.who.model,
  });
  const tail = JSON.stringify({
    ...p.echo.after,
    ...(final ? {} : { service_tier: p.echo.requestedTier }),
    usage: final ? usageObject(p.usage) : null,
  });
  return [Buffer.from(head.slice(0, -1) + ',"output":'), ...output, Buffer.from(',' + tail.slice(1))];
}

function finalOutput(p: ResponseParts, items: readonly OutputItem[]): Buffer[] {
  const out: Buffer[] = [Buffer.from('[')];
  items.forEach((item, i) => {
    if (i > 0) out.push(COMMA);
    out.push(...finishedItem(p, item));
  });
  out.push(CLOSE_ARRAY);
  return out;
}

/** The final Response object: the non-streaming body and what GET /v1/responses/{id} returns. */
export function responseBody(p: ResponseParts): Buffer {
  return Buffer.concat(responseObject(p, true, finalOutput(p, outputItems(p))));
}

/** The object of a response not (or never to be) finished: no output, no usage. */
export function pendingResponseBody(p: ResponseParts, status: PendingStatus): Buffer {
  return Buffer.concat(responseObject(p, false, [EMPTY_OUTPUT], status));
}

/**
 * How OpenAI ends a stream whose background response is cancelled: a `response.failed` event
 * carrying the cancelled response (the event union has no `response.cancelled`), up to its
 * sequence number; `RESPONSE_STREAM_END` follows the number.
 */
export function cancelledStreamEvent(cancelled: Buffer): Buffer {
  return Buffer.concat([Buffer.from(eventHead('response.failed') + '"response":'), cancelled, SEQUENCE]);
}
export const RESPONSE_STREAM_END = FRAME_END;

function eventHead(type: string): string {
  return `event: ${type}\ndata: {"type":"${type}",`;
}

/** A static event: its fields as JSON pieces, numbered by the writer. */
function eventFrame(type: string, fields: readonly (Buffer | string)[]): Step {
  const pieces: Buffer[] = [Buffer.from(eventHead(type))];
  for (const f of fields) pieces.push(typeof f === 'string' ? Buffer.from(f) : f);
  pieces.push(SEQUENCE);
  return Step.numberedFrame(Buffer.concat(pieces), FRAME_END);
}

/** Tokens of the message text each scheduled event sends: its token step follows the summary's, when there is one. */
function contentSends(p: ResponseParts, schedule: EmissionSchedule): number[] {
  const steps: number[] = [];
  if (p.summary !== null) steps.push(p.summary.count);
  const contentStep = steps.length;
  steps.push(p.answer.contentCount);
  for (const c of p.answer.toolCalls) if (c.count > 0) steps.push(c.count);
  const sends: number[] = [];
  walkSchedule(schedule, [steps], [0], (_lane, step, _event, n) => {
    if (step === contentStep) sends.push(n);
  });
  return sends;
}

/**
 * The whole event stream as one lane: lifecycle events, then per output item its added, delta
 * and done events, then `response.completed` (or `response.incomplete` when cut at the limit).
 * No trailer: the stream ends after the last event, with no `[DONE]`.
 */
export function responseStreamPlan(p: ResponseParts, schedule: EmissionSchedule | null = null): StreamPlan {
  const steps: Step[] = [];
  const started = responseObject(p, false, [EMPTY_OUTPUT]);
  steps.push(eventFrame('response.created', ['"response":', ...started]));
  steps.push(eventFrame('response.in_progress', ['"response":', ...started]));
  const a = p.answer;
  const items = outputItems(p);
  items.forEach((item, index) => {
    if (item.kind === 'reasoning') {
      steps.push(eventFrame('response.output_item.added', [`"output_index":${index},"item":`, ...reasoningItem(item.itemId, item.encrypted, null)]));
      const text = summaryText(p);
      if (p.summary !== null && text !== null) {
        const at = `"item_id":${JSON.stringify(item.itemId)},"output_index":${index},"summary_index":0`;
        steps.push(eventFrame('response.reasoning_summary_part.added', [`${at},"part":{"type":"summary_text","text":""}`]));
        steps.push(tokenStep(Buffer.from(`${eventHead('response.reasoning_summary_text.delta')}${at},"delta":"`), p.summary.source, p.summary.count, ARGS_DELTA_TAIL, FRAME_END));
        steps.push(eventFrame('response.reasoning_summary_text.done', [`${at},"text":`, ...quoted(text)]));
        steps.push(eventFrame('response.reasoning_summary_part.done', [`${at},"part":{"type":"summary_text","text":`, ...quoted(text), '}']));
      }
    } else if (item.kind === 'message') {
      const id = JSON.stringify(p.who.messageId);
      const at = `"item_id":${id},"output_index":${index},"content_index":0`;
      steps.push(eventFrame('response.output_item.added', [`"output_index":${index},"item":{"id":${id},"type":"message","status":"in_progress","content":[],"role":"assistant"}`]));
      const emptyPart = a.refusal ? '{"type":"refusal","refusal":""}' : '{"type":"output_text","annotations":[],"logprobs":[],"text":""}';
      steps.push(eventFrame('response.content_part.added', [`${at},"part":${emptyPart}`]));
      const kind = a.refusal ? 'refusal' : 'output_text';
      if (a.contentCount > 0) {
        const tail = a.refusal ? ARGS_DELTA_TAIL : TEXT_DELTA_TAIL;
        const head = Buffer.from(`${eventHead(`response.${kind}.delta`)}${at},"delta":"`);
        const sends = p.logprobs !== null && !a.refusal && schedule !== null ? contentSends(p, schedule) : null;
        if (sends !== null) steps.push(...logprobDeltas(head, a, p.logprobs!, sends));
        else steps.push(tokenStep(head, a.content, a.contentCount, tail, FRAME_END));
      }
      const done = a.refusal ? [`${at},"refusal":`, ...quoted(messageText(a))] : [`${at},"text":`, ...quoted(messageText(a)), `,"logprobs":${logprobsJson(p.logprobs)}`];
      steps.push(eventFrame(`response.${kind}.done`, done));
      steps.push(eventFrame('response.content_part.done', [`${at},"part":`, ...contentPart(a, p.logprobs)]));
    } else if (item.kind === 'custom') {
      const id = JSON.stringify(p.who.messageId);
      const at = `"item_id":${id},"output_index":${index}`;
      steps.push(
        eventFrame('response.output_item.added', [
          `"output_index":${index},"item":{"id":${id},"type":"custom_tool_call","status":"in_progress","call_id":${JSON.stringify(item.callId)},"input":"","name":${JSON.stringify(item.name)}}`,
        ]),
      );
      if (a.contentCount > 0) steps.push(tokenStep(Buffer.from(`${eventHead('response.custom_tool_call_input.delta')}${at},"delta":"`), a.content, a.contentCount, ARGS_DELTA_TAIL, FRAME_END));
      steps.push(eventFrame('response.custom_tool_call_input.done', [`${at},"input":`, ...quoted(messageText(a))]));
    } else {
      const { call, itemId } = item;
      const id = JSON.stringify(itemId);
      const name = jsonQuote(call.name);
      steps.push(
        eventFrame('response.output_item.added', [
          `"output_index":${index},"item":{"id":${id},"type":"function_call","status":"in_progress","arguments":"","call_id":${jsonQuote(call.id)},"name":${name}}`,
        ]),
      );
      steps.push(tokenStep(Buffer.from(`${eventHead('response.function_call_arguments.delta')}"item_id":${id},"output_index":${index},"delta":"`), call.args, call.count, ARGS_DELTA_TAIL, FRAME_END));
      steps.push(eventFrame('response.function_call_arguments.done', [`"item_id":${id},"name":${name},"output_index":${index},"arguments":`, ...quoted(sourceSlice(call.args, call.count))]));
    }
    steps.push(eventFrame('response.output_item.done', [`"output_index":${index},"item":`, ...finishedItem(p, item)]));
  });
  const final = isCut(a) ? 'response.incomplete' : 'response.completed';
  steps.push(eventFrame(final, ['"response":', ...responseObject(p, true, finalOutput(p, items))]));
  // response.created and response.in_progress go out when the request is taken, as OpenAI sends
  // them, and so does a reasoning item's output_item.added: its done event waits for the answer.
  return { lanes: [new Lane(steps)], trailer: EMPTY, preludeSteps: items[0]!.kind === 'reasoning' ? 3 : 2 };
}

/** malformed_frame: a named output_text.delta event whose data is not JSON (the SDK raises a parse error). */
export const RESPONSE_MALFORMED_FRAME = Buffer.from('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"unterminated\n\n');

/** truncated_json: what a cut leaves of a Responses stream, half a named event and no blank line. */
export const RESPONSE_HALF_FRAME = Buffer.from('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_');
