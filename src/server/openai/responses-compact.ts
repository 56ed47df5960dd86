/**
 * POST /v1/responses/compact: a long conversation compacted for the next turns, as the openai
 * SDK's `responses.compact` and the Agents SDK's `OpenAIResponsesCompactionSession` call it. The
 * reply keeps every user message of the input and replaces the rest with one `compaction` item
 * whose `encrypted_content` the client sends back as input.
 *
 * The summary is opaque at OpenAI; here it carries the tokens it stands for (a fifth of the
 * compacted input), so a later request that sends it back counts as a compacted conversation is
 * billed, smaller than the history it replaced. Its latency is the profile's TTFT for the input
 * plus the time to write the summary, as a request's would be.
 */
import { groundTruthHeaders } from '../ground-truth.js';
import { SeededRandom, hashString } from '../../timing/random.js';
import { timingDraws } from '../answer-plan.js';
import { randomId } from '../answer.js';
import { replyAfter, type RequestInfo } from '../http-exchange.js';
import { NO_FOREIGN_STATE, type ForeignState } from '../peers.js';
import { admit, isAdmission, scheduleTiming } from '../policy.js';
import { heldMeta, type Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { acceptOpenAI, isAccepted } from './accept.js';
import { sealSummary } from './compaction-summary.js';
import { storedItem } from './conversations.js';
import { OPENAI_FAULTS } from './faults.js';
import { bearerKey, JSON_TYPE, openAIErrorReply, openAIHeaders } from './reply.js';
import { INPUT_EXCEEDS_CONTEXT, type OpenAIError } from './errors.js';
import { outputBudget, overflowedWindow } from '../../corpus/model-catalog.js';
import { conversationsFor } from './responses-context.js';
import { parseResponsesRequest, type ResponsesRequest } from './responses-request.js';
import { countResponsesInputTokens, gatherFor, RESPONSES_SEEDING } from './responses.js';
import type { RouteVariant } from './route-variant.js';

const RESPONSES_COMPACT: RouteVariant<'responses_compact'> = { route: 'responses_compact', model: undefined, authChecked: false };

/** The share of the compacted input its summary stands for, and the fewest tokens a summary takes. */
const SUMMARY_SHARE = 0.2;
const MIN_SUMMARY_TOKENS = 16;
/** The request's own user messages, as the compacted output keeps them (a string input is one). */
function userMessages(req: ResponsesRequest, rng: SeededRandom): Record<string, unknown>[] {
  const input = req.body.input;
  const raw = typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : (input ?? []);
  return raw
    .filter(
      (item): item is Record<string, unknown> =>
        typeof item === 'object' && item !== null && !Array.isArray(item) && (item as { role?: unknown }).role === 'user' && ((item as { type?: unknown }).type ?? 'message') === 'message',
    )
    .map((item) => storedItem({ ...item, type: 'message' }, rng));
}

export function compactResponse(ctx: ThreadContext, info: RequestInfo, body: string): Reply | Promise<Reply> {
  // `input` is optional here: a previous response's context alone can be compacted.
  const parse = (input: unknown): ResponsesRequest | OpenAIError => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return parseResponsesRequest(input);
    const fields = input as Record<string, unknown>;
    return parseResponsesRequest({ ...fields, input: fields.input ?? [] });
  };
  const accepted = acceptOpenAI(ctx, info, body, RESPONSES_COMPACT, parse, RESPONSES_SEEDING);
  if (!isAccepted(accepted)) return accepted;
  const { req, rng, requestId, model, modelIndex } = accepted;
  const route = RESPONSES_COMPACT.route;

  const compact = (foreign: ForeignState): Reply => {
    const turns = conversationsFor(ctx).resolve(req, foreign).all;
    const inputTokens = countResponsesInputTokens(req, turns);
    // The input must fit the model's window, as a create's must; the summary is written within its output limit.
    if (overflowedWindow(model, inputTokens) !== undefined) return openAIErrorReply(requestId, route, INPUT_EXCEEDS_CONTEXT, 'invalid_request', modelIndex);
    const summaryTokens = Math.min(outputBudget(model, undefined), Math.max(MIN_SUMMARY_TOKENS, Math.round(inputTokens * SUMMARY_SHARE)));
    const meta = { route, modelIndex, errorKind: null } as const;
    const admission = admit(ctx, { route, dialect: 'openai', model, apiKey: bearerKey(info), info, inputTokens, maxOutputTokens: summaryTokens, meta }, OPENAI_FAULTS);
    if (!isAdmission(admission)) return admission;
    const latency = timingDraws(ctx, model, rng);
    const timing = scheduleTiming(admission, latency.ttftMs(latency.rng, inputTokens));
    // The summary is written at one drawn pace, token after token, after the input is read; a
    // slow_tokens fault or a busy profile's capacity slows that pace as it slows an answer's gaps.
    const gapMs = latency.tokenGapMs(latency.rng) * ctx.config.speed * timing.itlFactor;
    const ttftMs = timing.ttftMs * timing.ttftFactor * ctx.config.speed + timing.holdMs;
    const plannedMs = ttftMs + summaryTokens * gapMs;
    const id = randomId(rng, 'resp_', 48);
    // Item ids are drawn from the response id, so the same request always compacts alike.
    const itemRng = new SeededRandom(hashString(id));
    const output = [...userMessages(req, itemRng), { id: randomId(itemRng, 'cmp_', 48), type: 'compaction', encrypted_content: sealSummary(summaryTokens, itemRng) }];
    const usage = { input_tokens: inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: summaryTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inputTokens + summaryTokens };
    const json = JSON.stringify({ id, object: 'response.compaction', created_at: Math.floor(Date.now() / 1000), output, usage });
    return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, plannedMs, groundTruthHeaders(null, { ttftMs, meanItlMs: gapMs, totalMs: plannedMs }, randomId(rng, 'trc_', 24)), admission.headers), body: json, delayMs: plannedMs, completionTokens: summaryTokens, meta: heldMeta(meta, admission.saturationSlot, null, admission.holdMs > 0), truncate: admission.faults.stream !== null };
  };
  const foreign = gatherFor(ctx, req);
  if (foreign === undefined) return compact(NO_FOREIGN_STATE);
  return replyAfter(foreign, compact);
}
