/**
 * Micro case for the non-streaming hot path without the network: the chat completions handler
 * from request bytes to a finished reply (parse, validate, admit, choose, plan, encode), the
 * JavaScript a server thread runs per request beside uWS's own work. Its baseline is the least
 * any JSON API does per request: `JSON.parse` of the same body and `JSON.stringify` of a reply
 * of the same size.
 */
import { parseScenario } from '../src/chaos/scenario.js';
import { resolveConfig } from '../src/config/schema.js';
import type { Corpus } from '../src/corpus/sampler.js';
import { CounterLayout, CounterWriter } from '../src/metrics/counters.js';
import { NO_INFO, type RequestInfo } from '../src/server/http-exchange.js';
import { chatCompletions } from '../src/server/openai/chat.js';
import { ARRIVALS_BYTES, ThreadContext } from '../src/server/thread-context.js';
import { allocateQuotaMemory, QuotaEngine } from '../src/quota/engine.js';
import { parseQuotaTable } from '../src/quota/limits.js';
import { MONOTONIC_CLOCK } from '../src/timing/clock.js';
import { loadProfiles } from '../src/timing/profiles.js';
import { sink, type Pair } from './micro-harness.js';
import { benchPolicies } from './policy-cost.js';
import { CHAT_PATH, CHAT_REQUEST } from './nonstream.js';

const INFO: RequestInfo = { ...NO_INFO, method: 'post', url: CHAT_PATH, authorization: 'Bearer sk-bench' };

function handlerContext(corpus: Corpus, seed: number): ThreadContext {
  const config = resolveConfig({ seed, speed: 0 });
  const layout = new CounterLayout(corpus.models);
  return new ThreadContext(config, corpus, new CounterWriter(CounterLayout.allocate(layout, 1), layout, 0, config.lateEmissionMs), loadProfiles(), new SharedArrayBuffer(ARRIVALS_BYTES));
}

/**
 * The policies of the policy-cost bench, in force for every request: a rate limit too large to
 * refuse anything, and a scenario phase that matches and draws each fault at probability 0.
 */
function withPolicies(ctx: ThreadContext): ThreadContext {
  const policies = benchPolicies();
  ctx.quota = new QuotaEngine(allocateQuotaMemory(), parseQuotaTable(policies.quota, 'bench'), MONOTONIC_CLOCK);
  ctx.scenario = parseScenario(policies.scenario, 'bench');
  ctx.scenarioLoadedAtMs = Date.now();
  return ctx;
}

/** A weather tool of the kind agent load tests offer: strings, an enum, a bounded integer, a nested object. */
const WEATHER_TOOL = {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'City name' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    details: { type: 'object', properties: { hourly: { type: 'boolean' }, notes: { type: 'string', maxLength: 80 } } },
  },
  required: ['city', 'unit', 'days'],
};

/** An object schema with `count` required strings of 50 or more characters: about 1 MB of request, 1.3 MB of answer. */
function wideSchema(count: number): unknown {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) properties[`p${i}`] = { type: 'string', minLength: 50 };
  return { type: 'object', properties, required: Object.keys(properties) };
}

export function handlerPairs(corpus: Corpus, seed: number): Pair[] {
  const ctx = handlerContext(corpus, seed);
  const policed = withPolicies(handlerContext(corpus, seed));
  // The exchange decodes the body from uWS's bytes before the handler runs; the cases include it.
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  const bytes = Buffer.from(JSON.stringify(CHAT_REQUEST));
  const toolBytes = Buffer.from(JSON.stringify({ ...CHAT_REQUEST, tool_choice: 'required', tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_TOOL } }] }));
  const wideBytes = Buffer.from(JSON.stringify({ ...CHAT_REQUEST, max_tokens: undefined, response_format: { type: 'json_schema', json_schema: { name: 'form', schema: wideSchema(20_000) } } }));
  /** The handler from request bytes to a finished reply, `ops` times. */
  const handle = (c: ThreadContext, body: Buffer) => (ops: number): number => {
    for (let i = 0; i < ops; i++) {
      const r = chatCompletions(c, INFO, utf8.decode(body));
      if (r.kind === 'json') sink.value += r.body.length;
    }
    return ops;
  };
  /** The least a JSON API does per request: parse the body and stringify a reply of the size this one gets. */
  const parseAndReply = (body: Buffer) => {
    const probe = chatCompletions(ctx, INFO, utf8.decode(body));
    if (probe.kind !== 'json') throw new Error(`bench: the handler answered ${probe.kind}, not a JSON body`);
    const reply: unknown = JSON.parse(String(probe.body));
    return (ops: number): number => {
      for (let i = 0; i < ops; i++) {
        sink.value += Object.keys(JSON.parse(body.toString('utf8')) as object).length;
        sink.value += JSON.stringify(reply).length;
      }
      return ops;
    };
  };
  return [
    {
      name: 'handler: chat completion, request bytes to reply (non-streaming)',
      baseline: 'JSON.parse request + JSON.stringify reply',
      note: 'parse, validate, admit, choose, plan timing, encode body and headers',
      ops: 100_000,
      run: handle(ctx, bytes),
      base: parseAndReply(bytes),
    },
    {
      name: 'handler: the same with quotas and chaos in force (policy cost)',
      baseline: 'the handler without them',
      note: 'quota admission on two buckets with its headers, scenario phase match and fault draws',
      ops: 100_000,
      run: handle(policed, bytes),
      base: handle(handlerContext(corpus, seed), bytes),
    },
    {
      name: 'handler: tool call (tool_choice required, one weather tool), request bytes to reply',
      baseline: 'JSON.parse request + JSON.stringify reply',
      note: 'arguments made from the tool schema and tokenized (9.7x on 2388caa, before interned schemas and one-buffer tokens)',
      ops: 5_000,
      run: handle(ctx, toolBytes),
      base: parseAndReply(toolBytes),
    },
    {
      name: 'handler: json_schema of 20,000 required fields, no max_tokens (cut at 16,384 tokens)',
      baseline: 'JSON.parse of the same 1 MB request',
      note: 'what one client schema costs the thread its streams share (40x the parse, 868 ms, before a22e8bb)',
      ops: 4,
      minOps: 4,
      run: handle(ctx, wideBytes),
      base: (ops) => {
        for (let i = 0; i < ops; i++) sink.value += Object.keys(JSON.parse(wideBytes.toString('utf8')) as object).length;
        return ops;
      },
    },
  ];
}
