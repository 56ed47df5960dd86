/**
 * Responses API request validation. Unknown fields and item types are accepted (frameworks send
 * vendor extras, and the API grows item and tool types faster than a simulator); the fields the
 * simulator acts on are checked as OpenAI checks them, and the first problem becomes a 400 whose
 * `param` names the field (`input[2].call_id`, `tools[0].name`).
 */
import { z } from 'zod';
import { bodyNotObject, invalidRequest, type OpenAIError } from './errors.js';
import { strictSchemaViolation } from './strict-schema.js';
import { reasoningParamsError } from './reasoning-params.js';
import { issueToOpenAIError } from './request-issues.js';
import { parseReportingInput } from '../request-schema.js';
import { mediaTokens } from './media-tokens.js';
import { SERVICE_TIERS } from './service-tier.js';
import { compactionTokens } from './compaction-summary.js';

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional(), refusal: z.string().optional() });
const content = z.union([z.string(), z.array(contentPart)]);

const messageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'system', 'developer', 'assistant']),
  content,
});
const functionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
});
const functionCallOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  call_id: z.string(),
  output: content,
});
/** A custom (free-form) tool's call and its output, as a client sends them back. */
const customCallItem = z.looseObject({ type: z.literal('custom_tool_call'), call_id: z.string(), name: z.string(), input: z.string() });
const customCallOutputItem = z.looseObject({ type: z.literal('custom_tool_call_output'), call_id: z.string(), output: content });
/** What `/v1/responses/compact` returned in place of a conversation's history, sent back as input. */
const compactionItem = z.looseObject({ type: z.literal('compaction'), encrypted_content: z.string() });
/** Reasoning items, item references, hosted-tool calls and their outputs: passed through. */
const otherItem = z.looseObject({ type: z.string() });

const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().regex(NAME),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

/** A custom tool (GPT-5): its input is free text (`format` text, or a grammar the simulator does not enforce). */
const customTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().regex(NAME),
  description: z.string().nullable().optional(),
  format: z.looseObject({ type: z.enum(['text', 'grammar']) }).nullable().optional(),
});

const textFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().regex(NAME),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullable().optional(),
  }),
]);

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  // `{type:'function', name}`, `{type:'allowed_tools', mode, tools}` or a hosted tool type; checked below.
  z.looseObject({ type: z.string(), name: z.string().optional(), mode: z.enum(['auto', 'required']).optional(), tools: z.array(z.looseObject({ type: z.string(), name: z.string().optional() })).optional() }),
]);

const responsesRequest = z.looseObject({
  model: z.string(),
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  instructions: z.string().nullable().optional(),
  max_output_tokens: z.int().min(16).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_obfuscation: z.boolean().optional() }).nullable().optional(),
  include: z.array(z.string()).nullable().optional(),
  store: z.boolean().nullable().optional(),
  previous_response_id: z.string().nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).max(128).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z.looseObject({ format: textFormat.optional(), verbosity: z.enum(['low', 'medium', 'high']).nullable().optional() }).nullable().optional(),
  reasoning: z.looseObject({ effort: z.string().nullable().optional(), summary: z.string().nullable().optional() }).nullable().optional(),
  truncation: z.enum(['auto', 'disabled']).nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().optional(),
  service_tier: z.enum(SERVICE_TIERS).nullable().optional(),
  max_tool_calls: z.int().min(1).nullable().optional(),
  prompt_cache_key: z.string().nullable().optional(),
  safety_identifier: z.string().nullable().optional(),
  top_logprobs: z.int().min(0).max(20).nullable().optional(),
  conversation: z.union([z.string(), z.looseObject({ id: z.string() })]).nullable().optional(),
  background: z.boolean().nullable().optional(),
});

export type ResponsesRequestBody = z.output<typeof responsesRequest>;
export type ResponseFunctionTool = z.output<typeof functionTool>;
export type ResponseTextFormat = z.output<typeof textFormat>;

/** One input item, reduced to what token counting and answer selection need. */
export interface InputTurn {
  /** Item type (`message` for role-bearing items). */
  readonly type: string;
  /** The text the item carries (message text, call name and arguments, tool output). */
  readonly text: string;
  /** Tokens for the images it carries (`input_image` parts). */
  readonly mediaTokens: number;
  /** For an `item_reference`: the id of the stored item it stands for. */
  readonly ref?: string;
  /** Tokens already known (a stored output item, `./responses-context.ts`): counted instead of `text`. */
  readonly tokens?: number;
}

/** What the responses route needs, normalized. */
export interface ResponsesRequest {
  readonly body: ResponsesRequestBody;
  readonly turns: readonly InputTurn[];
  readonly stream: boolean;
  readonly store: boolean;
  /** Every tool, function tools validated and with `strict` defaulted, as the response echoes them. */
  readonly tools: readonly Record<string, unknown>[];
  /** Function tools the answer may call: none when tool_choice is "none" or names hosted tools only. */
  readonly callableTools: readonly ResponseFunctionTool[];
  /** The answer must call a function (tool_choice "required", a named function, allowed_tools "required"). */
  readonly mustCallTool: boolean;
  readonly format: ResponseTextFormat;
  /** The last input item is a tool's output: models answer it in text. */
  readonly lastIsToolResult: boolean;
  /**
   * The custom tool the answer calls, its text the tool's free-form input: when `tool_choice`
   * names it, or requires a call and only custom tools are offered. null otherwise (custom tools
   * are called only when the request requires it).
   */
  readonly customCall: string | null;
}

function prefixed(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): OpenAIError {
  return issueToOpenAIError({ ...issue, path: [...prefix, ...issue.path] });
}

function partsText(c: z.output<typeof content>): string {
  if (typeof c === 'string') return c;
  let s = '';
  for (const p of c) s += p.text ?? p.refusal ?? '';
  return s;
}

/** `raw` parsed with `schema` and made into its turn, or the 400 for its first issue, at `input[index]`. */
function itemTurn<S extends z.ZodType>(schema: S, raw: unknown, index: number, turn: (data: z.output<S>) => InputTurn): InputTurn | OpenAIError {
  const r = parseReportingInput(schema, raw);
  return r.success ? turn(r.data) : prefixed(r.error.issues[0]!, ['input', index]);
}

/** One input item as the turn it counts as, or the 400 its shape gets (also checks Conversations API items). */
export function parseItem(raw: unknown, index: number): InputTurn | OpenAIError {
  const type = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as { type?: unknown }).type : undefined;
  switch (type) {
    case 'function_call':
      return itemTurn(functionCallItem, raw, index, (d) => ({ type, text: `${d.name}\n${d.arguments}`, mediaTokens: 0 }));
    case 'function_call_output':
      return itemTurn(functionCallOutputItem, raw, index, (d) => ({ type, text: partsText(d.output), mediaTokens: mediaTokens(d.output) }));
    case 'custom_tool_call':
      return itemTurn(customCallItem, raw, index, (d) => ({ type, text: `${d.name}\n${d.input}`, mediaTokens: 0 }));
    case 'custom_tool_call_output':
      return itemTurn(customCallOutputItem, raw, index, (d) => ({ type, text: partsText(d.output), mediaTokens: mediaTokens(d.output) }));
    case 'compaction':
      return itemTurn(compactionItem, raw, index, (d) => ({ type, text: '', mediaTokens: 0, tokens: compactionTokens(d.encrypted_content) }));
  }
  if (typeof type === 'string' && type !== 'message') {
    const id = (raw as { id?: unknown }).id;
    return itemTurn(otherItem, raw, index, () => (type === 'item_reference' && typeof id === 'string' ? { type, text: '', mediaTokens: 0, ref: id } : { type, text: '', mediaTokens: 0 }));
  }
  return itemTurn(messageItem, raw, index, (d) => ({ type: 'message', text: partsText(d.content), mediaTokens: mediaTokens(d.content) }));
}

function parseTools(raw: readonly Record<string, unknown>[]): { tools: Record<string, unknown>[]; functions: ResponseFunctionTool[]; customs: string[] } | OpenAIError {
  const tools: Record<string, unknown>[] = [];
  const functions: ResponseFunctionTool[] = [];
  const customs: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (t.type === 'custom') {
      const r = parseReportingInput(customTool, t);
      if (!r.success) return prefixed(r.error.issues[0]!, ['tools', i]);
      tools.push({ ...r.data, description: r.data.description ?? null, format: r.data.format ?? { type: 'text' } });
      customs.push(r.data.name);
      continue;
    }
    if (t.type !== 'function') {
      tools.push(t);
      continue;
    }
    const r = parseReportingInput(functionTool, t);
    if (!r.success) return prefixed(r.error.issues[0]!, ['tools', i]);
    // Only a strict the client set is checked: OpenAI's default one is not known to refuse.
    if (r.data.strict === true && r.data.parameters != null) {
      const violation = strictSchemaViolation(r.data.parameters);
      if (violation) return invalidRequest(`Invalid schema for function '${r.data.name}': ${violation}`, `tools[${i}].parameters`, 'invalid_function_parameters');
    }
    const tool = { ...r.data, description: r.data.description ?? null, parameters: r.data.parameters ?? null, strict: r.data.strict ?? true };
    tools.push(tool);
    functions.push(tool);
  }
  return { tools, functions, customs };
}

const TEXT_FORMAT: ResponseTextFormat = { type: 'text' };

export function parseResponsesRequest(input: unknown): ResponsesRequest | OpenAIError {
  const notObject = bodyNotObject(input);
  if (notObject) return notObject;
  const parsed = parseReportingInput(responsesRequest, input);
  if (!parsed.success) return issueToOpenAIError(parsed.error.issues[0]!);
  const body = parsed.data;

  if (body.input === undefined) return invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  const turns: InputTurn[] = [];
  if (typeof body.input === 'string') turns.push({ type: 'message', text: body.input, mediaTokens: 0 });
  else {
    if (body.input.length === 0 && body.previous_response_id == null) {
      return invalidRequest("Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'input', 'empty_array');
    }
    for (let i = 0; i < body.input.length; i++) {
      const turn = parseItem(body.input[i], i);
      if ('status' in turn) return turn;
      turns.push(turn);
    }
  }

  const stream = body.stream === true;
  if (body.stream_options != null && !stream) {
    return invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', 'invalid_value');
  }
  const conversation = typeof body.conversation === 'string' ? body.conversation : body.conversation?.id;
  if (conversation !== undefined && body.previous_response_id != null) {
    return invalidRequest("Mutually exclusive parameters. Ensure you are only providing one of: 'previous_response_id' or 'conversation'.", null, 'mutually_exclusive_parameters');
  }
  if (conversation !== undefined && !conversation.startsWith('conv_')) {
    return invalidRequest(`Invalid 'conversation': '${conversation}'. Expected an ID that begins with 'conv_'.`, 'conversation', 'invalid_value');
  }
  const reasoningError = reasoningParamsError('responses', body.model, body.reasoning?.effort, body.temperature);
  if (reasoningError) return reasoningError;

  const toolSet = parseTools(body.tools ?? []);
  if ('status' in toolSet) return toolSet;
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== 'none' && choice !== 'auto' && toolSet.tools.length === 0) {
    return invalidRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice', null);
  }
  let callableTools: readonly ResponseFunctionTool[] = choice === 'none' ? [] : toolSet.functions;
  let mustCallTool = choice === 'required';
  // Required with only custom tools offered: the first is called.
  let customCall = choice === 'required' && toolSet.functions.length === 0 ? (toolSet.customs[0] ?? null) : null;
  if (typeof choice === 'object') {
    if (choice.type === 'custom') {
      if (choice.name === undefined) return invalidRequest("Missing required parameter: 'tool_choice.name'.", 'tool_choice.name', 'missing_required_parameter');
      if (!toolSet.customs.includes(choice.name)) {
        return invalidRequest(`Tool choice 'custom' not found in 'tools' parameter: no custom tool named '${choice.name}'.`, 'tool_choice', 'invalid_value');
      }
      callableTools = [];
      customCall = choice.name;
    } else if (choice.type === 'function') {
      if (choice.name === undefined) return invalidRequest("Missing required parameter: 'tool_choice.name'.", 'tool_choice.name', 'missing_required_parameter');
      callableTools = toolSet.functions.filter((t) => t.name === choice.name);
      if (callableTools.length === 0) {
        return invalidRequest(`Tool choice 'function' not found in 'tools' parameter: no function named '${choice.name}'.`, 'tool_choice', 'invalid_value');
      }
      mustCallTool = true;
    } else if (choice.type === 'allowed_tools') {
      const allowed = new Set((choice.tools ?? []).filter((t) => t.type === 'function').map((t) => t.name));
      callableTools = toolSet.functions.filter((t) => allowed.has(t.name));
      mustCallTool = choice.mode === 'required';
      const allowedCustoms = (choice.tools ?? []).filter((t) => t.type === 'custom' && t.name !== undefined && toolSet.customs.includes(t.name));
      if (mustCallTool && callableTools.length === 0) customCall = allowedCustoms[0]?.name ?? null;
    } else {
      // A hosted tool (web search, file search, …): the simulator has no such tool to run.
      callableTools = [];
    }
  }

  const format = body.text?.format ?? TEXT_FORMAT;
  if (format.type === 'json_schema' && format.strict === true) {
    const violation = strictSchemaViolation(format.schema);
    if (violation) return invalidRequest(`Invalid schema for response_format '${format.name}': ${violation}`, 'text.format.schema', 'invalid_json_schema');
  }
  if (format.type === 'json_object' && !/json/i.test((body.instructions ?? '') + turns.map((t) => t.text).join('\n'))) {
    return invalidRequest("Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.", 'input', null);
  }
  const last = turns[turns.length - 1];
  return {
    body,
    turns,
    stream,
    store: body.store !== false,
    tools: toolSet.tools,
    callableTools,
    mustCallTool: mustCallTool && callableTools.length > 0,
    format,
    lastIsToolResult: last !== undefined && last.type !== 'message' && last.type.endsWith('_output'),
    customCall,
  };
}
