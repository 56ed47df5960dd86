/**
 * The exchange's writes against a model of uWS 20.30's write path (`./fixtures/uws-model.ts`),
 * whose kernel buffer fills and drains at the test's command: a stream sent at once (--speed 0)
 * to a client that reads a little at a time never overflows uWS's cork buffer, so uWS never drops
 * a write, and the client gets every chunk whole. Against the real server and kernel the same
 * loss shows only now and then (`./chunked-framing.test.ts`); here every socket state recurs.
 */
import type { HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { describe, expect, it } from 'vitest';
import { readCorpusFile } from '../src/corpus/codec.js';
import { compileCorpus } from '../src/corpus/compiled.js';
import { Corpus } from '../src/corpus/sampler.js';
import { chooseAnswer, laneTokenSteps, type AnswerRequest } from '../src/server/answer.js';
import { getRoute, onWheelDue, type Exchange } from '../src/server/http-exchange.js';
import { chatStreamPlan, type ChatIdentity } from '../src/server/openai/chat-encode.js';
import type { Reply, StreamReply } from '../src/server/reply.js';
import { ManualClock } from '../src/timing/clock.js';
import { NO_LATENCY } from '../src/timing/latency.js';
import { SeededRandom } from '../src/timing/random.js';
import { planSchedule } from '../src/timing/schedule.js';
import { TimerWheel, type TimerHost } from '../src/timing/timer-wheel.js';
import { dechunkStrict } from './fixtures/chunked.js';
import { entry, writeTempCorpus } from './fixtures/corpus.js';
import { installModelEnv, modelApp, modelRequest, ModelResponse, NO_ROUTE_ERRORS } from './fixtures/uws-model.js';

const MODEL = 'gpt-4o-mini';
const corpus = new Corpus(compileCorpus(readCorpusFile(writeTempCorpus([entry('long', MODEL, 'text', ('-'.repeat(64) + ' ').repeat(4_000))]))), MODEL);

const clock = new ManualClock(1_000);
const timers: (() => void)[] = [];
const host: TimerHost = { set: (fn) => timers.push(fn), clear: () => {} };
const wheel = new TimerWheel<Exchange>(onWheelDue, clock, host);
installModelEnv({ speed: 0 }, clock, wheel, corpus.models);

const REQUEST: AnswerRequest = { bucketKey: MODEL, tools: [], mustCallTool: false, parallelToolCalls: true, lastIsToolResult: false, json: 'none', jsonSchema: undefined, maxTokens: 3_500 };

/** A chat stream of `n` choices, every event due at once. */
function streamReply(n: number): StreamReply {
  const rng = new SeededRandom(7);
  const answers = Array.from({ length: n }, () => chooseAnswer(corpus, REQUEST, rng));
  const schedule = planSchedule({ laneSteps: answers.map(laneTokenSteps), latency: NO_LATENCY, rng, ttftMs: 0, speed: 0, recordedGapsMs: null });
  const who: ChatIdentity = { id: 'chatcmpl-model', created: 1_700_000_000, model: MODEL, systemFingerprint: 'fp_0', serviceTier: 'default', contentFilter: false, wholeToolCalls: false };
  const plan = chatStreamPlan(who, answers, true, { promptTokens: 5, completionTokens: 0, reasoningTokens: 0, cachedTokens: 0, reasoningOutside: false }, null, schedule);
  return { kind: 'stream', headers: [], lanes: plan.lanes, trailer: plan.trailer, schedule, entry: null, meta: { route: 'chat_completions', modelIndex: 0, errorKind: null } };
}

/**
 * Serves `reply` to a client whose kernel buffer holds `kernelBytes` (`full`: filled by a reply
 * before, unread when this one starts), reading all it holds each millisecond.
 */
function serve(reply: () => Reply, kernelBytes: number, full = false): { res: ModelResponse; raw: Buffer } {
  const { app, handler } = modelApp();
  getRoute(app, 'get', '/reply', 0, NO_ROUTE_ERRORS, reply);
  const res = new ModelResponse(kernelBytes);
  if (full) res.kernel.room = 0;
  // uWS corks the socket around a request's handler.
  res.cork(() => handler('get', '/reply')(res as unknown as HttpResponse, modelRequest('/reply')));
  const read: Buffer[] = [];
  for (let ms = 0; ms < 60_000 && !res.finished(); ms++) {
    read.push(res.read());
    clock.advance(1);
    for (const fn of timers.splice(0)) fn();
  }
  read.push(res.read());
  return { res, raw: Buffer.concat(read) };
}

describe('a stream sent at once to a client that reads a little at a time', () => {
  it.each([
    [16, 40_000],
    [16, 100_000],
    [3, 20_000],
    [1, 9_000],
  ])('%i choice(s) through a %i-byte kernel buffer: uWS drops no write and every chunk arrives whole', (n, kernelBytes) => {
    const { res, raw } = serve(() => streamReply(n), kernelBytes);
    expect(res.finished()).toBe(true);
    expect(res.dropped).toBe(0);
    const body = dechunkStrict(raw).toString('utf8');
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    // Each choice's text arrives whole, in order.
    const text = new Map<number, string>();
    for (const event of body.split('\n\n')) {
      if (!event.startsWith('data: {')) continue;
      const chunk = JSON.parse(event.slice(6)) as { choices: { index: number; delta: { content?: string } }[] };
      for (const c of chunk.choices) text.set(c.index, (text.get(c.index) ?? '') + (c.delta.content ?? ''));
    }
    expect(text.size).toBe(n);
    for (const t of text.values()) expect(t).toBe(('-'.repeat(64) + ' ').repeat(4_000).slice(0, t.length));
    for (const t of text.values()) expect(t.length).toBeGreaterThan(10_000);
  });
});

describe('a JSON reply longer than the cork buffer', () => {
  const body = JSON.stringify({ object: 'list', data: Array.from({ length: 2_000 }, (_, i) => ({ index: i, value: i / 7 })) });

  it.each([
    ['a socket a reply before it filled', true],
    ['an empty socket', false],
  ])('to %s arrives whole, and uWS drops none of it', (_name, full) => {
    expect(body.length).toBeGreaterThan(40_000);
    const { res, raw } = serve(() => ({ kind: 'json', status: 200, contentType: 'application/json', headers: [], body, delayMs: 0, completionTokens: 0, meta: { route: 'embeddings', modelIndex: 0, errorKind: null } }), 10_000, full);
    expect(res.finished()).toBe(true);
    expect(res.dropped).toBe(0);
    const text = raw.toString('utf8');
    const headEnd = text.indexOf('\r\n\r\n');
    expect(text.slice(0, headEnd)).toContain(`Content-Length: ${body.length}`);
    expect(text.slice(headEnd + 4)).toBe(body);
  });
});
