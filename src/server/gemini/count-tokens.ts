/** POST /v1beta/models/{model}:countTokens → `{totalTokens, promptTokensDetails}`, counted as generateContent counts its prompt. */
import type { RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { INVALID_JSON, modelNotFound } from './errors.js';
import type { ModelPath } from './path.js';
import { countPromptTokens, promptTokensDetails } from './prompt.js';
import { checkGeminiAuth, geminiErrorReply, geminiHeaders, JSON_TYPE, queryOf } from './reply.js';
import { parseCountTokensRequest, parseJsonBody } from './request.js';

export function countTokensRoute(ctx: ThreadContext, info: RequestInfo, body: string, path: ModelPath): Reply {
  const route = 'gemini_count_tokens';
  const other = ctx.counters.modelIndex('');
  const authError = checkGeminiAuth(ctx, info, queryOf(info));
  if (authError) return geminiErrorReply(route, authError, 'authentication', other);
  const json = parseJsonBody(body);
  if (!json.ok) return geminiErrorReply(route, INVALID_JSON, 'invalid_json', other);
  const parsed = parseCountTokensRequest(json.value);
  if (parsed.error) return geminiErrorReply(route, parsed.error, 'invalid_request', other);
  const resolution = ctx.corpus.resolveModel(path.model);
  if (ctx.config.strictModels && resolution?.known !== true) {
    return geminiErrorReply(route, modelNotFound(path.model, path.apiVersion, 'countTokens'), 'model_not_found', other);
  }
  const req = parsed.body;
  const prompt = countPromptTokens(req.generateContentRequest ?? { contents: req.contents ?? [] });
  const total = prompt.total;
  const details = total > 0 ? `,"promptTokensDetails":${promptTokensDetails(prompt)}` : '';
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: geminiHeaders(0),
    body: `{"totalTokens":${total}${details}}`,
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex: ctx.counters.modelIndex(resolution?.key ?? ctx.corpus.fallbackKey), errorKind: null },
  };
}
