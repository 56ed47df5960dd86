/**
 * Micro case for the non-streaming hot path without the network: the chat completions handler
 * from request bytes to a finished reply (parse, validate, admit, choose, plan, encode), the
 * JavaScript a server thread runs per request beside uWS's own work. Its baseline is the least
 * any JSON API does per request: `JSON.parse` of the same body and `JSON.stringify` of a reply
 * of the same size.
 */
import { resolveConfig } from '../src/config/schema.js';
import type { Corpus } from '../src/corpus/sampler.js';
import { CounterLayout, CounterWriter } from '../src/metrics/counters.js';
import type { RequestInfo } from '../src/server/http-exchange.js';
import { chatCompletions } from '../src/server/openai/chat.js';
import { ThreadContext } from '../src/server/thread-context.js';
import { loadProfiles } from '../src/timing/profiles.js';
import { sink, type Pair } from './micro-harness.js';
import { CHAT_PATH, CHAT_REQUEST } from './nonstream.js';

const INFO: RequestInfo = {
  method: 'post',
  url: CHAT_PATH,
  query: '',
  params: [],
  authorization: 'Bearer sk-bench',
  xApiKey: '',
  xGoogApiKey: '',
  azureApiKey: '',
  anthropicVersion: '',
  requestId: '',
  contentType: 'application/json',
  overrideFault: '',
  overrideTtftMs: '',
  overrideEntry: '',
  tags: {},
};

export function handlerPairs(corpus: Corpus, seed: number): Pair[] {
  const config = resolveConfig({ seed, speed: 0 });
  const layout = new CounterLayout(corpus.models);
  const ctx = new ThreadContext(config, corpus, new CounterWriter(CounterLayout.allocate(layout, 1), layout, 0), loadProfiles(), new SharedArrayBuffer(8));
  const body = Buffer.from(JSON.stringify(CHAT_REQUEST));
  const probe = chatCompletions(ctx, INFO, body);
  if (probe.kind !== 'json') throw new Error(`bench: the handler answered ${probe.kind}, not a JSON body`);
  const replyObject: unknown = JSON.parse(String(probe.body));
  return [
    {
      name: 'handler: chat completion, request bytes to reply (non-streaming)',
      baseline: 'JSON.parse request + JSON.stringify reply',
      note: 'parse, validate, admit, choose, plan timing, encode body and headers',
      ops: 100_000,
      run: (ops) => {
        for (let i = 0; i < ops; i++) {
          const r = chatCompletions(ctx, INFO, body);
          if (r.kind === 'json') sink.value += r.body.length;
        }
        return ops;
      },
      base: (ops) => {
        for (let i = 0; i < ops; i++) {
          sink.value += (JSON.parse(body.toString('utf8')) as { max_tokens: number }).max_tokens;
          sink.value += JSON.stringify(replyObject).length;
        }
        return ops;
      },
    },
  ];
}
