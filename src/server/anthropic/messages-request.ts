/**
 * Messages request validation, for `POST /v1/messages` and `/v1/messages/count_tokens`. Unknown
 * fields and unknown content-block types are accepted (SDKs add new ones faster than a simulator
 * can follow); known fields are checked as Anthropic checks them, and the first problem becomes a
 * 400 worded like Anthropic's (`max_tokens: Field required`).
 */
import { z } from 'zod';
import { invalidRequest, type AnthropicError } from './errors.js';
import { issueMessage } from './request-issues.js';
import { parseReportingInput } from '../request-schema.js';
import { firstSchemaRefusal } from '../schema-walk.js';
import { deprecatedSampling, MAX_MODEL_ID_CHARS, omitsThinkingByDefault, refusesBudgetedThinking, refusesCombinedSampling } from '../../corpus/model-catalog.js';

const block = z.looseObject({ type: z.string() });
export type ContentBlock = z.output<typeof block>;

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

const message = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(block)]),
});
export type MessageParam = z.output<typeof message>;

const tool = z.looseObject({ name: z.string(), type: z.string().nullish() });

/** A tool the caller defines (as opposed to Anthropic's server tools such as web search). */
const customTool = z.looseObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
});
export type CustomTool = z.output<typeof customTool>;

const toolChoice = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().optional(),
});

const thinking = z.looseObject({
  type: z.enum(['enabled', 'disabled', 'adaptive', 'between_tools']),
  budget_tokens: z.int().optional(),
  display: z.enum(['summarized', 'omitted']).nullish(),
});

const shape = {
  model: z.string().min(1).max(MAX_MODEL_ID_CHARS),
  messages: z.array(message),
  max_tokens: z.int().min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stream: z.boolean().nullish(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  thinking: thinking.optional(),
  output_config: z
    .looseObject({ format: z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullish() })
    .nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
};
const messagesRequest = z.looseObject(shape);
const countTokensRequest = z.looseObject({ ...shape, max_tokens: shape.max_tokens.optional() });
export type MessagesBody = z.output<typeof countTokensRequest>;

/**
 * Required fields of the content blocks the simulator reads; other block types pass as they are.
 * A Map: a block's `type` is the client's, and `constructor` or `__proto__` must find nothing.
 */
const BLOCKS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ['text', z.looseObject({ text: z.string() })],
  ['image', z.looseObject({ source: z.looseObject({ type: z.string() }) })],
  ['document', z.looseObject({ source: z.looseObject({ type: z.string() }) })],
  ['tool_use', z.looseObject({ id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) })],
  ['tool_result', z.looseObject({ tool_use_id: z.string(), content: z.union([z.string(), z.array(block)]).optional(), is_error: z.boolean().optional() })],
  ['thinking', z.looseObject({ thinking: z.string(), signature: z.string() })],
  ['redacted_thinking', z.looseObject({ data: z.string() })],
]);

const THINKING_MIN_BUDGET = 1024;
const NO_FILE_TOKENS: ReadonlyMap<string, number> = new Map();

/** What the messages route needs, normalized. */
export interface MessagesRequest {
  readonly body: MessagesBody;
  readonly stream: boolean;
  /** `max_tokens` (absent only for count_tokens). */
  readonly maxTokens: number | undefined;
  /** Tools the answer may call: the caller's own tools, narrowed by `tool_choice`. */
  readonly callableTools: readonly CustomTool[];
  /** `tool_choice` `any` or a named tool. */
  readonly mustCallTool: boolean;
  readonly parallelToolCalls: boolean;
  /** Tokens of thinking the answer may spend before its text; null when thinking is off (or not in this turn, see `parseMessagesRequest`). */
  readonly thinkingBudget: number | null;
  /** `thinking.display: "omitted"`: the thinking block comes with its signature and no text. */
  readonly thinkingOmitted: boolean;
  readonly lastIsToolResult: boolean;
  /** `output_config.format.schema` when the caller asks for structured JSON output. */
  readonly jsonSchema: Record<string, unknown> | undefined;
  /** The tokens of the uploaded files its blocks name, by id (`./file-refs.ts`); set once they are found. */
  readonly fileTokens: ReadonlyMap<string, number>;
}

function checkBlocks(blocks: readonly ContentBlock[], at: readonly PropertyKey[]): AnthropicError | undefined {
  for (let j = 0; j < blocks.length; j++) {
    const b = blocks[j]!;
    const schema = BLOCKS.get(b.type);
    if (schema === undefined) continue;
    const where = [...at, j, b.type];
    const parsed = parseReportingInput(schema, b);
    if (!parsed.success) return invalidRequest(issueMessage(parsed.error.issues[0]!, where));
    if (b.type === 'tool_result' && Array.isArray(b.content)) {
      const nested = checkBlocks(b.content as ContentBlock[], [...where, 'content']);
      if (nested) return nested;
    }
  }
  return undefined;
}

function checkMessages(messages: readonly MessageParam[]): AnthropicError | undefined {
  if (messages.length === 0) return invalidRequest('messages: at least one message is required');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const finalAssistant = i === messages.length - 1 && m.role === 'assistant';
    if (m.content.length === 0 && !finalAssistant) {
      return invalidRequest(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
    if (Array.isArray(m.content)) {
      const err = checkBlocks(m.content, ['messages', i, 'content']);
      if (err) return err;
    }
  }
  return undefined;
}

function customTools(tools: readonly z.output<typeof tool>[]): CustomTool[] | AnthropicError {
  const out: CustomTool[] = [];
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i]!;
    // Server tools (`web_search_20250305`, …) run on Anthropic's side; the simulator never calls them.
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') continue;
    const parsed = parseReportingInput(customTool, t);
    if (!parsed.success) return invalidRequest(issueMessage(parsed.error.issues[0]!, ['tools', i, 'custom']));
    out.push(parsed.data);
  }
  return out;
}

/**
 * The API refuses an empty or whitespace-only stop sequence (a `"\n"` carried over from OpenAI code
 * is the usual one) rather than ignoring it, in these words; the first such sequence decides which.
 */
function checkStopSequences(stops: readonly string[]): AnthropicError | undefined {
  for (const stop of stops) {
    if (stop.length === 0) return invalidRequest('stop_sequences: each stop sequence must be non-empty');
    if (stop.trim().length === 0) return invalidRequest('stop_sequences: each stop sequence must contain non-whitespace');
  }
  return undefined;
}

const OPEN_OBJECT = "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false";

/**
 * Structured outputs take only closed objects: every object in the schema, at any depth, must set
 * `additionalProperties: false`, with no strict flag to opt out (the API's 400, in its words).
 */
function openObject(node: Readonly<Record<string, unknown>>): string | undefined {
  const type = node['type'];
  return (type === 'object' || (Array.isArray(type) && type.includes('object'))) && node['additionalProperties'] !== false ? OPEN_OBJECT : undefined;
}

function isToolResultTurn(messages: readonly MessageParam[]): boolean {
  const last = messages[messages.length - 1]!;
  return last.role === 'user' && Array.isArray(last.content) && last.content.some((b) => b.type === 'tool_result');
}

/**
 * Thinking budget: `enabled` spends up to `budget_tokens`; `adaptive` lets the model decide, here
 * a quarter of `max_tokens`. Either way it leaves at least one token for the answer.
 */
function thinkingBudgetFor(t: z.output<typeof thinking> | undefined, maxTokens: number | undefined): number | null {
  if (t === undefined || (t.type !== 'enabled' && t.type !== 'adaptive')) return null;
  const limit = maxTokens === undefined ? Number.POSITIVE_INFINITY : maxTokens - 1;
  const budget = t.type === 'enabled' ? t.budget_tokens! : Math.floor((maxTokens ?? 4 * THINKING_MIN_BUDGET) / 4);
  return Math.max(0, Math.min(budget, limit));
}

/** The `anthropic-beta` opt-in that lets Claude think between tool calls (adaptive thinking does it unasked). */
const INTERLEAVED_BETA = 'interleaved-thinking-2025-05-14';

/**
 * `betas` is the request's `anthropic-beta` header. Interleaved thinking changes two things: the
 * budget may exceed `max_tokens` (it spans the whole turn, tool calls included), and the model
 * thinks again after a tool result. Without it, Claude thinks once at the start of its turn, and a
 * request that continues the turn after a tool result gets no new thinking block.
 */
export function parseMessagesRequest(input: unknown, forCount: boolean, betas = ''): MessagesRequest | AnthropicError {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return invalidRequest('Input should be a valid dictionary');
  const parsed = parseReportingInput(forCount ? countTokensRequest : messagesRequest, input);
  if (!parsed.success) return invalidRequest(issueMessage(parsed.error.issues[0]!));
  const body: MessagesBody = parsed.data;
  const messageError = checkMessages(body.messages);
  if (messageError) return messageError;

  if (!forCount) {
    const stopError = checkStopSequences(body.stop_sequences ?? []);
    if (stopError) return stopError;
  }

  const tools = customTools(body.tools ?? []);
  if (!Array.isArray(tools)) return tools;
  const choice = body.tool_choice;
  if (choice?.type === 'tool' && choice.name === undefined) return invalidRequest('tool_choice.tool.name: Field required');
  if (choice !== undefined && choice.type !== 'none' && (body.tools ?? []).length === 0) {
    return invalidRequest('tool_choice may only be specified while providing tools.');
  }
  let callableTools: readonly CustomTool[] = choice?.type === 'none' ? [] : tools;
  if (choice?.type === 'tool') {
    callableTools = tools.filter((t) => t.name === choice.name);
    if (callableTools.length === 0) return invalidRequest(`tool_choice: tool '${choice.name}' is not one of the provided tools`);
  }
  const mustCallTool = choice?.type === 'any' || choice?.type === 'tool';

  const deprecated = forCount ? null : deprecatedSampling(body.model, body);
  if (deprecated !== null) return invalidRequest(`\`${deprecated}\` is deprecated for this model.`);
  if (!forCount && body.temperature != null && body.top_p != null && refusesCombinedSampling(body.model)) {
    return invalidRequest('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
  }
  const t = body.thinking;
  const interleaved = t !== undefined && (t.type === 'adaptive' || (betas !== '' && betas.split(',').some((b) => b.trim() === INTERLEAVED_BETA)));
  if (!forCount && t?.type === 'enabled' && refusesBudgetedThinking(body.model)) {
    return invalidRequest('"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.');
  }
  if (t?.type === 'enabled') {
    if (t.budget_tokens === undefined) return invalidRequest('thinking.enabled.budget_tokens: Field required');
    if (t.budget_tokens < THINKING_MIN_BUDGET) {
      return invalidRequest(`thinking.enabled.budget_tokens: Input should be greater than or equal to ${THINKING_MIN_BUDGET}`);
    }
    if (body.max_tokens !== undefined && body.max_tokens <= t.budget_tokens && !(interleaved && tools.length > 0)) {
      return invalidRequest(
        '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size',
      );
    }
  }
  const budget = thinkingBudgetFor(t, body.max_tokens);
  if (budget !== null && mustCallTool) return invalidRequest('Thinking may not be enabled when tool_choice forces tool use.');
  // Recorded for `enabled`; what adaptive thinking answers to top_k is not.
  if (t?.type === 'enabled' && !forCount && body.top_k != null) {
    return invalidRequest(
      '`top_k` must be unset when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking',
    );
  }
  if (budget !== null && !forCount && body.temperature != null && body.temperature !== 1) {
    return invalidRequest('`temperature` may only be set to 1 when thinking is enabled or in adaptive mode');
  }
  const schema = body.output_config?.format?.schema;
  const openError = forCount || schema === undefined ? undefined : firstSchemaRefusal(schema, openObject);
  if (openError !== undefined) return invalidRequest(openError);
  const lastIsToolResult = isToolResultTurn(body.messages);
  const thinkingBudget = lastIsToolResult && !interleaved ? null : budget;

  return {
    body,
    stream: body.stream === true,
    maxTokens: body.max_tokens,
    callableTools,
    mustCallTool,
    parallelToolCalls: choice?.disable_parallel_tool_use !== true,
    thinkingBudget,
    thinkingOmitted: t?.display === 'omitted' || (t?.display == null && omitsThinkingByDefault(body.model)),
    lastIsToolResult,
    jsonSchema: body.output_config?.format?.schema ?? undefined,
    fileTokens: NO_FILE_TOKENS,
  };
}
