/**
 * POST /v1/messages and /v1/messages/count_tokens: validate, pick the answer (and a thinking
 * block when thinking is on), plan its timing from the request's seeded source, and hand the
 * exchange a held JSON body or a stream plan.
 */
import type { Corpus } from '../../corpus/sampler.js';
import type { RouteId } from '../../metrics/counters.js';
import type { SeededRandom } from '../../timing/random.js';
import { chooseAnswer, laneTokenSteps, randomId, recordingDescribes, type AnswerRequest } from '../answer.js';
import { groundTruthHeaders } from '../ground-truth.js';
import { replyAfter, type RequestInfo } from '../http-exchange.js';
import { fileRefsIn, resolveFileRefs, type FileResolution } from './file-refs.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { admit, isAdmission } from '../policy.js';
import { answerReply, planAnswerTiming, servingBucket } from '../answer-plan.js';
import { invalidJson, maxTokensTooLarge, modelNotFound, promptTooLong, tooManyBreakpoints } from './errors.js';
import { ANTHROPIC_FAULTS, ANTHROPIC_HALF_FRAME, ANTHROPIC_MALFORMED_FRAME, ANTHROPIC_STREAM_OVERLOADED } from './faults.js';
import { messageBody, messageStreamPlan, STOP_REASON, type MessageContent, type MessageIdentity, type ThinkingPart } from './messages-encode.js';
import { parseMessagesRequest, type MessagesRequest } from './messages-request.js';
import { countInputTokens } from './prompt-tokens.js';
import { applyCache, countBreakpoints, lookUpCache, MAX_BREAKPOINTS, rateLimitedInputTokens } from './prompt-cache.js';
import { reasoningText } from '../reasoning.js';
import { anthropicErrorReply, anthropicHeaders, anthropicKey, anthropicRequestId, checkAnthropicAuth, JSON_TYPE } from './reply.js';
import { outputBudget, overflowedWindow, refusedOutputLimit } from '../../corpus/model-catalog.js';

const SIGNATURE_LENGTH = 96;

interface Accepted {
  readonly req: MessagesRequest;
  readonly rng: SeededRandom;
  readonly requestId: string;
  readonly bucketKey: string;
  readonly modelIndex: number;
}

/** The steps both routes share: auth, JSON, schema, model. A Reply is an error to send as is. */
function accept(ctx: ThreadContext, info: RequestInfo, body: string, route: RouteId): Accepted | Reply {
  const other = ctx.counters.modelIndex('');
  // Anthropic has no request seed: every request draws from the run's arrival-ordered streams.
  const rng = ctx.requestRng(undefined, '');
  const requestId = anthropicRequestId(rng);
  const authError = checkAnthropicAuth(ctx, info);
  if (authError) return anthropicErrorReply(requestId, route, authError, 'authentication', other);
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch (err) {
    return anthropicErrorReply(requestId, route, invalidJson(err), 'invalid_json', other);
  }
  const parsed = parseMessagesRequest(input, route === 'anthropic_count_tokens', info.anthropicBeta);
  if ('status' in parsed) return anthropicErrorReply(requestId, route, parsed, 'invalid_request', other);
  const model = parsed.body.model;
  const serving = servingBucket(ctx, model);
  if (serving === null) return anthropicErrorReply(requestId, route, modelNotFound(model), 'model_not_found', other);
  const { bucketKey } = serving;
  return { req: parsed, rng, requestId, bucketKey, modelIndex: serving.modelIndex };
}

/** A thinking block: reasoning text within the budget (`reasoningText`), and its signature. */
function thinkingPart(corpus: Corpus, bucketKey: string, budget: number, omitted: boolean, rng: SeededRandom): ThinkingPart {
  return { ...reasoningText(corpus, bucketKey, budget, rng), signature: randomId(rng, 'Eq', SIGNATURE_LENGTH), omitted };
}

/**
 * Finds the uploaded files the request's blocks name (`./file-refs.ts`), then goes on with their
 * tokens; a missing one is the API's error.
 */
function withFiles(ctx: ThreadContext, accepted: Accepted, body: string, route: 'anthropic_messages' | 'anthropic_count_tokens', run: (a: Accepted) => Reply): Reply | Promise<Reply> {
  const refs = fileRefsIn(body, accepted.req.body.messages);
  if (refs.length === 0) return run(accepted);
  const resolved = resolveFileRefs(ctx, refs);
  const after = (r: FileResolution): Reply => {
    if ('error' in r) return anthropicErrorReply(accepted.requestId, route, r.error, r.error.status === 404 ? 'not_found' : 'invalid_request', accepted.modelIndex);
    return run({ ...accepted, req: { ...accepted.req, fileTokens: r.tokens } });
  };
  if (!(resolved instanceof Promise)) return after(resolved);
  // A reply after an await goes out after the handler returns: a body in the thread's scratch memory is copied first.
  return replyAfter(resolved, (r) => ownBody(after(r)));
}

function ownBody(r: Reply): Reply {
  if (r.kind !== 'json' || r.transient !== true) return r;
  return { ...r, body: typeof r.body === 'string' ? r.body : Buffer.from(r.body), transient: false };
}

export function createMessage(ctx: ThreadContext, info: RequestInfo, body: string): Reply | Promise<Reply> {
  const accepted = accept(ctx, info, body, 'anthropic_messages');
  if (!('req' in accepted)) return accepted;
  return withFiles(ctx, accepted, body, 'anthropic_messages', (a) => answerMessage(ctx, info, body, a));
}

function answerMessage(ctx: ThreadContext, info: RequestInfo, body: string, accepted: Accepted): Reply {
  const { req, rng, requestId, bucketKey, modelIndex } = accepted;
  const model = req.body.model;
  const route = 'anthropic_messages';
  const outputLimit = refusedOutputLimit(model, req.maxTokens);
  if (outputLimit !== undefined) return anthropicErrorReply(requestId, route, maxTokensTooLarge(req.maxTokens!, outputLimit, model), 'invalid_request', modelIndex);
  const breakpoints = countBreakpoints(req, body);
  if (breakpoints > MAX_BREAKPOINTS) return anthropicErrorReply(requestId, route, tooManyBreakpoints(breakpoints), 'invalid_request', modelIndex);
  const inputTokens = countInputTokens(req);
  const window = overflowedWindow(model, inputTokens);
  if (window !== undefined) return anthropicErrorReply(requestId, route, promptTooLong(inputTokens, window), 'invalid_request', modelIndex);
  const meta = { route, modelIndex, errorKind: null } as const;
  const lookup = lookUpCache(ctx, req, body, model);
  const admission = admit(
    ctx,
    // Anthropic charges max_tokens against the output-token limit when the request is admitted,
    // and corrects it to the output produced when the answer ends (the exchange settles the hold).
    { route, dialect: 'anthropic', model, apiKey: anthropicKey(info), info, inputTokens: rateLimitedInputTokens(ctx, lookup, model, inputTokens), maxOutputTokens: req.maxTokens ?? 0, meta },
    ANTHROPIC_FAULTS,
  );
  if (!isAdmission(admission)) return admission;
  const held = heldMeta(meta, admission.saturationSlot, admission.outputHold, admission.holdMs > 0);
  // Only a prompt the model took reads or writes the cache: a refusal above never reached it.
  const cache = applyCache(ctx, lookup, model, inputTokens);

  const thinking = req.thinkingBudget === null ? null : thinkingPart(ctx.corpus, bucketKey, req.thinkingBudget, req.thinkingOmitted, rng);
  const thinkingTokens = thinking?.count ?? 0;
  const answerReq: AnswerRequest = {
    bucketKey,
    tools: req.callableTools.map((t) => ({ name: t.name, parameters: t.input_schema })),
    mustCallTool: req.mustCallTool,
    // A forced tool_choice prefills the turn: the model goes straight to tool_use, with no text
    // first, and max_tokens is all the call's (text dropped after the draw had spent the budget).
    callsOnly: req.mustCallTool,
    parallelToolCalls: req.parallelToolCalls,
    lastIsToolResult: req.lastIsToolResult,
    json: req.jsonSchema === undefined ? 'none' : 'schema',
    jsonSchema: req.jsonSchema,
    // max_tokens covers thinking and answer together.
    maxTokens: Math.max(0, outputBudget(model, req.maxTokens) - thinkingTokens),
    forceEntryId: admission.entryId,
    stop: req.body.stop_sequences ?? undefined,
  };
  const answer = chooseAnswer(ctx.corpus, answerReq, rng);
  const content: MessageContent = {
    thinking,
    answer,
    toolIds: answer.toolCalls.map(() => randomId(rng, 'toolu_01', 22)),
    stopReason: answer.stopSequence === undefined ? STOP_REASON[answer.finishReason] : 'stop_sequence',
    stopSequence: answer.stopSequence ?? null,
    cache,
    outputTokens: thinkingTokens + answer.completionTokens,
  };

  const lead = answer.entry;
  const laneSteps = laneTokenSteps(answer);
  if (thinkingTokens > 0) laneSteps.unshift(thinkingTokens);
  const timing = planAnswerTiming(ctx, { model, laneSteps: [laneSteps], rng, promptTokens: inputTokens, admission, lead, recordingApplies: thinking === null && recordingDescribes(answer) }, req.stream);
  const who: MessageIdentity = { id: randomId(rng, 'msg_01', 22), model };
  const rateLimits = ctx.quota === null ? undefined : admission.headers;
  const headers = anthropicHeaders(requestId, groundTruthHeaders(lead, timing.schedule, randomId(rng, 'trc_', 24)), rateLimits);

  return answerReply({
    timing,
    admission,
    lead,
    meta: held,
    headers,
    contentType: JSON_TYPE,
    faultFrames: { error: ANTHROPIC_STREAM_OVERLOADED, malformed: ANTHROPIC_MALFORMED_FRAME, half: ANTHROPIC_HALF_FRAME },
    plan: () => messageStreamPlan(who, content),
    body: () => messageBody(who, content),
    completionTokens: content.outputTokens,
  });
}

export function countMessageTokens(ctx: ThreadContext, info: RequestInfo, body: string): Reply | Promise<Reply> {
  const accepted = accept(ctx, info, body, 'anthropic_count_tokens');
  if (!('req' in accepted)) return accepted;
  return withFiles(ctx, accepted, body, 'anthropic_count_tokens', (a) => ({
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: anthropicHeaders(a.requestId),
    body: JSON.stringify({ input_tokens: countInputTokens(a.req) }),
    delayMs: 0,
    completionTokens: 0,
    meta: { route: 'anthropic_count_tokens', modelIndex: a.modelIndex, errorKind: null },
  }));
}
