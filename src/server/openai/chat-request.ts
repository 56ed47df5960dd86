/**
 * Chat Completions request validation. Unknown fields are accepted (frameworks send vendor
 * extras); known fields are checked as OpenAI checks them, and the first problem becomes a 400
 * whose `param` names the field.
 */
import { z } from 'zod';
import { isReasoningModel } from '../../corpus/model-catalog.js';
import { bodyNotObject, invalidRequest, type OpenAIError } from './errors.js';
import { strictSchemaViolation } from './strict-schema.js';
import { reasoningParamsError } from './reasoning-params.js';
import { issueToOpenAIError } from './request-issues.js';
import { parseReportingInput } from '../request-schema.js';
import { SERVICE_TIERS } from './service-tier.js';

export const CHAT_ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const content = z.union([z.string(), z.array(contentPart)]);

const toolCall = z.union([
  z.looseObject({ id: z.string(), type: z.literal('function'), function: z.looseObject({ name: z.string(), arguments: z.string() }) }),
  z.looseObject({ id: z.string(), type: z.literal('custom'), custom: z.looseObject({ name: z.string(), input: z.string() }) }),
]);

const message = z.looseObject({
  role: z.enum(CHAT_ROLES),
  content: content.nullable().optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
});

/**
 * OpenAI's `seed`: an int64. `z.int()` stops at 2^53 (JavaScript's safe integers), which refused
 * most 63-bit random seeds with a bound OpenAI does not have. A JSON number arrives as the nearest
 * double, so int64's largest (2^63 - 1) reads as 2^63, which is let through; past it, and a
 * fraction, are refused with OpenAI's words.
 */
export const int64Seed = z
  .unknown()
  .superRefine((v, ctx) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) ctx.addIssue({ code: 'invalid_type', expected: 'int', input: v });
    else if (v > 2 ** 63) ctx.addIssue({ code: 'too_big', origin: 'int', maximum: 9223372036854775807n, inclusive: true, input: v });
    else if (v < -(2 ** 63)) ctx.addIssue({ code: 'too_small', origin: 'int', minimum: -9223372036854775808n, inclusive: true, input: v });
  })
  .transform((v) => v as number);

const functionTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

/** A custom tool (GPT-5): its input is free text (`format` text, or a grammar the simulator does not enforce). */
const customTool = z.looseObject({
  type: z.literal('custom'),
  custom: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
    description: z.string().optional(),
    format: z.looseObject({ type: z.enum(['text', 'grammar']) }).optional(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
  z.looseObject({ type: z.literal('custom'), custom: z.looseObject({ name: z.string() }) }),
  // A subset of the tools, kept across turns so the tool list (and the prompt cache) stays the same.
  z.looseObject({
    type: z.literal('allowed_tools'),
    allowed_tools: z.looseObject({
      mode: z.enum(['auto', 'required']),
      tools: z.array(z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string() }).optional(), custom: z.looseObject({ name: z.string() }).optional() })),
    }),
  }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const chatRequest = z.looseObject({
  model: z.string(),
  messages: z.array(message).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.int().min(1).nullable().optional(),
  max_completion_tokens: z.int().min(1).nullable().optional(),
  n: z.int().min(1).max(128).nullable().optional(),
  tools: z.array(z.discriminatedUnion('type', [functionTool, customTool])).min(1).max(128).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  seed: int64Seed.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  // Sampling fields the simulator does not act on, checked as OpenAI checks them.
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.int().min(0).max(20).nullable().optional(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
  store: z.boolean().nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional(),
  reasoning_effort: z.string().nullable().optional(),
  service_tier: z.enum(SERVICE_TIERS).nullable().optional(),
  user: z.string().optional(),
});

export type ChatRequestBody = z.output<typeof chatRequest>;
export type ChatMessage = z.output<typeof message>;
export type FunctionTool = z.output<typeof functionTool>;

/** What the chat route needs, normalized. */
export interface ChatRequest {
  readonly body: ChatRequestBody;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly maxTokens: number | undefined;
  readonly n: number;
  /** Tools the answer may call: empty when none were offered or tool_choice is "none". */
  readonly callableTools: readonly FunctionTool[];
  /** The answer must call a tool (tool_choice "required" or a named function). */
  readonly mustCallTool: boolean;
  readonly responseFormat: 'text' | 'json_object' | 'json_schema';
  /**
   * The custom tool the answer calls, its text the tool's free-form input: when `tool_choice`
   * names it, or requires a call and only custom tools are offered; null otherwise.
   */
  readonly customCall: string | null;
}

function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) return m.content.map((p) => p.text ?? '').join('');
  return '';
}

function checkMessages(messages: readonly ChatMessage[]): OpenAIError | undefined {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const needsContent = m.role !== 'assistant';
    if (needsContent && (m.content === undefined || m.content === null)) {
      return invalidRequest(`Missing required parameter: 'messages[${i}].content'.`, `messages[${i}].content`, 'missing_required_parameter');
    }
    if (m.role === 'assistant' && (m.content === undefined || m.content === null) && !m.tool_calls?.length) {
      return invalidRequest(`Invalid value for 'messages[${i}]': an assistant message needs 'content' or 'tool_calls'.`, `messages[${i}].content`, 'invalid_value');
    }
    if (m.role === 'tool' && m.tool_call_id === undefined) {
      return invalidRequest(`Missing required parameter: 'messages[${i}].tool_call_id'.`, `messages[${i}].tool_call_id`, 'missing_required_parameter');
    }
  }
  return undefined;
}

/** A strict function's parameters, or a strict response_format's schema, outside Structured Outputs' subset. */
function strictChatSchemasError(body: ChatRequestBody): OpenAIError | undefined {
  const offered = body.tools ?? [];
  for (let i = 0; i < offered.length; i++) {
    const t = offered[i]!;
    if (t.type !== 'function' || t.function.strict !== true || t.function.parameters === undefined) continue;
    const violation = strictSchemaViolation(t.function.parameters);
    if (violation) return invalidRequest(`Invalid schema for function '${t.function.name}': ${violation}`, `tools[${i}].function.parameters`, 'invalid_function_parameters');
  }
  const format = body.response_format;
  if (format?.type === 'json_schema' && format.json_schema.strict === true) {
    const violation = strictSchemaViolation(format.json_schema.schema ?? {});
    if (violation) return invalidRequest(`Invalid schema for response_format '${format.json_schema.name}': ${violation}`, 'response_format', null);
  }
  return undefined;
}

export function parseChatRequest(input: unknown): ChatRequest | OpenAIError {
  const notObject = bodyNotObject(input);
  if (notObject) return notObject;
  const parsed = parseReportingInput(chatRequest, input);
  if (!parsed.success) return issueToOpenAIError(parsed.error.issues[0]!);
  const body = parsed.data;
  const messageError = checkMessages(body.messages);
  if (messageError) return messageError;

  const stream = body.stream === true;
  if (body.stream_options != null && !stream) {
    return invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', 'invalid_value');
  }
  if (body.max_tokens != null && isReasoningModel(body.model)) {
    return invalidRequest(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'max_tokens',
      'unsupported_parameter',
    );
  }
  if (body.stop != null && isReasoningModel(body.model)) {
    return invalidRequest("Unsupported parameter: 'stop' is not supported with this model.", 'stop', 'unsupported_parameter');
  }
  const reasoningError = reasoningParamsError('chat', body.model, body.reasoning_effort, body.temperature);
  if (reasoningError) return reasoningError;
  const offered = body.tools ?? [];
  const strictError = strictChatSchemasError(body);
  if (strictError) return strictError;
  const tools = offered.filter((t): t is FunctionTool => t.type === 'function');
  const customs = offered.flatMap((t) => (t.type === 'custom' ? [t.custom.name] : []));
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== 'none' && choice !== 'auto' && offered.length === 0) {
    return invalidRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice', null);
  }
  let callableTools: readonly FunctionTool[] = choice === 'none' ? [] : tools;
  let mustCallTool = choice === 'required';
  // Required with only custom tools offered: the first is called.
  let customCall = choice === 'required' && tools.length === 0 ? (customs[0] ?? null) : null;
  if (typeof choice === 'object' && choice.type === 'custom') {
    if (!customs.includes(choice.custom.name)) {
      return invalidRequest(`Invalid value for 'tool_choice': custom tool '${choice.custom.name}' is not one of the 'tools'.`, 'tool_choice', 'invalid_value');
    }
    callableTools = [];
    mustCallTool = false;
    customCall = choice.custom.name;
  } else if (typeof choice === 'object' && choice.type === 'function') {
    const named = tools.filter((t) => t.function.name === choice.function.name);
    if (named.length === 0) {
      return invalidRequest(`Invalid value for 'tool_choice': function '${choice.function.name}' is not one of the 'tools'.`, 'tool_choice', 'invalid_value');
    }
    callableTools = named;
    mustCallTool = true;
  } else if (typeof choice === 'object') {
    const allowed = new Set(choice.allowed_tools.tools.filter((t) => t.type === 'function').map((t) => t.function?.name));
    callableTools = tools.filter((t) => allowed.has(t.function.name));
    mustCallTool = choice.allowed_tools.mode === 'required' && callableTools.length > 0;
    if (choice.allowed_tools.mode === 'required' && callableTools.length === 0) {
      customCall = choice.allowed_tools.tools.map((t) => (t.type === 'custom' ? t.custom?.name : undefined)).find((n) => n !== undefined && customs.includes(n)) ?? null;
    }
  }
  const responseFormat = body.response_format?.type ?? 'text';
  if (responseFormat === 'json_object' && !body.messages.some((m) => /json/i.test(messageText(m)))) {
    return invalidRequest(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      'messages',
      null,
    );
  }
  return {
    body,
    stream,
    includeUsage: stream && body.stream_options?.include_usage === true,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    n: body.n ?? 1,
    callableTools,
    mustCallTool,
    responseFormat,
    customCall,
  };
}

export { messageText };
