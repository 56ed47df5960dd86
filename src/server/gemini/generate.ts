/**
 * POST /v1beta/models/{model}:generateContent and :streamGenerateContent: validate, pick one answer
 * per candidate, plan the timing from the seeded source, and hand the exchange a held JSON body or
 * an SSE plan. Gemini streams hold their headers until the first event (see docs/surfaces.md).
 */
import { splitTokens } from '../../corpus/tokens.js';
import type { SeededRandom } from '../../timing/random.js';
import { chooseAnswer, randomId, recordingDescribes, SPENT_ANSWER, type Answer, type AnswerRequest, type OfferedTool } from '../answer.js';
import { geminiTakesLevels, geminiThoughtTokens, reasoningSummary, spendOnReasoning } from '../reasoning.js';
import { groundTruthHeaders } from '../ground-truth.js';
import { replyAfter, type RequestInfo } from '../http-exchange.js';
import { admit, isAdmission } from '../policy.js';
import { planAnswerTiming, servingBucket, streamFaultOf } from '../answer-plan.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import { tokenSourceFromStrings } from '../stream-plan.js';
import type { ThreadContext } from '../thread-context.js';
import { INVALID_JSON, inputTooLong, modelNotFound, outputTooLarge } from './errors.js';
import { geminiArrayFaults, GEMINI_FAULTS, GEMINI_HALF_FRAME, GEMINI_MALFORMED_FRAME, GEMINI_STREAM_ERROR } from './faults.js';
import { candidatePlan, candidateSteps, geminiArrayStreamPlan, geminiBody, geminiStreamPlan, type GeminiCounts, type GeminiIdentity } from './generate-encode.js';
import type { ModelPath } from './path.js';
import { cachedTokensDetails, countPromptTokens, implicitCacheMinimum, NO_FILES, promptKey, promptPrefixes, promptTokensDetails, type FileTokens } from './prompt.js';
import { promptCacheFor } from '../prompt-cache.js';
import { checkGeminiAuth, geminiErrorReply, geminiHeaders, geminiKey, JSON_TYPE, queryOf } from './reply.js';
import { parseGenerateRequest, parseJsonBody, type GenerateRequest } from './request.js';
import { thinkingConfigRefusal } from './thinking-levels.js';
import { cachedContentOf, findCache, withCache, withCacheFiles } from './caches.js';
import { fileRefsIn, NO_REFS, resolveFiles, type FileResolution } from './files.js';
import type { GeminiCacheView } from '../peers.js';
import { geminiAliasTarget, outputBudget, overflowedWindow, refusedOutputLimit } from '../../corpus/model-catalog.js';

/** Output charged against the token limit when the request sets no maxOutputTokens. */
const DEFAULT_OUTPUT_ESTIMATE = 1024;

/** The tools the answer may call, and whether it must call one, from `tools` and `toolConfig`. */
function callableTools(req: GenerateRequest): { tools: OfferedTool[]; mustCall: boolean } {
  const fcc = req.toolConfig?.functionCallingConfig;
  const mode = fcc?.mode ?? 'AUTO';
  if (mode === 'NONE') return { tools: [], mustCall: false };
  const allowed = fcc?.allowedFunctionNames;
  const tools: OfferedTool[] = [];
  for (const t of req.tools ?? []) {
    for (const d of t.functionDeclarations ?? []) {
      if (allowed !== undefined && allowed.length > 0 && !allowed.includes(d.name)) continue;
      tools.push({ name: d.name, parameters: d.parameters ?? d.parametersJsonSchema });
    }
  }
  return { tools, mustCall: mode === 'ANY' && tools.length > 0 };
}

/** `text/x.enum`: the text is one of the schema's enum values, bare (not a JSON string). */
function enumAnswer(schema: unknown, rng: SeededRandom, maxTokens: number | undefined): Answer | null {
  if (typeof schema !== 'object' || schema === null) return null;
  const values = (schema as { enum?: unknown }).enum;
  if (!Array.isArray(values) || values.length === 0) return null;
  const content = tokenSourceFromStrings(splitTokens(String(values[rng.int(values.length)])));
  const contentCount = Math.min(content.count, maxTokens ?? content.count);
  const cut = contentCount < content.count;
  return { entry: null, refusal: false, content, contentCount, toolCalls: [], finishReason: cut ? 'length' : 'stop', completionTokens: contentCount };
}

/** An opaque `thoughtSignature`: base64 of seeded bytes, about as long as Gemini's. */
function thoughtSignature(rng: SeededRandom): string {
  const bytes = Buffer.allocUnsafe(96);
  for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE(rng.nextUint32(), i);
  return bytes.toString('base64');
}

export function generateContent(ctx: ThreadContext, info: RequestInfo, body: string, path: ModelPath, stream: boolean): Reply | Promise<Reply> {
  const route = stream ? 'gemini_stream_generate' : 'gemini_generate';
  const other = ctx.counters.modelIndex('');
  const query = queryOf(info);
  const authError = checkGeminiAuth(ctx, info, query);
  if (authError) return geminiErrorReply(route, authError, 'authentication', other);
  const json = parseJsonBody(body);
  if (!json.ok) return geminiErrorReply(route, INVALID_JSON, 'invalid_json', other);
  const proceed = (files: FileTokens): Reply | Promise<Reply> => {
    // A request naming an explicit cache reads the cache's fields first (`./caches.ts`).
    const cacheName = cachedContentOf(json.value);
    if (cacheName === undefined) return generateFrom(ctx, info, json.value, path, stream, 0, files);
    const withCached = (cache: GeminiCacheView | null): Reply => {
      const merged = withCache(json.value as Record<string, unknown>, cache, path.model);
      if ('error' in merged) return geminiErrorReply(route, merged.error, merged.error.code === 403 ? 'not_found' : 'invalid_request', other);
      return generateFrom(ctx, info, merged.request, path, stream, cache!.tokens, withCacheFiles(files, cache!));
    };
    const found = findCache(ctx, cacheName);
    return found instanceof Promise ? replyAfter(found, withCached) : withCached(found);
  };
  // `fileData` parts that name this API's files must name live ones, and count what they hold (`./files.ts`).
  const fileRefs = body.includes('fileData') || body.includes('file_data') ? fileRefsIn(json.value, info.host) : NO_REFS;
  if (fileRefs.size === 0) return proceed(NO_FILES);
  const resolved = resolveFiles(ctx, fileRefs);
  const afterFiles = (r: FileResolution): Reply | Promise<Reply> => ('error' in r ? geminiErrorReply(route, r.error, r.error.code === 403 ? 'not_found' : 'invalid_request', other) : proceed(r.tokens));
  return resolved instanceof Promise ? replyAfter(resolved, afterFiles) : afterFiles(resolved);
}

/**
 * generateContent for a parsed body; `explicitCached`: the tokens of the explicit cache it read
 * first (0: none); `files`: the tokens of the uploaded files it names.
 */
function generateFrom(ctx: ThreadContext, info: RequestInfo, value: unknown, path: ModelPath, stream: boolean, explicitCached: number, files: FileTokens): Reply {
  const route = stream ? 'gemini_stream_generate' : 'gemini_generate';
  const other = ctx.counters.modelIndex('');
  const query = queryOf(info);
  const parsed = parseGenerateRequest(value);
  if (parsed.error) return geminiErrorReply(route, parsed.error, 'invalid_request', other);
  const req = parsed.body;
  const model = path.model;

  const serving = servingBucket(ctx, model);
  if (serving === null) return geminiErrorReply(route, modelNotFound(model, path.apiVersion, stream ? 'streamGenerateContent' : 'generateContent'), 'model_not_found', other);
  const { bucketKey, modelIndex } = serving;

  const outputLimit = refusedOutputLimit(model, req.generationConfig?.maxOutputTokens);
  if (outputLimit !== undefined) return geminiErrorReply(route, outputTooLarge(req.generationConfig!.maxOutputTokens!, outputLimit), 'invalid_request', modelIndex);
  const thinkingRefused = thinkingConfigRefusal(model, req.generationConfig?.thinkingConfig);
  if (thinkingRefused !== undefined) return geminiErrorReply(route, thinkingRefused, 'invalid_request', modelIndex);
  const prompt = countPromptTokens(req, files);
  const promptTokens = prompt.total;
  const window = overflowedWindow(model, promptTokens);
  if (window !== undefined) return geminiErrorReply(route, inputTooLong(promptTokens, window), 'invalid_request', modelIndex);
  // Drawn once the request is valid, before admission: a Gemini error carries no request id, so a
  // request refused as invalid takes no place in the order (a thinking level or an output limit
  // the model refuses shifted every later answer), while one a rate limit or fault refuses does.
  const rng = ctx.requestRng(req.generationConfig?.seed, promptKey(model, req));
  const gc = req.generationConfig;
  const meta = { route, modelIndex, errorKind: null } as const;
  const admission = admit(
    ctx,
    { route, dialect: 'gemini', model, apiKey: geminiKey(info, query), info, inputTokens: promptTokens, maxOutputTokens: gc?.maxOutputTokens ?? DEFAULT_OUTPUT_ESTIMATE, meta },
    GEMINI_FAULTS,
  );
  if (!isAdmission(admission)) return admission;
  const held = heldMeta(meta, admission.saturationSlot, null, admission.holdMs > 0);
  const schema = gc?.responseSchema ?? gc?.responseJsonSchema;
  const { tools, mustCall } = callableTools(req);
  const lastTurn = req.contents[req.contents.length - 1]!;
  const answerReq: AnswerRequest = {
    bucketKey,
    tools,
    mustCallTool: mustCall,
    // Mode ANY is "constrained to always predicting function calls only": no text goes with them.
    callsOnly: mustCall,
    parallelToolCalls: true,
    lastIsToolResult: lastTurn.parts.some((p) => p.functionResponse !== undefined),
    json: gc?.responseMimeType === 'application/json' ? (schema !== undefined ? 'schema' : 'object') : 'none',
    jsonSchema: schema,
    maxTokens: outputBudget(model, gc?.maxOutputTokens),
    forceEntryId: admission.entryId,
    stop: gc?.stopSequences,
  };
  // A thinking model thinks first, out of maxOutputTokens: what is left bounds the answer.
  const spent = spendOnReasoning(geminiThoughtTokens(model, req.generationConfig?.thinkingConfig, rng), answerReq.maxTokens!);
  const limited: AnswerRequest = spent.reasoning === 0 ? answerReq : { ...answerReq, maxTokens: spent.answerLimit };
  const answers: Answer[] = [];
  for (let i = 0; i < (gc?.candidateCount ?? 1); i++) {
    const picked = gc?.responseMimeType === 'text/x.enum' ? enumAnswer(schema, rng, limited.maxTokens) : null;
    answers.push(spent.reasoning > 0 && spent.answerLimit === 0 ? SPENT_ANSWER : (picked ?? chooseAnswer(ctx.corpus, limited, rng)));
  }
  // An explicit cache's tokens, else implicit caching: a prompt the model took, long enough, whose
  // start it saw recently on this thread.
  const minimum = implicitCacheMinimum(model);
  const cachedTokens =
    explicitCached > 0 ? explicitCached : minimum === undefined || promptTokens < minimum ? 0 : promptCacheFor(ctx).useImplicit(promptPrefixes(model, req, files), promptTokens, minimum);
  const cacheDetails = cachedTokens > 0 ? cachedTokensDetails(req, cachedTokens, files) : '';
  const counts: GeminiCounts = { promptTokens, promptDetails: promptTokensDetails(prompt), cachedTokens, cacheDetails, thoughtsTokens: spent.reasoning };
  // includeThoughts: each candidate shows a summary of its thinking, out of the thought tokens.
  const showThoughts = req.generationConfig?.thinkingConfig?.includeThoughts === true;
  const plans = answers.map((a) => {
    const signature = spent.reasoning > 0 && (a.toolCalls.length > 0 || geminiTakesLevels(geminiAliasTarget(model))) ? thoughtSignature(rng) : null;
    return candidatePlan(a, signature, showThoughts ? reasoningSummary(ctx.corpus, bucketKey, spent.reasoning, rng) : null);
  });
  const completionTokens = plans.reduce((n, p) => n + p.tokens, spent.reasoning);

  const lead = answers[0]!.entry;
  // Both stream forms (SSE, and the JSON array without alt=sse) are chunked by the event schedule.
  // A recording times the answer's tokens, not a thought summary streamed before them.
  const recordingApplies = (!showThoughts || spent.reasoning === 0) && recordingDescribes(answers[0]!);
  // Thoughts hold the first token back, less the first candidate's summary, which streams as thought parts.
  const hiddenReasoningTokens = Math.max(0, spent.reasoning - (plans[0]!.thought?.count ?? 0));
  const timing = planAnswerTiming(ctx, { model, laneSteps: plans.map(candidateSteps), rng, promptTokens, admission, lead, recordingApplies, hiddenReasoningTokens }, stream);
  const schedule = timing.schedule;
  const who: GeminiIdentity = { modelVersion: model, responseId: randomId(rng, '', 23) };
  const groundTruth = [...groundTruthHeaders(lead, schedule, randomId(rng, 'trc_', 24)), ...admission.headers];
  const fault = admission.faults.stream;

  // The JSON-array stream (no alt=sse) goes out chunk by chunk, as the SSE one, its headers with
  // the first chunk too (they need a body byte, and a lone newline before the array is not what
  // the API sends). A stream fault strikes it as one more element (GEMINI_ARRAY_FAULTS).
  if (timing.stream) {
    const sse = query.get('alt') === 'sse';
    const finishSent = fault?.kind !== 'missing_done';
    const array = sse ? null : geminiArrayStreamPlan(who, plans, counts, timing.schedule, finishSent);
    const { lanes, trailer } = array ?? geminiStreamPlan(who, plans, counts, timing.schedule, finishSent);
    return {
      kind: 'stream',
      ...(sse ? {} : { contentType: JSON_TYPE }),
      headers: geminiHeaders(schedule.ttftMs, groundTruth),
      lanes,
      trailer,
      schedule: timing.schedule,
      entry: lead,
      meta: held,
      headersAtFirstEvent: true,
      fault: fault === null ? null : streamFaultOf(admission, array === null ? { error: GEMINI_STREAM_ERROR, malformed: GEMINI_MALFORMED_FRAME, half: GEMINI_HALF_FRAME } : geminiArrayFaults(array.opensAt)),
    };
  }
  // A non-streaming answer arrives when the longest candidate has finished generating.
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: geminiHeaders(schedule.totalMs, groundTruth),
    body: geminiBody(who, plans, counts),
    delayMs: schedule.totalMs,
    completionTokens,
    meta: held,
    // Any mid-stream fault on a non-streaming answer cuts its body.
    truncate: fault !== null,
  };
}
