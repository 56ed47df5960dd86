/**
 * Load test of a tool-calling agent loop: each iteration is one conversation. The model is
 * offered two tools (`tool_choice: "auto"`); while it answers with tool calls, the script
 * "runs" them and sends their results back, until the model answers in text or the turn cap is
 * reached. Conversations start at a constant rate (an open model), so a slow server shows up as
 * longer conversations, not as fewer of them.
 *
 *   npm start -- --port 8787 &     # with llm-understudy installed: npx understudy serve … (not in a clone, where npx looks for a registry package named understudy)
 *   k6 run k6/agent-loop.ts -e BASE_URL=http://127.0.0.1:8787/v1 -e RATE=50
 *
 * Add `-e API_KEY=…` when the simulator checks keys (`--api-keys`); any key passes otherwise.
 *
 * The simulator answers a fresh user turn with tool calls most of the time and a turn that ends
 * in a tool result with text, as models do, and makes every call's arguments from the tool's
 * JSON Schema; the checks hold it to that, and `agent_at_turn_cap` to ending conversations: one that
 * still asks for tools at the MAX_TURNS-th turn (default 4) is cut off there and counts against
 * it. A reply that is not JSON (a chaos fault's empty 200, truncated body or HTML 502) fails the
 * checks rather than ending the iteration. k6 runs TypeScript directly (k6 ≥ 0.57); this file is
 * type-checked by `npm test`.
 */
import { check } from 'k6';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:8787/v1';
const MODEL = __ENV.MODEL ?? 'gpt-4o-mini';
const RATE = Number(__ENV.RATE ?? '20');
const MAX_TURNS = Number(__ENV.MAX_TURNS ?? '4');

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city.',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['city', 'unit'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_docs',
      description: 'Search the product documentation.',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 10 } },
        required: ['query'],
        additionalProperties: false,
      },
    },
  },
];
const REQUIRED: Readonly<Record<string, readonly string[]>> = { get_weather: ['city', 'unit'], search_docs: ['query'] };

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}
interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  /** Set instead of `content` when the model declines (the simulator's corpus has some). */
  refusal?: string | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}
interface ChatReply {
  choices?: { message: ChatMessage; finish_reason: string }[];
}

const turnsPerConversation = new Trend('agent_turns');
const conversationMs = new Trend('agent_conversation_ms', true);
const toolCalls = new Counter('agent_tool_calls');
/** Conversations cut off at MAX_TURNS while the model still asked for tools. */
const atTurnCap = new Rate('agent_at_turn_cap');

export const options: Options = {
  scenarios: {
    agents: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION ?? '1m',
      preAllocatedVUs: Math.max(10, RATE * 4),
      maxVUs: RATE * 40,
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    agent_at_turn_cap: ['rate<0.01'],
  },
};

/** The reply's JSON, or null when there is none: k6's `res.json()` throws on a body that does not parse. */
function replyOf(res: http.RefinedResponse<http.ResponseType | undefined>): ChatReply | null {
  if (res.status !== 200) return null;
  try {
    return res.json() as ChatReply | null;
  } catch {
    return null;
  }
}

/** Arguments that parse as a JSON object holding the tool's required fields. */
function argumentsHold(call: ToolCall): boolean {
  try {
    const args = JSON.parse(call.function.arguments) as Record<string, unknown> | null;
    const required = REQUIRED[call.function.name];
    return required !== undefined && typeof args === 'object' && args !== null && required.every((k) => k in args);
  } catch {
    return false;
  }
}

export default function (): void {
  const started = Date.now();
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a support agent. Use the tools when they help.' },
    { role: 'user', content: 'Is it warm enough in Lisbon for the outdoor demo, and where do I configure the demo timeout?' },
  ];
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${__ENV.API_KEY ?? 'sk-load-test'}` };
  let turns = 0;
  for (; turns < MAX_TURNS; turns++) {
    const res = http.post(`${BASE_URL}/chat/completions`, JSON.stringify({ model: MODEL, messages, tools: TOOLS, tool_choice: 'auto' }), { headers, tags: { turn: String(turns + 1) } });
    const reply = replyOf(res);
    const choice = reply?.choices?.[0];
    if (!check(res, { 'status 200': (r) => r.status === 200, 'has a choice': () => choice !== undefined }) || choice === undefined) return;
    const calls = choice.message.tool_calls ?? [];
    if (calls.length === 0) {
      check(choice, { 'text answer (or refusal) ends with stop': (c) => c.finish_reason === 'stop' && (typeof c.message.content === 'string' || typeof c.message.refusal === 'string') });
      break;
    }
    check(calls, { 'tool arguments fit the schema': (cs) => cs.every(argumentsHold), 'finish_reason tool_calls': () => choice.finish_reason === 'tool_calls' });
    toolCalls.add(calls.length);
    messages.push({ role: 'assistant', content: null, tool_calls: calls });
    for (const call of calls) {
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify({ ok: true, tool: call.function.name, result: 'sunny, 24 °C; demo timeout: settings → demos → timeout' }) });
    }
  }
  atTurnCap.add(turns === MAX_TURNS);
  turnsPerConversation.add(Math.min(turns + 1, MAX_TURNS));
  conversationMs.add(Date.now() - started);
}
