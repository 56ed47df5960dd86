/**
 * POST /v1/chat/completions: validate, pick answers, and hand the exchange either a held JSON
 * body or a stream plan. Timing is decided here from the seeded source; the exchange only paces.
 */
import { countTokens } from '../../corpus/tokens.js';
import { hashString, type SeededRandom } from '../../timing/random.js';
import { laneTokenSteps, randomId, recordingDescribes, type Answer, type AnswerRequest, type AnswerToolCall } from '../answer.js';
import type { RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { parseChatRequest, messageText, type ChatRequest } from './chat-request.js';
import { chatBody, chatStreamPlan, type ChatIdentity } from './chat-encode.js';
import { openAIErrorReply, quotaKey, refusedAfterAdmission } from './reply.js';
import { OPENAI_FAULTS } from './faults.js';
import { admit, isAdmission } from '../policy.js';
import { planAnswerTiming } from '../answer-plan.js';
import { openAIAnswerReply } from './answer-reply.js';
import { type RouteVariant } from './route-variant.js';
import { acceptOpenAI, isAccepted, type RequestSeeding } from './accept.js';
import { MEMO_ID_CHARS, openAIEndpointOf, vendorOf, outputBudget, overflowedWindow, refusedOutputLimit, servedModelId } from '../../corpus/model-catalog.js';
import { contextLengthExceeded, maxTokensTooLarge, wrongEndpoint } from './errors.js';
import { mediaTokens } from './media-tokens.js';
import { stopList } from '../stop-sequences.js';
import { answerAfterReasoning, openAIReasoningTokens, reasoningText, xaiReasoningTokens, xaiShowsReasoning } from '../reasoning.js';
import { MIN_CACHED_PROMPT, promptCacheFor, PromptPrefixes } from '../prompt-cache.js';
import { servedTier } from './service-tier.js';
import { tokenLogprobs, tooManyLogprobs } from './logprobs.js';
import { xaiErrorReply, xaiParamsRefusal } from './xai-params.js';
import { XAI_FAULTS } from './xai-errors.js';
import { storeChatCompletion } from './chat-store.js';
import { ownSlot } from '../peers.js';
import { ownedId } from '../owner-ids.js';

/** Output charged against a token rate limit when the request sets no max_tokens (OpenAI estimates it too). */
const DEFAULT_OUTPUT_ESTIMATE = 1024;

export const OPENAI_CHAT: RouteVariant<'chat_completions'> = { route: 'chat_completions', model: undefined, authChecked: false };

/**
 * OpenAI's chat accounting, as its cookbook counts it and the API reports it: 3 tokens of framing
 * per message plus its role's and content's tokens, a name's tokens and 1 more, and 3 to prime the
 * reply ("Say this is a test!" as one user message: 13). With
 * `prefixes`, also marks the prompt's cacheable boundaries: after the tools, which lead the
 * prompt, and after each message.
 */
export function countChatPromptTokens(req: ChatRequest, prefixes?: PromptPrefixes): number {
  let n = 3;
  if (req.body.tools && req.body.tools.length > 0) {
    const tools = JSON.stringify(req.body.tools);
    n += countTokens(tools);
    prefixes?.add(tools, n);
  }
  for (const m of req.body.messages) {
    n += 3 + countTokens(m.role) + countTokens(messageText(m)) + mediaTokens(m.content);
    if (m.name !== undefined) n += countTokens(m.name) + 1;
    if (m.tool_calls) for (const c of m.tool_calls) n += (c.type === 'custom' ? countTokens(c.custom.name) + countTokens(c.custom.input) : countTokens(c.function.name) + countTokens(c.function.arguments)) + 3;
    prefixes?.add(JSON.stringify(m), n);
  }
  return n;
}

/** A text answer as a custom tool's call: its text is the call's input, and the turn ends for the tool. */
function customCallOf(answer: Answer, name: string, rng: SeededRandom): Answer {
  // Reasoning that spent the whole limit leaves no input to call with: the answer stays empty.
  if (answer.contentCount === 0) return answer;
  const call: AnswerToolCall = { id: randomId(rng, 'call_', 24), name, args: answer.content, count: answer.contentCount, custom: true };
  return { ...answer, refusal: false, contentCount: 0, toolCalls: [call], finishReason: answer.finishReason === 'length' ? 'length' : 'tool_calls' };
}

/**
 * The prompt's cacheable boundaries, for a prompt long enough to be cached. Counted again: every
 * text is in the count cache by then, and a short prompt (most of a load test's) pays nothing.
 */
function chatPrefixes(req: ChatRequest, model: string): PromptPrefixes {
  const prefixes = new PromptPrefixes(model);
  countChatPromptTokens(req, prefixes);
  return prefixes;
}

const fingerprints = new Map<string, string>();
const FINGERPRINT_CACHE_LIMIT = 1024;

export function systemFingerprint(model: string): string {
  let fp = fingerprints.get(model);
  if (fp === undefined) {
    fp = `fp_${hashString(model).toString(16).padStart(8, '0')}${(hashString(model, 7) & 0xff).toString(16).padStart(2, '0')}`;
    // Bounded: model ids come from requests.
    if (fingerprints.size < FINGERPRINT_CACHE_LIMIT && model.length <= MEMO_ID_CHARS) fingerprints.set(model, fp);
  }
  return fp;
}

const CHAT_SEEDING: RequestSeeding<ChatRequest> = {
  seed: (req) => req.body.seed,
  promptKey: (req) => req.body.model + '\u0000' + req.body.messages.map(messageText).join('\u0000'),
};

export function chatCompletions(ctx: ThreadContext, info: RequestInfo, body: string, variant: RouteVariant = OPENAI_CHAT): Reply {
  const accepted = acceptOpenAI(ctx, info, body, variant, parseChatRequest, CHAT_SEEDING);
  if (!isAccepted(accepted)) return accepted;
  const { req, rng, requestId, model, bucketKey, modelIndex } = accepted;
  const route = variant.route;

  // Refused before it reaches the model, so before quotas and faults. Azure names deployments, not models.
  const serves = route === 'chat_completions' ? openAIEndpointOf(model) : undefined;
  if (serves !== undefined && serves !== 'chat') return openAIErrorReply(requestId, route, wrongEndpoint('chat', serves), 'invalid_request', modelIndex);
  // xAI's models, served on these routes, answer as xAI does (`./xai-params.ts`, the reasoning below).
  const xai = vendorOf(model) === 'xai';
  const xaiRefusal = xai ? xaiParamsRefusal(model, req.body) : undefined;
  if (xaiRefusal !== undefined) return xaiErrorReply(requestId, route, xaiRefusal, modelIndex);
  const refusal = variant.refusal?.(model, req.body);
  if (refusal !== undefined) return openAIErrorReply(requestId, route, refusal, 'invalid_request', modelIndex);
  const outputLimit = refusedOutputLimit(model, req.maxTokens);
  if (outputLimit !== undefined) {
    const param = req.body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    return openAIErrorReply(requestId, route, maxTokensTooLarge(param, req.maxTokens!, outputLimit), 'invalid_request', modelIndex);
  }
  const promptTokens = countChatPromptTokens(req);
  const window = overflowedWindow(model, promptTokens);
  if (window !== undefined) return openAIErrorReply(requestId, route, contextLengthExceeded(window, promptTokens), 'invalid_request', modelIndex);
  const meta = { route, modelIndex, errorKind: null } as const;
  const admission = admit(
    ctx,
    // Each of the n choices may write max_tokens: OpenAI's estimate (its cookbook's too) is the prompt plus n × max_tokens.
    { route, dialect: variant.dialect ?? 'openai', model, apiKey: quotaKey(info), info, inputTokens: promptTokens, maxOutputTokens: (req.maxTokens ?? DEFAULT_OUTPUT_ESTIMATE) * req.n, meta },
    variant.faults ?? (xai ? XAI_FAULTS : OPENAI_FAULTS),
  );
  if (!isAdmission(admission)) return admission;
  // Only a prompt the model took is cached: a refusal above never reached it.
  const cachedTokens = promptTokens < MIN_CACHED_PROMPT ? 0 : promptCacheFor(ctx).use(chatPrefixes(req, model), promptTokens);
  const held = heldMeta(meta, admission.saturationSlot, null, admission.holdMs > 0);
  const lastRole = req.body.messages[req.body.messages.length - 1]!.role;
  const format = req.body.response_format;
  // A custom tool's call is free text: the answer's text becomes its input (`customCallOf`).
  const custom = req.customCall;
  const answerReq: AnswerRequest = {
    bucketKey,
    tools: custom !== null ? [] : req.callableTools.map((t) => ({ name: t.function.name, parameters: t.function.parameters })),
    mustCallTool: req.mustCallTool && custom === null,
    // A forced tool choice constrains the model to call: no text first, the limit all the calls'.
    callsOnly: req.mustCallTool && custom === null,
    parallelToolCalls: req.body.parallel_tool_calls !== false,
    lastIsToolResult: lastRole === 'tool' || lastRole === 'function',
    json: custom !== null ? 'none' : req.responseFormat === 'json_object' ? 'object' : req.responseFormat === 'json_schema' ? 'schema' : 'none',
    // Structured Outputs' refusal field is OpenAI's; xAI refuses in plain content.
    schemaRefusals: !xai && custom === null,
    jsonSchema: format?.type === 'json_schema' && custom === null ? format.json_schema.schema : undefined,
    maxTokens: outputBudget(model, req.maxTokens),
    forceEntryId: admission.entryId,
    stop: stopList(req.body.stop),
  };
  // A named function's call ends in "stop" at OpenAI, streamed or not; `required` ends in "tool_calls".
  const named = typeof req.body.tool_choice === 'object' && req.body.tool_choice.type === 'function';
  const answers: Answer[] = [];
  let reasoningTokens = 0;
  let firstReasoning = 0;
  for (let i = 0; i < req.n; i++) {
    // A reasoning model thinks first, out of the same limit: what is left bounds the answer.
    const tokens = variant.hiddenReasoning
      ? variant.hiddenReasoning(model, req.body, rng)
      : xai
        ? xaiReasoningTokens(model, req.body.reasoning_effort, rng)
        : openAIReasoningTokens(model, req.body.reasoning_effort, rng);
    const { answer, reasoning } = answerAfterReasoning(ctx.corpus, answerReq, tokens, rng);
    if (custom !== null) answers.push(customCallOf(answer, custom, rng));
    else answers.push(named && answer.finishReason === 'tool_calls' ? { ...answer, finishReason: 'stop' } : answer);
    reasoningTokens += reasoning;
    if (i === 0) firstReasoning = reasoning;
  }
  // xAI bills reasoning beside the completion; OpenAI inside it.
  const completionTokens = answers.reduce((n, a) => n + a.completionTokens, xai ? 0 : reasoningTokens);
  const usage = { promptTokens, cachedTokens, completionTokens, reasoningTokens, reasoningOutside: xai };
  // Grok 3 Mini shows its reasoning before the answer, streamed first (the first choice's; others reason unseen).
  const shown = xai && xaiShowsReasoning(model) && firstReasoning > 0 ? reasoningText(ctx.corpus, bucketKey, firstReasoning, rng) : null;

  if (req.body.logprobs === true) {
    const tooMany = tooManyLogprobs(answers, req.body.top_logprobs ?? 0);
    if (tooMany !== null) return refusedAfterAdmission(requestId, route, tooMany, modelIndex, admission.saturationSlot);
  }
  const lead = answers[0]!.entry;
  const laneSteps = answers.map(laneTokenSteps);
  if (shown !== null && shown.count > 0) laneSteps[0]!.unshift(shown.count);
  // The first choice's unseen reasoning holds the first token back (what Grok 3 Mini shows streams instead).
  const hiddenReasoningTokens = Math.max(0, firstReasoning - (shown?.count ?? 0));
  const timing = planAnswerTiming(ctx, { model, laneSteps, rng, promptTokens, admission, lead, recordingApplies: shown === null && recordingDescribes(answers[0]!), hiddenReasoningTokens }, req.stream);
  const logprobs = req.body.logprobs === true ? answers.map((a) => tokenLogprobs(a.content, a.contentCount, req.body.top_logprobs ?? 0, rng)) : null;
  const stored = req.body.store === true && route === 'chat_completions';
  const who: ChatIdentity = {
    // A stored completion's id names this thread, which keeps it (`../owner-ids.ts`).
    id: stored ? ownedId(rng, 'chatcmpl-', 29, ownSlot(ctx)) : randomId(rng, 'chatcmpl-', 29),
    created: Math.floor(Date.now() / 1000),
    // Azure names the model its deployment serves, not the deployment.
    model: servedModelId(route === 'azure_chat_completions' ? bucketKey : model),
    systemFingerprint: systemFingerprint(model),
    serviceTier: servedTier(req.body.service_tier),
    contentFilter: route === 'azure_chat_completions',
    wholeToolCalls: xai,
  };

  // Stored when accepted, as its final object (`store: true`; Chat Completions' default is false).
  if (stored) storeChatCompletion(ctx, who.id, chatBody(who, answers, usage, false, logprobs, shown), body);
  return openAIAnswerReply({
    traceId: randomId(rng, 'trc_', 24),
    requestId,
    timing,
    admission,
    lead,
    meta: held,
    plan: () => chatStreamPlan(who, answers, req.includeUsage, usage, logprobs, timing.stream ? timing.schedule : null, shown),
    body: (transient) => chatBody(who, answers, usage, transient, logprobs, shown),
    completionTokens,
  });
}
