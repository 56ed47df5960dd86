/**
 * POST /v1/chat/completions: validate, pick answers, and hand the exchange either a held JSON
 * body or a stream plan. Timing is decided here from the seeded source; the exchange only paces.
 */
import { countTokens } from '../../corpus/tokens.js';
import { hashString } from '../../timing/random.js';
import { chooseAnswer, laneTokenSteps, randomId, type Answer, type AnswerRequest } from '../answer.js';
import type { RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { parseChatRequest, messageText, type ChatRequest } from './chat-request.js';
import { chatBody, chatStreamPlan, type ChatIdentity } from './chat-encode.js';
import { INVALID_JSON, modelNotFound } from './errors.js';
import { checkOpenAIAuth, openAIErrorReply, quotaKey, requestIdFor } from './reply.js';
import { OPENAI_FAULTS } from './faults.js';
import { admit, isAdmission } from '../policy.js';
import { planAnswerTiming, servingBucket } from '../answer-plan.js';
import { openAIAnswerReply } from './answer-reply.js';

/** Output charged against a token rate limit when the request sets no max_tokens (OpenAI estimates it too). */
const DEFAULT_OUTPUT_ESTIMATE = 1024;
import { withRouteModel, type RouteVariant } from './route-variant.js';

export const OPENAI_CHAT: RouteVariant<'chat_completions'> = { route: 'chat_completions', model: undefined, authChecked: false };

/** OpenAI's chat accounting: ~3 tokens of framing per message, 3 to prime the reply. */
export function countChatPromptTokens(req: ChatRequest): number {
  let n = 3;
  for (const m of req.body.messages) {
    n += 3 + countTokens(messageText(m));
    if (m.name !== undefined) n += 1;
    if (m.tool_calls) for (const c of m.tool_calls) n += countTokens(c.function.name) + countTokens(c.function.arguments) + 3;
  }
  if (req.body.tools && req.body.tools.length > 0) n += countTokens(JSON.stringify(req.body.tools));
  return n;
}

const fingerprints = new Map<string, string>();
const FINGERPRINT_CACHE_LIMIT = 1024;

export function systemFingerprint(model: string): string {
  let fp = fingerprints.get(model);
  if (fp === undefined) {
    fp = `fp_${hashString(model).toString(16).padStart(8, '0')}${(hashString(model, 7) & 0xff).toString(16).padStart(2, '0')}`;
    // Bounded: model ids come from requests.
    if (fingerprints.size < FINGERPRINT_CACHE_LIMIT) fingerprints.set(model, fp);
  }
  return fp;
}

export function chatCompletions(ctx: ThreadContext, info: RequestInfo, body: Buffer, variant: RouteVariant = OPENAI_CHAT): Reply {
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
  const parsed = parseChatRequest(withRouteModel(input, variant));
  const seed = 'status' in parsed ? undefined : parsed.body.seed;
  // The prompt keys the random stream only when the request sets a seed; building it costs.
  const promptKey = seed == null || 'status' in parsed ? '' : parsed.body.model + '\u0000' + parsed.body.messages.map(messageText).join('\u0000');
  const rng = ctx.requestRng(seed, promptKey);
  const requestId = requestIdFor(info, rng);
  if ('status' in parsed) return openAIErrorReply(requestId, route, parsed, 'invalid_request', other);
  const req = parsed;
  const model = req.body.model;

  const serving = servingBucket(ctx, model);
  if (serving === null) return openAIErrorReply(requestId, route, modelNotFound(model), 'model_not_found', other);
  const { bucketKey, modelIndex } = serving;

  const promptTokens = countChatPromptTokens(req);
  const meta = { route, modelIndex, errorKind: null } as const;
  const admission = admit(
    ctx,
    { route, dialect: 'openai', model, apiKey: quotaKey(info), info, inputTokens: promptTokens, maxOutputTokens: req.maxTokens ?? DEFAULT_OUTPUT_ESTIMATE, meta },
    OPENAI_FAULTS,
  );
  if (!isAdmission(admission)) return admission;
  const held = heldMeta(meta, admission.saturationSlot);
  const lastRole = req.body.messages[req.body.messages.length - 1]!.role;
  const format = req.body.response_format;
  const answerReq: AnswerRequest = {
    bucketKey,
    tools: req.callableTools.map((t) => ({ name: t.function.name, parameters: t.function.parameters })),
    mustCallTool: req.mustCallTool,
    parallelToolCalls: req.body.parallel_tool_calls !== false,
    lastIsToolResult: lastRole === 'tool' || lastRole === 'function',
    json: req.responseFormat === 'json_object' ? 'object' : req.responseFormat === 'json_schema' ? 'schema' : 'none',
    jsonSchema: format?.type === 'json_schema' ? format.json_schema.schema : undefined,
    maxTokens: req.maxTokens,
    forceEntryId: admission.entryId,
  };
  const answers: Answer[] = [];
  for (let i = 0; i < req.n; i++) answers.push(chooseAnswer(ctx.corpus, answerReq, rng));
  const completionTokens = answers.reduce((n, a) => n + a.completionTokens, 0);
  const usage = { promptTokens, completionTokens };

  const lead = answers[0]!.entry;
  const timing = planAnswerTiming(ctx, { model, laneSteps: answers.map(laneTokenSteps), rng, promptTokens, admission, lead }, req.stream);
  const who: ChatIdentity = {
    id: randomId(rng, 'chatcmpl-', 29),
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
    plan: () => chatStreamPlan(who, answers, req.includeUsage, usage),
    body: () => chatBody(who, answers, usage),
    completionTokens,
  });
}
