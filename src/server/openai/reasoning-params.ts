/**
 * What OpenAI refuses about a reasoning request before it answers: an effort the model does not
 * take, an effort sent to a model that takes none, and a sampling temperature sent to a model that
 * reasons. Each in OpenAI's words, which clients parse (several agent frameworks read the
 * supported values out of the message and retry with one of them).
 *
 * Chat Completions and Responses word the temperature refusal differently, as OpenAI does: chat
 * says which value it does not support, Responses that the parameter is not supported at all.
 */
import { effortSupport, isReasoningModel } from '../../corpus/model-catalog.js';
import { invalidRequest, type OpenAIError } from './errors.js';

export type ReasoningSurface = 'chat' | 'responses';

const EFFORT_PARAM: Readonly<Record<ReasoningSurface, string>> = { chat: 'reasoning_effort', responses: 'reasoning.effort' };

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`: OpenAI's list of supported values. */
function quotedList(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`);
  if (q.length < 3) return q.join(' and ');
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]!}`;
}

/** The effort a request runs at: its own, else the model's default; undefined where neither is known. */
export function effectiveEffort(model: string, effort: string | null | undefined): string | undefined {
  return effort ?? effortSupport(model)?.fallback ?? undefined;
}

export function reasoningParamsError(
  surface: ReasoningSurface,
  model: string,
  effort: string | null | undefined,
  temperature: number | null | undefined,
): OpenAIError | undefined {
  const param = EFFORT_PARAM[surface];
  if (effort != null) {
    const support = effortSupport(model);
    if (support === null) return invalidRequest(`Unsupported parameter: '${param}' is not supported with this model.`, param, 'unsupported_parameter');
    if (support !== undefined && !support.values.includes(effort)) {
      const message = support.pro
        ? `Unsupported value: '${effort}' is not supported with the '${model}' model. Supported values are: ${quotedList(support.values)}.`
        : `Unsupported value: '${param}' does not support '${effort}' with this model. Supported values are: ${quotedList(support.values)}.`;
      return invalidRequest(message, param, 'unsupported_value');
    }
  }
  // GPT-5.1 and later take sampling parameters only when they do not reason (effort `none`).
  if (temperature != null && temperature !== 1 && isReasoningModel(model) && effectiveEffort(model, effort) !== 'none') {
    return surface === 'chat'
      ? invalidRequest(`Unsupported value: 'temperature' does not support ${String(temperature)} with this model. Only the default (1) value is supported.`, 'temperature', 'unsupported_value')
      : invalidRequest("Unsupported parameter: 'temperature' is not supported with this model.", 'temperature', 'unsupported_parameter');
  }
  return undefined;
}
