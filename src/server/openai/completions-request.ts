/**
 * Legacy Completions request validation (`POST /v1/completions`). As with chat, unknown fields are
 * accepted and known ones are checked as OpenAI checks them; the first problem becomes a 400
 * whose `param` names the field.
 */
import { z } from 'zod';
import { o200k } from '../../corpus/o200k.js';
import { countTokens } from '../../corpus/tokens.js';
import { bodyNotObject, invalidRequest, type OpenAIError } from './errors.js';
import { int64Seed } from './chat-request.js';
import { issueToOpenAIError } from './request-issues.js';
import { parseReportingInput } from '../request-schema.js';

/** OpenAI's default when `max_tokens` is absent or null. */
export const DEFAULT_MAX_TOKENS = 16;
/** Prompts one request may batch; OpenAI documents none, so this only bounds the work. */
const MAX_PROMPTS = 2048;

const tokenIds = z.array(z.int().min(0));

const completionsRequest = z.looseObject({
  model: z.string(),
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(MAX_PROMPTS), tokenIds.min(1), z.array(tokenIds.min(1)).min(1).max(MAX_PROMPTS)]),
  max_tokens: z.int().min(0).nullable().optional(),
  n: z.int().min(1).max(128).nullable().optional(),
  best_of: z.int().min(0).max(20).nullable().optional(),
  echo: z.boolean().nullable().optional(),
  suffix: z.string().nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  logprobs: z.int().min(0).max(5).nullable().optional(),
  seed: int64Seed.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
  user: z.string().optional(),
});

export type CompletionsRequestBody = z.output<typeof completionsRequest>;

/** One prompt of the batch, as text (token-id prompts are decoded for `echo` and the prompt key). */
export interface CompletionPrompt {
  readonly text: string;
  readonly tokens: number;
}

/** What the completions route needs, normalized. */
export interface CompletionsRequest {
  readonly body: CompletionsRequestBody;
  readonly prompts: readonly CompletionPrompt[];
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** The cut: `max_tokens`, or 16 when absent. */
  readonly maxTokens: number;
  /** The caller set `max_tokens`: answers are then drawn to fit it, as a model told its budget would. */
  readonly maxTokensGiven: boolean;
  readonly n: number;
  readonly echo: boolean;
}

// ignoreBOM: a byte-order mark in the ids is text the model was given (tiktoken's decode keeps it).
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** o200k ids back to text (whole array at once, so a character split across ids decodes whole). */
function decodeIds(ids: readonly number[]): string | number {
  const enc = o200k();
  let length = 0;
  for (const id of ids) {
    const n = enc.tokenLength(id);
    if (n === 0) return id;
    length += n;
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const id of ids) {
    const token = enc.tokenBytes(id)!;
    bytes.set(token, at);
    at += token.length;
  }
  return utf8.decode(bytes);
}

type ArrayPrompt = Exclude<CompletionsRequestBody['prompt'], string>;
// The schema's arrays are non-empty and uniform, so the first element tells the variant.
const isStrings = (p: ArrayPrompt): p is string[] => typeof p[0] === 'string';
const isIds = (p: ArrayPrompt): p is number[] => typeof p[0] === 'number';

function promptsOf(prompt: CompletionsRequestBody['prompt']): CompletionPrompt[] | OpenAIError {
  if (typeof prompt === 'string') return [{ text: prompt, tokens: countTokens(prompt) }];
  if (isStrings(prompt)) return prompt.map((text) => ({ text, tokens: countTokens(text) }));
  const lists: readonly (readonly number[])[] = isIds(prompt) ? [prompt] : prompt;
  const out: CompletionPrompt[] = [];
  for (const ids of lists) {
    const text = decodeIds(ids);
    if (typeof text === 'number') return invalidRequest(`Invalid token in prompt: ${text}.`, 'prompt', 'invalid_value');
    out.push({ text, tokens: ids.length });
  }
  return out;
}

export function parseCompletionsRequest(input: unknown): CompletionsRequest | OpenAIError {
  const notObject = bodyNotObject(input);
  if (notObject) return notObject;
  const parsed = parseReportingInput(completionsRequest, input);
  if (!parsed.success) return issueToOpenAIError(parsed.error.issues[0]!);
  const body = parsed.data;
  const stream = body.stream === true;
  if (body.stream_options != null && !stream) {
    return invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', 'invalid_value');
  }
  const n = body.n ?? 1;
  if (body.best_of != null && body.best_of < n) {
    return invalidRequest('best_of must be greater than or equal to n.', 'best_of', 'invalid_value');
  }
  if (stream && body.best_of != null && body.best_of > 1) {
    return invalidRequest('Cannot stream results with best_of > 1.', 'best_of', 'invalid_value');
  }
  const prompts = promptsOf(body.prompt);
  if (!Array.isArray(prompts)) return prompts;
  return {
    body,
    prompts,
    stream,
    includeUsage: stream && body.stream_options?.include_usage === true,
    maxTokens: body.max_tokens ?? DEFAULT_MAX_TOKENS,
    maxTokensGiven: body.max_tokens != null,
    n,
    echo: body.echo === true,
  };
}
