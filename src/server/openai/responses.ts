/**
 * POST /v1/responses (the Responses API), and GET / DELETE /v1/responses/{id} on the thread's
 * store. Create validates, picks the answer, plans its timing from the seeded source and hands the
 * exchange a held JSON body or a stream plan, as Chat Completions does.
 */
import { countTokens } from '../../corpus/tokens.js';
import { OTHER_MODEL } from '../../metrics/counters.js';
import { laneTokenSteps, randomId, recordingDescribes, type AnswerRequest } from '../answer.js';
import { entryName, groundTruthHeaders } from '../ground-truth.js';
import { replyAfter, type RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { admit, isAdmission } from '../policy.js';
import { planAnswerTiming } from '../answer-plan.js';
import { openAIAnswerReply } from './answer-reply.js';
import { INPUT_EXCEEDS_CONTEXT, INTERNAL_ERROR, responseNotFound, type OpenAIError } from './errors.js';
import { OPENAI_FAULTS } from './faults.js';
import { checkOpenAIAuth, JSON_TYPE, openAIErrorReply, openAIHeaders, quotaKey, refusedAfterAdmission, requestIdFor } from './reply.js';
import { cancelledStreamEvent, pendingResponseBody, RESPONSE_HALF_FRAME, RESPONSE_STREAM_END, RESPONSE_MALFORMED_FRAME, RESPONSE_STREAM_ERROR, RESPONSE_STREAM_ERROR_END, responseBody, responseStreamPlan, type ResponseEcho, type ResponseParts } from './responses-encode.js';
import { parseResponsesRequest, type InputTurn, type ResponsesRequest } from './responses-request.js';
import { requestStoreFor, responseStoreFor } from './responses-store.js';
import { backgroundStreamsFor, keepBackgroundStream } from './responses-resume.js';
import { backgroundFor } from './responses-background.js';
import { StreamStop } from '../stream-stop.js';
import { conversationsFor, outputTurns, turnTokens } from './responses-context.js';
import { acceptOpenAI, isAccepted, type AcceptedOpenAI, type RequestSeeding } from './accept.js';
import type { RouteVariant } from './route-variant.js';
import { isReasoningModel, outputBudget, overflowedWindow, servedModelId, vendorOf } from '../../corpus/model-catalog.js';
import { effectiveEffort } from './reasoning-params.js';
import { answerAfterReasoning, openAIReasoningTokens, reasoningSummary, xaiReasoningTokens } from '../reasoning.js';
import { xaiErrorReply, xaiParamsRefusal } from './xai-params.js';
import { XAI_FAULTS } from './xai-errors.js';
import { MIN_CACHED_PROMPT, promptCacheFor, PromptPrefixes } from '../prompt-cache.js';
import { servedTier } from './service-tier.js';
import { appendItems, conversationFor, conversationIdOf, conversationNotFound, conversationTurns, itemPage, itemsTooDeep, storedItem, type ConversationItem } from './conversations.js';
import { gatherForeignState, NO_FOREIGN_STATE, ownSlot, type ForeignState, type PeerAnswer } from '../peers.js';
import { ownedId, withoutOwner } from '../owner-ids.js';
import { safeDecode } from '../path-segment.js';
import { tokenLogprobs, tooManyLogprobs } from './logprobs.js';
import { hashString, SeededRandom } from '../../timing/random.js';

/** Output charged against a token rate limit when the request sets no max_output_tokens. */
const DEFAULT_OUTPUT_ESTIMATE = 1024;

/**
 * Input tokens as the Responses API bills them: ~3 tokens of framing per item, 3 to prime the
 * reply. With `prefixes`, also marks the cacheable boundaries: after the tools and the
 * instructions, which lead the prompt, and after each input item.
 */
export function countResponsesInputTokens(req: ResponsesRequest, turns: readonly InputTurn[] = req.turns, prefixes?: PromptPrefixes): number {
  let n = 3;
  if (req.tools.length > 0) {
    const tools = JSON.stringify(req.tools);
    n += countTokens(tools);
    prefixes?.add(tools, n);
  }
  if (req.body.instructions) {
    n += 3 + countTokens(req.body.instructions);
    prefixes?.add(req.body.instructions, n);
  }
  for (const t of turns) {
    n += turnTokens(t);
    prefixes?.add(JSON.stringify(t), n);
  }
  return n;
}

/** The input's cacheable boundaries, for input long enough to be cached (see `chatPrefixes`). */
function responsesPrefixes(req: ResponsesRequest, turns: readonly InputTurn[], model: string): PromptPrefixes {
  const prefixes = new PromptPrefixes(model);
  countResponsesInputTokens(req, turns, prefixes);
  return prefixes;
}

function echoOf(req: ResponsesRequest, conversation: string | null): ResponseEcho {
  const b = req.body;
  return {
    instructions: b.instructions ?? null,
    maxOutputTokens: b.max_output_tokens ?? null,
    maxToolCalls: b.max_tool_calls ?? null,
    background: b.background === true,
    requestedTier: b.service_tier ?? 'auto',
    after: {
      parallel_tool_calls: b.parallel_tool_calls !== false,
      previous_response_id: b.previous_response_id ?? null,
      // A reasoning model reports the effort it used, its default included.
      reasoning: { effort: isReasoningModel(b.model) ? (effectiveEffort(b.model, b.reasoning?.effort) ?? 'medium') : (b.reasoning?.effort ?? null), summary: b.reasoning?.summary ?? null },
      store: req.store,
      temperature: b.temperature ?? 1,
      text: { format: req.format, verbosity: b.text?.verbosity ?? 'medium' },
      tool_choice: b.tool_choice ?? 'auto',
      tools: req.tools,
      top_p: b.top_p ?? 1,
      truncation: b.truncation ?? 'disabled',
      user: b.user ?? null,
      metadata: b.metadata ?? {},
      prompt_cache_key: b.prompt_cache_key ?? null,
      safety_identifier: b.safety_identifier ?? null,
      service_tier: servedTier(b.service_tier),
      top_logprobs: b.top_logprobs ?? 0,
      conversation: conversation === null ? null : { id: conversation },
    },
  };
}

/** The conversation a request continues, held by this thread or by another (its owner). */
interface ContinuedConversation {
  readonly id: string;
  /** Adds the request's input and output items; for another thread's, the owner's answer. */
  add(items: readonly ConversationItem[]): Promise<PeerAnswer> | undefined;
}

/**
 * The turns a request is read with: a `conversation`'s items (Conversations API) before its own
 * input, or OpenAI's 404 for a conversation no thread holds.
 */
function withConversation(ctx: ThreadContext, req: ResponsesRequest, own: readonly InputTurn[], foreign: ForeignState): { readonly conversation: ContinuedConversation | undefined; readonly turns: readonly InputTurn[] } | OpenAIError {
  // The input becomes the conversation's items: refused before anything is generated or added.
  if (req.body.conversation !== undefined && req.body.conversation !== null) {
    const tooDeep = itemsTooDeep(req.body.input);
    if (tooDeep !== undefined) return tooDeep;
  }
  const remote = foreign.conversation;
  if (remote !== undefined) {
    if (remote.turns === null) return conversationNotFound(remote.id);
    const peers = ctx.peers!;
    const add = (items: readonly ConversationItem[]): Promise<PeerAnswer> => peers.ask(remote.owner, { kind: 'append', conversation: remote.id, itemsJson: JSON.stringify(items) });
    return { conversation: { id: remote.id, add }, turns: [...remote.turns, ...own] };
  }
  const conversation = conversationFor(ctx, req.body.conversation);
  if (conversation === undefined) return { conversation, turns: own };
  if ('status' in conversation) return conversation;
  const add = (items: readonly ConversationItem[]): undefined => {
    appendItems(ctx, conversation, items);
    return undefined;
  };
  return { conversation: { id: conversation.id, add }, turns: [...conversationTurns(conversation), ...own] };
}

/** Asks other threads for what the request continues that they hold (`../peers.ts`); undefined when this thread holds it all. */
export function gatherFor(ctx: ThreadContext, req: ResponsesRequest): Promise<ForeignState> | undefined {
  if (ctx.peers === null) return undefined;
  const refs = req.turns.flatMap((t) => (t.ref === undefined ? [] : [t.ref]));
  return gatherForeignState(ctx, req.body.previous_response_id ?? null, refs, conversationIdOf(req.body.conversation) ?? null);
}

/** The request's own input items as objects (a string input is one user message). */
function inputItems(req: ResponsesRequest): Record<string, unknown>[] {
  const input = req.body.input;
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return (input ?? []).filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item));
}

/**
 * A response's input items as stored items: ids an item lacks are drawn from the response id, so
 * its conversation and `input_items` name them alike, every time (from the id without its owner,
 * so they are the same on any `--threads`).
 */
function inputItemsOf(responseId: string, req: ResponsesRequest): ConversationItem[] {
  const rng = new SeededRandom(hashString(withoutOwner(responseId)));
  return inputItems(req).map((raw) => storedItem(raw, rng));
}

const OPENAI_RESPONSES: RouteVariant<'responses'> = { route: 'responses', model: undefined, authChecked: false };

/** The Responses API has no `seed`: every request draws from the run's arrival-indexed source. */
export const RESPONSES_SEEDING: RequestSeeding<ResponsesRequest> = { seed: () => undefined, promptKey: () => '' };

export function createResponse(ctx: ThreadContext, info: RequestInfo, body: string, variant: RouteVariant = OPENAI_RESPONSES): Reply | Promise<Reply> {
  const accepted = acceptOpenAI(ctx, info, body, variant, parseResponsesRequest, RESPONSES_SEEDING);
  if (!isAccepted(accepted)) return accepted;
  const foreign = gatherFor(ctx, accepted.req);
  if (foreign === undefined) return answerResponse(ctx, info, body, accepted, NO_FOREIGN_STATE, variant);
  return replyAfter(foreign, (state) => {
    const reply = answerResponse(ctx, info, body, accepted, state, variant);
    return reply instanceof Promise ? reply : mayWait(reply);
  });
}

/**
 * The reply, free to go out after the handler returns. A Responses body is the response's own
 * bytes (`final`), never the thread's scratch memory, whatever `transient` says.
 */
function mayWait(reply: Reply): Reply {
  return reply.kind === 'json' && reply.transient === true ? { ...reply, transient: false } : reply;
}

function answerResponse(ctx: ThreadContext, info: RequestInfo, body: string, accepted: AcceptedOpenAI<ResponsesRequest>, foreign: ForeignState, variant: RouteVariant): Reply | Promise<Reply> {
  const { req, rng, requestId, model, bucketKey, modelIndex } = accepted;
  const route = variant.route;
  // xAI serves Grok on its Responses API too, with the effort rules of its chat route.
  const xai = vendorOf(model) === 'xai';
  const xaiRefusal = xai ? xaiParamsRefusal(model, { reasoning_effort: req.body.reasoning?.effort }) : undefined;
  if (xaiRefusal !== undefined) return xaiErrorReply(requestId, route, xaiRefusal, modelIndex);

  const conversations = conversationsFor(ctx);
  const input = conversations.resolve(req, foreign);
  // A `conversation` (Conversations API) reads its items as the earlier input.
  const continued = withConversation(ctx, req, input.all, foreign);
  if ('status' in continued) return openAIErrorReply(requestId, route, continued, 'not_found', modelIndex);
  const { conversation, turns } = continued;
  const inputTokens = countResponsesInputTokens(req, turns);
  if (overflowedWindow(model, inputTokens) !== undefined) return openAIErrorReply(requestId, route, INPUT_EXCEEDS_CONTEXT, 'invalid_request', modelIndex);
  const meta = { route, modelIndex, errorKind: null } as const;
  const admission = admit(
    ctx,
    { route, dialect: 'openai', model, apiKey: quotaKey(info), info, inputTokens, maxOutputTokens: req.body.max_output_tokens ?? DEFAULT_OUTPUT_ESTIMATE, meta },
    variant.faults ?? (xai ? XAI_FAULTS : OPENAI_FAULTS),
  );
  if (!isAdmission(admission)) return admission;
  const cachedTokens = inputTokens < MIN_CACHED_PROMPT ? 0 : promptCacheFor(ctx).use(responsesPrefixes(req, turns, model), inputTokens);
  const held = heldMeta(meta, admission.saturationSlot, null, admission.holdMs > 0);
  const format = req.format;
  // A custom tool's call is free text: the answer's text becomes its input.
  const custom = req.customCall !== null;
  const answerReq: AnswerRequest = {
    bucketKey,
    tools: custom ? [] : req.callableTools.map((t) => ({ name: t.name, parameters: t.parameters })),
    mustCallTool: req.mustCallTool && !custom,
    // A forced tool choice constrains the model to call: no message first, the limit all the calls'.
    callsOnly: req.mustCallTool && !custom,
    parallelToolCalls: req.body.parallel_tool_calls !== false,
    lastIsToolResult: req.lastIsToolResult,
    json: custom ? 'none' : format.type === 'json_object' ? 'object' : format.type === 'json_schema' ? 'schema' : 'none',
    schemaRefusals: !custom,
    jsonSchema: format.type === 'json_schema' && !custom ? format.schema : undefined,
    maxTokens: outputBudget(model, req.body.max_output_tokens ?? undefined),
    forceEntryId: admission.entryId,
  };
  // A reasoning model thinks first, out of the same limit: what is left bounds the answer.
  const effort = req.body.reasoning?.effort;
  const { answer, reasoning } = answerAfterReasoning(ctx.corpus, answerReq, xai ? xaiReasoningTokens(model, effort, rng) : openAIReasoningTokens(model, effort, rng), rng);
  const logprobsWanted = req.body.include?.includes('message.output_text.logprobs') === true && !answer.refusal && !custom;
  const tooMany = logprobsWanted ? tooManyLogprobs([answer], req.body.top_logprobs ?? 0) : null;
  if (tooMany !== null) return refusedAfterAdmission(requestId, route, tooMany, modelIndex, admission.saturationSlot);

  const lead = answer.entry;
  // A summary of the reasoning, when asked for: shown text within the reasoning tokens, streamed before the answer.
  const summaryWanted = ['auto', 'concise', 'detailed'].includes(req.body.reasoning?.summary ?? '');
  const summary = summaryWanted ? reasoningSummary(ctx.corpus, bucketKey, reasoning, rng) : null;
  const laneSteps = laneTokenSteps(answer);
  if (summary !== null) laneSteps.unshift(summary.count);
  const background = req.body.background === true;
  // A background response is planned event by event even when it is not streamed: a retrieve
  // with stream=true may stream it later (`./responses-resume.ts`).
  const timing = planAnswerTiming(ctx, { model, laneSteps: [laneSteps], rng, promptTokens: inputTokens, admission, lead, recordingApplies: summary === null && recordingDescribes(answer), hiddenReasoningTokens: Math.max(0, reasoning - (summary?.count ?? 0)) }, req.stream || background);
  const createdAt = Math.floor(Date.now() / 1000);
  // The response and its output items name this thread, which keeps them (`../owner-ids.ts`).
  const owner = ownSlot(ctx);
  const parts: ResponseParts = {
    who: {
      id: ownedId(rng, 'resp_', 48, owner),
      createdAt,
      completedAt: createdAt + Math.ceil(timing.schedule.totalMs / 1000),
      model: servedModelId(model),
      messageId: ownedId(rng, custom ? 'ctc_' : 'msg_', 48, owner),
      callItemIds: answer.toolCalls.map(() => ownedId(rng, 'fc_', 48, owner)),
      reasoningItemId: isReasoningModel(model) ? ownedId(rng, 'rs_', 48, owner) : null,
      reasoningEncrypted: isReasoningModel(model) && req.body.include?.includes('reasoning.encrypted_content') === true ? randomId(rng, 'gAAAAAB', 320) : null,
      custom: req.customCall === null ? null : { name: req.customCall, callId: randomId(rng, 'call_', 24) },
    },
    summary,
    echo: echoOf(req, conversation?.id ?? null),
    answer,
    usage: { inputTokens, cachedTokens, outputTokens: answer.completionTokens + reasoning, reasoningTokens: reasoning },
    logprobs: logprobsWanted ? tokenLogprobs(answer.content, answer.contentCount, req.body.top_logprobs ?? 0, rng) : null,
  };

  // Stored when accepted, as its final object: a retrieve during generation sees the finished response.
  const final = responseBody(parts);
  if (req.store) {
    responseStoreFor(ctx).put(parts.who.id, final);
    requestStoreFor(ctx).put(parts.who.id, body);
    conversations.record(parts.who.id, input, outputTurns(answer, parts.who));
  }
  // Background mode: the create answers at once with the response queued (or streams it); a
  // retrieve finds it in progress until it would have finished, then finished (the stored final
  // object), and may stream it again from its plan, kept with when it was accepted.
  const plan = timing.stream ? responseStreamPlan(parts, timing.schedule) : null;
  // Drawn last, as on every answer, but here: a background response keeps it for its resumed streams.
  const traceId = randomId(rng, 'trc_', 24);
  // A cancel marks `stopToken`: every stream of the response open then ends with `stopFrame`.
  let stop: StreamStop | null = null;
  if (background) {
    const acceptedAtMs = Date.now();
    const cancelled = pendingResponseBody(parts, 'cancelled');
    const stopToken = ctx.stopMarks.draw();
    const stopFrame = cancelledStreamEvent(cancelled);
    stop = new StreamStop(ctx.stopMarks, stopToken, stopFrame, RESPONSE_STREAM_END);
    backgroundFor(ctx).start(parts.who.id, acceptedAtMs + timing.schedule.totalMs, pendingResponseBody(parts, 'in_progress'), cancelled, stopToken);
    if (req.store && plan !== null && timing.stream) keepBackgroundStream(ctx, parts.who.id, plan, timing.schedule, acceptedAtMs, stopToken, stopFrame, { entryName: entryName(lead), traceId });
  }
  // The conversation gains this request's input and the response's output items.
  const added = conversation?.add([...inputItemsOf(parts.who.id, req), ...(JSON.parse(final.toString('utf8')) as { output: ConversationItem[] }).output]);
  const answered: Reply =
    background && !req.stream
      ? // Answered at once, but with the headers of the answer it queued: a load tool compares its
        // polls with the schedule, and OpenAI sends the rate limits on every reply.
        { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0, groundTruthHeaders(lead, timing.schedule, traceId), admission.headers), body: pendingResponseBody(parts, 'queued'), delayMs: 0, completionTokens: answer.completionTokens + reasoning, meta: held }
      : openAIAnswerReply({
          traceId,
          requestId,
          timing,
          admission,
          lead,
          meta: held,
          faultFrames: { error: RESPONSE_STREAM_ERROR, errorEnd: RESPONSE_STREAM_ERROR_END, malformed: RESPONSE_MALFORMED_FRAME, half: RESPONSE_HALF_FRAME },
          plan: () => plan ?? responseStreamPlan(parts, null),
          body: () => final,
          completionTokens: answer.completionTokens + reasoning,
        });
  const reply: Reply = stop !== null && answered.kind === 'stream' ? { ...answered, stop } : answered;
  // Another thread's conversation has the items before the client can ask for them; if they did
  // not get there, the client hears so (a 500, which clients retry) rather than losing a turn.
  if (added === undefined) return reply;
  return added.then((answer) => {
    if (answer.kind === 'appended' || answer.kind === 'unanswered') return mayWait(reply);
    const failed = openAIErrorReply(requestId, route, INTERNAL_ERROR, 'internal', modelIndex);
    // The admission's slot goes back when this reply ends.
    return { ...failed, meta: heldMeta(failed.meta, admission.saturationSlot) };
  });
}

/** Shared by GET and DELETE: auth, then the id. */
function storedRequest(ctx: ThreadContext, info: RequestInfo): { requestId: string; id: string; error: OpenAIError | undefined } {
  const requestId = requestIdFor(info, ctx.requestRng(undefined, ''));
  return { requestId, id: safeDecode(info.params[0] ?? ''), error: checkOpenAIAuth(ctx, info) };
}

export function retrieveResponse(ctx: ThreadContext, info: RequestInfo): Reply {
  const route = 'responses_get';
  const { requestId, id, error } = storedRequest(ctx, info);
  if (error) return openAIErrorReply(requestId, route, error, 'authentication', OTHER_MODEL);
  const body = backgroundFor(ctx).pending(id, Date.now()) ?? responseStoreFor(ctx).get(id);
  if (body === undefined) return openAIErrorReply(requestId, route, responseNotFound(id), 'not_found', OTHER_MODEL);
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}

export function deleteResponse(ctx: ThreadContext, info: RequestInfo): Reply {
  const route = 'responses_get';
  const { requestId, id, error } = storedRequest(ctx, info);
  if (error) return openAIErrorReply(requestId, route, error, 'authentication', OTHER_MODEL);
  if (!responseStoreFor(ctx).delete(id)) return openAIErrorReply(requestId, route, responseNotFound(id), 'not_found', OTHER_MODEL);
  // A run still under way goes too: a retrieve found it in progress, and a cancel stored it again.
  backgroundFor(ctx).forget(id);
  requestStoreFor(ctx).delete(id);
  backgroundStreamsFor(ctx).delete(id);
  const body = JSON.stringify({ id, object: 'response', deleted: true });
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}

const RESPONSES_INPUT_TOKENS: RouteVariant<'responses_input_tokens'> = { route: 'responses_input_tokens', model: undefined, authChecked: false };

/**
 * POST /v1/responses/input_tokens: the input a create request with the same body would count
 * (instructions, input, tools, a `previous_response_id`'s context), without answering it; no
 * quota or fault applies. `input` and `model` are optional there: absent, nothing is counted for
 * the input, and the fallback model stands in (the count does not depend on it).
 */
export function countResponseInputTokens(ctx: ThreadContext, info: RequestInfo, body: string): Reply | Promise<Reply> {
  const countable = (input: unknown): ResponsesRequest | OpenAIError => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return parseResponsesRequest(input);
    const fields = input as Record<string, unknown>;
    return parseResponsesRequest({ ...fields, model: fields.model ?? ctx.config.fallbackModel, input: fields.input ?? '' });
  };
  const accepted = acceptOpenAI(ctx, info, body, RESPONSES_INPUT_TOKENS, countable, RESPONSES_SEEDING);
  if (!isAccepted(accepted)) return accepted;
  const { req, requestId, modelIndex } = accepted;
  const count = (foreign: ForeignState): Reply => {
    const continued = withConversation(ctx, req, conversationsFor(ctx).resolve(req, foreign).all, foreign);
    if ('status' in continued) return openAIErrorReply(requestId, RESPONSES_INPUT_TOKENS.route, continued, 'not_found', modelIndex);
    const inputTokens = countResponsesInputTokens(req, continued.turns);
    const reply = JSON.stringify({ object: 'response.input_tokens', input_tokens: inputTokens });
    return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body: reply, delayMs: 0, completionTokens: 0, meta: { route: RESPONSES_INPUT_TOKENS.route, modelIndex, errorKind: null } };
  };
  const foreign = gatherFor(ctx, req);
  return foreign === undefined ? count(NO_FOREIGN_STATE) : replyAfter(foreign, count);
}

const NOT_BACKGROUND: OpenAIError = { status: 400, message: 'Only responses created with background=true can be cancelled.', type: 'invalid_request_error', param: null, code: null };

/** OpenAI's refusal to cancel a background response that has already ended, by how it ended. */
function alreadyEnded(status: string): OpenAIError {
  const message = status === 'completed' ? 'Cannot cancel a completed response.' : 'Cannot cancel a response in terminal state.';
  return { status: 400, message, type: 'invalid_request_error', param: null, code: null };
}

/** The `status` of a stored Response object: its first `status` field (the items' come after it). */
function statusOf(body: Buffer): string {
  const at = body.indexOf('"status":"');
  if (at < 0) return '';
  const from = at + '"status":"'.length;
  return body.toString('latin1', from, body.indexOf('"', from));
}

/**
 * POST /v1/responses/{id}/cancel: a running background response ends `cancelled`, and so does any
 * stream of it open then (with a `response.failed` event carrying the cancelled response, on any
 * thread: `../stream-stop.ts`); a retrieve finds it cancelled. Cancelling it again returns the
 * same object (OpenAI documents it as idempotent); cancelling one that has already finished is a
 * 400, as it is at OpenAI.
 */
export function cancelResponse(ctx: ThreadContext, info: RequestInfo): Reply {
  const route = 'responses_get';
  const { requestId, id, error } = storedRequest(ctx, info);
  if (error) return openAIErrorReply(requestId, route, error, 'authentication', OTHER_MODEL);
  const store = responseStoreFor(ctx);
  const nowMs = Date.now();
  const running = backgroundFor(ctx).cancel(id, nowMs);
  if (running !== undefined) {
    store.put(id, running.cancelled);
    backgroundStreamsFor(ctx).get(id)?.cancel(nowMs);
    ctx.stopMarks.mark(running.stopToken);
  }
  const body = store.get(id);
  if (body === undefined) return openAIErrorReply(requestId, route, responseNotFound(id), 'not_found', OTHER_MODEL);
  if (running === undefined) {
    if (!body.includes('"background":true')) return openAIErrorReply(requestId, route, NOT_BACKGROUND, 'invalid_request', OTHER_MODEL);
    const status = statusOf(body);
    if (status !== 'cancelled') return openAIErrorReply(requestId, route, alreadyEnded(status), 'invalid_request', OTHER_MODEL);
  }
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}

/**
 * GET /v1/responses/{id}/input_items: the items of the request that created a stored response, as
 * the Conversations API lists them (`./conversations.ts`), newest first unless `order=asc`, in
 * pages of `limit` (1–100, default 20) after `after`. Ids an item lacked are drawn from the
 * response id, so every listing gives the same ones.
 */
export function listInputItems(ctx: ThreadContext, info: RequestInfo): Reply {
  const route = 'responses_get';
  const { requestId, id, error } = storedRequest(ctx, info);
  if (error) return openAIErrorReply(requestId, route, error, 'authentication', OTHER_MODEL);
  const request = requestStoreFor(ctx).get(id);
  if (request === undefined) return openAIErrorReply(requestId, route, responseNotFound(id), 'not_found', OTHER_MODEL);
  const parsed = parseResponsesRequest(JSON.parse(request) as unknown);
  if ('status' in parsed) return openAIErrorReply(requestId, route, responseNotFound(id), 'not_found', OTHER_MODEL);
  const body = itemPage(inputItemsOf(id, parsed), info.query, 'desc');
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}
