/**
 * POST /v1/completions (legacy): one choice per prompt × `n`, answered from the corpus's chat
 * entries and paced like chat. Without `max_tokens`, OpenAI cuts at 16 tokens; the answer is
 * drawn without regard to that default (a model is not told it), so most replies end with
 * `finish_reason: "length"`, as they do from OpenAI.
 */
import { chooseAnswer, randomId, type Answer, type AnswerRequest } from '../answer.js';
import type { RequestInfo } from '../http-exchange.js';
import { admit, isAdmission } from '../policy.js';
import { planAnswerTiming } from '../answer-plan.js';
import { openAIAnswerReply } from './answer-reply.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { systemFingerprint } from './chat.js';
import { completionLaneSteps, completionsBody, completionsStreamPlan, escapeJsonText, type CompletionChoice, type CompletionIdentity } from './completions-encode.js';
import { parseCompletionsRequest, type CompletionsRequest } from './completions-request.js';
import { OPENAI_FAULTS } from './faults.js';
import { openAIErrorReply, quotaKey, refusedAfterAdmission } from './reply.js';
import { completionContextExceeded, invalidRequest, wrongEndpoint } from './errors.js';
import { stopList } from '../stop-sequences.js';
import { type RouteVariant } from './route-variant.js';
import { acceptOpenAI, isAccepted, type RequestSeeding } from './accept.js';
import { isXaiModel, XAI_FAULTS } from './xai-errors.js';
import { contextWindow, openAIEndpointOf, outputBudget, servedModelId } from '../../corpus/model-catalog.js';
import { legacyLogprobs, promptLogprobs } from './logprobs.js';

/** Most log probability entries one reply is built with (about 80 MB of JSON). */
const MAX_LOGPROB_ENTRIES = 1_000_000;

export const OPENAI_COMPLETIONS: RouteVariant<'completions'> = { route: 'completions', model: undefined, authChecked: false };

/** The answer cut at `limit` tokens (the implicit default), reported as `length` when cut. */
function cutAnswer(a: Answer, limit: number): Answer {
  if (a.contentCount <= limit) return a;
  return { ...a, contentCount: limit, completionTokens: limit, finishReason: 'length' };
}

const COMPLETIONS_SEEDING: RequestSeeding<CompletionsRequest> = {
  seed: (req) => req.body.seed,
  promptKey: (req) => req.body.model + '\u0000' + req.prompts.map((p) => p.text).join('\u0000'),
};

export function completions(ctx: ThreadContext, info: RequestInfo, body: string, variant: RouteVariant = OPENAI_COMPLETIONS): Reply {
  const accepted = acceptOpenAI(ctx, info, body, variant, parseCompletionsRequest, COMPLETIONS_SEEDING);
  if (!isAccepted(accepted)) return accepted;
  const { req, rng, requestId, model, bucketKey, modelIndex } = accepted;
  const route = variant.route;
  const serves = variant === OPENAI_COMPLETIONS ? openAIEndpointOf(model) : undefined;
  if (serves !== undefined && serves !== 'completions') return openAIErrorReply(requestId, route, wrongEndpoint('completions', serves), 'invalid_request', modelIndex);

  // Each prompt of a batch must leave room for max_tokens; the first that does not is refused.
  const window = contextWindow(model);
  let promptTokens = 0;
  for (const prompt of req.prompts) {
    if (window !== undefined && prompt.tokens + req.maxTokens > window) {
      return openAIErrorReply(requestId, route, completionContextExceeded(window, prompt.tokens, req.maxTokens), 'invalid_request', modelIndex);
    }
    promptTokens += prompt.tokens;
  }
  const meta = { route, modelIndex, errorKind: null } as const;
  // Charged as chat is: the prompts plus max_tokens (16 when unset) for every completion generated,
  // best_of of them per prompt when it asks for more than n.
  const completions = req.prompts.length * Math.max(req.n, req.body.best_of ?? 1);
  const admission = admit(ctx, { route, dialect: 'openai', model, apiKey: quotaKey(info), info, inputTokens: promptTokens, maxOutputTokens: req.maxTokens * completions, meta }, variant.faults ?? (isXaiModel(model) ? XAI_FAULTS : OPENAI_FAULTS));
  if (!isAdmission(admission)) return admission;
  const held = heldMeta(meta, admission.saturationSlot, null, admission.holdMs > 0);

  const answerReq: AnswerRequest = {
    bucketKey,
    tools: [],
    mustCallTool: false,
    parallelToolCalls: false,
    lastIsToolResult: false,
    json: 'none',
    jsonSchema: undefined,
    maxTokens: outputBudget(model, req.maxTokensGiven ? req.maxTokens : undefined),
    forceEntryId: admission.entryId,
    stop: stopList(req.body.stop),
  };
  const choices: CompletionChoice[] = [];
  const top = req.body.logprobs;
  if (top != null) {
    // Every choice repeats its echoed prompt's entries: n × prompts × tokens can ask for gigabytes,
    // built on the thread every stream on it shares.
    let entries = 0;
    for (const prompt of req.prompts) entries += req.n * ((req.echo ? prompt.tokens : 0) + req.maxTokens);
    if (entries > MAX_LOGPROB_ENTRIES) {
      const tooMany = invalidRequest(`This request asks for ${entries} token log probabilities (choices × tokens); the simulator builds at most ${MAX_LOGPROB_ENTRIES} in one reply. Ask for fewer choices, prompts or tokens.`, 'logprobs', 'invalid_value');
      return refusedAfterAdmission(requestId, route, tooMany, modelIndex, admission.saturationSlot);
    }
  }
  for (const prompt of req.prompts) {
    const echo = req.echo ? escapeJsonText(prompt.text) : null;
    const promptPart = top == null ? null : promptLogprobs(prompt.text, req.echo, rng);
    for (let i = 0; i < req.n; i++) {
      const answer = cutAnswer(chooseAnswer(ctx.corpus, answerReq, rng), req.maxTokens);
      const logprobs = promptPart === null ? null : legacyLogprobs(promptPart, answer.content, answer.contentCount, top!, rng);
      choices.push({ answer, echo, logprobs });
    }
  }
  const completionTokens = choices.reduce((n, c) => n + c.answer.completionTokens, 0);
  const usage = { promptTokens, completionTokens };

  const lead = choices[0]!.answer.entry;
  const timing = planAnswerTiming(ctx, { model, laneSteps: choices.map((c) => completionLaneSteps(c.answer)), rng, promptTokens, admission, lead }, req.stream);
  const who: CompletionIdentity = {
    id: randomId(rng, 'cmpl-', 29),
    created: Math.floor(Date.now() / 1000),
    model: servedModelId(model),
    systemFingerprint: systemFingerprint(model),
  };

  return openAIAnswerReply({
    traceId: randomId(rng, 'trc_', 24),
    requestId,
    timing,
    admission,
    lead,
    meta: held,
    plan: () => completionsStreamPlan(who, choices, req.includeUsage, usage, timing.stream ? timing.schedule : null),
    body: () => completionsBody(who, choices, usage),
    completionTokens,
  });
}
