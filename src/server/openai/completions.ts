/**
 * POST /v1/completions (legacy): one choice per prompt × `n`, answered from the corpus's chat
 * entries and paced like chat. Without `max_tokens`, OpenAI cuts at 16 tokens; the answer is
 * drawn without regard to that default (a model is not told it), so most replies end with
 * `finish_reason: "length"`, as they do from OpenAI.
 */
import { chooseAnswer, randomId, type Answer, type AnswerRequest } from '../answer.js';
import type { RequestInfo } from '../http-exchange.js';
import { admit, isAdmission } from '../policy.js';
import { planAnswerTiming, servingBucket } from '../answer-plan.js';
import { openAIAnswerReply } from './answer-reply.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { systemFingerprint } from './chat.js';
import { completionLaneSteps, completionsBody, completionsStreamPlan, escapeJsonText, type CompletionChoice, type CompletionIdentity } from './completions-encode.js';
import { parseCompletionsRequest } from './completions-request.js';
import { INVALID_JSON, modelNotFound } from './errors.js';
import { OPENAI_FAULTS } from './faults.js';
import { checkOpenAIAuth, openAIErrorReply, quotaKey, requestIdFor } from './reply.js';
import { withRouteModel, type RouteVariant } from './route-variant.js';

export const OPENAI_COMPLETIONS: RouteVariant<'completions'> = { route: 'completions', model: undefined, authChecked: false };

/** The answer cut at `limit` tokens (the implicit default), reported as `length` when cut. */
function cutAnswer(a: Answer, limit: number): Answer {
  if (a.contentCount <= limit) return a;
  return { ...a, contentCount: limit, completionTokens: limit, finishReason: 'length' };
}

export function completions(ctx: ThreadContext, info: RequestInfo, body: Buffer, variant: RouteVariant = OPENAI_COMPLETIONS): Reply {
  const route = variant.route;
  const other = ctx.counters.modelIndex('');
  // Auth comes first, as OpenAI checks the key before reading the body.
  const authError = variant.authChecked ? undefined : checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestIdFor(info, ctx.requestRng(undefined, '')), route, authError, 'authentication', other);
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    const rng = ctx.requestRng(undefined, '');
    return openAIErrorReply(requestIdFor(info, rng), route, INVALID_JSON, 'invalid_json', other);
  }
  const parsed = parseCompletionsRequest(withRouteModel(input, variant));
  const promptKey = 'status' in parsed ? '' : parsed.body.model + '\u0000' + parsed.prompts.map((p) => p.text).join('\u0000');
  const rng = ctx.requestRng('status' in parsed ? undefined : parsed.body.seed, promptKey);
  const requestId = requestIdFor(info, rng);
  if ('status' in parsed) return openAIErrorReply(requestId, route, parsed, 'invalid_request', other);
  const req = parsed;
  const model = req.body.model;

  const serving = servingBucket(ctx, model);
  if (serving === null) return openAIErrorReply(requestId, route, modelNotFound(model), 'model_not_found', other);
  const { bucketKey, modelIndex } = serving;

  let promptTokens = 0;
  for (const prompt of req.prompts) promptTokens += prompt.tokens;
  const meta = { route, modelIndex, errorKind: null } as const;
  // Charged as chat is: the prompt plus max_tokens (16 when unset).
  const admission = admit(ctx, { route, dialect: 'openai', model, apiKey: quotaKey(info), info, inputTokens: promptTokens, maxOutputTokens: req.maxTokens, meta }, OPENAI_FAULTS);
  if (!isAdmission(admission)) return admission;
  const held = heldMeta(meta, admission.saturationSlot);

  const answerReq: AnswerRequest = {
    bucketKey,
    tools: [],
    mustCallTool: false,
    parallelToolCalls: false,
    lastIsToolResult: false,
    json: 'none',
    jsonSchema: undefined,
    maxTokens: req.maxTokensGiven ? req.maxTokens : undefined,
    forceEntryId: admission.entryId,
  };
  const choices: CompletionChoice[] = [];
  for (const prompt of req.prompts) {
    const echo = req.echo ? escapeJsonText(prompt.text) : null;
    for (let i = 0; i < req.n; i++) choices.push({ answer: cutAnswer(chooseAnswer(ctx.corpus, answerReq, rng), req.maxTokens), echo });
  }
  const completionTokens = choices.reduce((n, c) => n + c.answer.completionTokens, 0);
  const usage = { promptTokens, completionTokens };

  const lead = choices[0]!.answer.entry;
  const timing = planAnswerTiming(ctx, { model, laneSteps: choices.map((c) => completionLaneSteps(c.answer)), rng, promptTokens, admission, lead }, req.stream);
  const who: CompletionIdentity = {
    id: randomId(rng, 'cmpl-', 29),
    created: Math.floor(Date.now() / 1000),
    model,
    systemFingerprint: systemFingerprint(model),
  };

  return openAIAnswerReply({
    rng,
    requestId,
    timing,
    admission,
    lead,
    meta: held,
    plan: () => completionsStreamPlan(who, choices, req.includeUsage, usage),
    body: () => completionsBody(who, choices, usage),
    completionTokens,
  });
}
