/**
 * Hostile clients on the streaming surfaces `test/stream-cleanup.test.ts` leaves out (chat with
 * tools, n and include_usage; Grok; Azure's v1 Responses; Anthropic thinking with tools; Gemini's
 * OpenAI-compatible route; a resumed Responses stream whose response is cancelled while it is
 * open), with `--headers-at first-token`, a profile's capacity, an output-token limit that
 * reserves max_tokens, chaos faults and two threads. Each client leaves at a seeded point: half
 * way through its request, before any response byte, mid-frame, right at the end, or by
 * half-closing its socket. Afterwards nothing the simulator keeps per stream or per request may
 * survive: no open or paused stream, no held request, no exchange in flight, no capacity slot (a
 * lone request is not slowed) and no output reservation (the limit's remaining tokens come back).
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../src/index.js';
import { capacityProbeProfiles, loneTtft, PROBE_TTFT_MS } from './fixtures/capacity-probe.js';
import { metric, tempFile, useSimulator } from './fixtures/sim.js';

/** mulberry32: the abort points are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The hostile requests set their own TTFT, which the capacity does not scale.
const PROFILES = capacityProbeProfiles();

/** Output tokens per minute far above what the clients produce, far below what they reserve. */
const OUTPUT_LIMIT = 2_000_000;
const QUOTA = tempFile('quota.json', { defaults: { requestsPerMinute: 1_000_000, tokensPerMinute: 100_000_000 }, models: { claude: { requestsPerMinute: 1_000_000, inputTokensPerMinute: 100_000_000, outputTokensPerMinute: OUTPUT_LIMIT } } });

const OPENAI = { authorization: 'Bearer sk-test' };
const ANTHROPIC = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' };
const WEATHER = { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

interface Surface {
  readonly name: string;
  readonly method: 'POST' | 'GET';
  readonly path: string | ((bg: string) => string);
  readonly body: Record<string, unknown> | null;
  readonly headers: Record<string, string>;
}

const SURFACES: readonly Surface[] = [
  {
    name: 'chat, n 2, tools, include_usage',
    method: 'POST',
    path: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, n: 2, tools: [WEATHER], stream_options: { include_usage: true } },
    headers: OPENAI,
  },
  { name: 'Grok 3 Mini (reasoning_content)', method: 'POST', path: '/v1/chat/completions', body: { model: 'grok-3-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, reasoning_effort: 'low' }, headers: OPENAI },
  { name: 'legacy completions, include_usage', method: 'POST', path: '/v1/completions', body: { model: 'gpt-3.5-turbo-instruct', prompt: 'Hi', stream: true, max_tokens: 200, n: 2, stream_options: { include_usage: true } }, headers: OPENAI },
  {
    name: 'Responses with tools',
    method: 'POST',
    path: '/v1/responses',
    body: { model: 'gpt-4o-mini', input: 'Hi', stream: true, tools: [{ type: 'function', name: 'get_weather', parameters: WEATHER.function.parameters }] },
    headers: OPENAI,
  },
  { name: 'a background Responses stream', method: 'POST', path: '/v1/responses', body: { model: 'gpt-4o-mini', input: 'Hi', stream: true, background: true }, headers: OPENAI },
  { name: 'a resumed Responses stream', method: 'GET', path: (bg) => `/v1/responses/${bg}?stream=true&starting_after=2`, body: null, headers: OPENAI },
  { name: "Azure's v1 Responses", method: 'POST', path: '/openai/v1/responses', body: { model: 'gpt-4o-mini', input: 'Hi', stream: true }, headers: { 'api-key': 'test' } },
  {
    name: 'an Azure deployment',
    method: 'POST',
    path: '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21',
    body: { messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } },
    headers: { 'api-key': 'test' },
  },
  {
    name: 'Anthropic thinking with tools',
    method: 'POST',
    path: '/v1/messages',
    body: {
      model: 'claude-sonnet-4-5',
      max_tokens: 20_000,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [{ name: 'get_weather', description: 'Weather in a city', input_schema: WEATHER.function.parameters }],
      messages: [{ role: 'user', content: 'Hi' }],
    },
    headers: ANTHROPIC,
  },
  { name: 'Anthropic plain', method: 'POST', path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: 20_000, stream: true, messages: [{ role: 'user', content: 'Hi' }] }, headers: ANTHROPIC },
  {
    name: 'Gemini streamGenerateContent (alt=sse), thinking shown',
    method: 'POST',
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    body: { contents: [{ parts: [{ text: 'Hi' }] }], generationConfig: { thinkingConfig: { includeThoughts: true } } },
    headers: { 'x-goog-api-key': 'test' },
  },
  {
    name: 'Gemini streamGenerateContent (JSON array), tools',
    method: 'POST',
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
    body: { contents: [{ parts: [{ text: 'Hi' }] }], tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } } }] }] },
    headers: { 'x-goog-api-key': 'test' },
  },
  {
    name: "Gemini's OpenAI-compatible chat",
    method: 'POST',
    path: '/v1beta/openai/chat/completions',
    body: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } },
    headers: { authorization: 'Bearer test' },
  },
];

function requestBytes(s: Surface, bg: string, extra: Record<string, string>): Buffer {
  const path = typeof s.path === 'string' ? s.path : s.path(bg);
  const body = s.body === null ? '' : JSON.stringify(s.body);
  const lines = [`${s.method} ${path} HTTP/1.1`, 'host: 127.0.0.1', ...Object.entries({ ...s.headers, ...extra }).map(([k, v]) => `${k}: ${v}`)];
  if (s.body !== null) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** Where a client leaves. */
type Leave = 'mid-request' | 'before-response' | 'mid-stream' | 'at-end' | 'half-close';
const LEAVES: readonly Leave[] = ['mid-request', 'before-response', 'mid-stream', 'at-end', 'half-close'];

interface Outcome {
  readonly leave: Leave;
  readonly bytes: number;
  /** The server closed the connection before the client left. */
  readonly closedByServer: boolean;
  /** Still open when the client gave up waiting (4 s). */
  readonly gaveUp: boolean;
}

/**
 * One client that leaves as `leave` says; resolves once it has. `mid-stream` leaves after
 * `afterBytes` response bytes (mostly in the middle of a frame); `at-end` once the chunked
 * terminator arrives; `half-close` sends its request and then its FIN, and waits.
 */
function hostileClient(sim: Simulator, request: Buffer, leave: Leave, afterBytes: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let bytes = 0;
    let tail = '';
    let left = false;
    const socket: Socket = connect(sim.port, '127.0.0.1');
    const go = (closedByServer: boolean, gaveUp = false): void => {
      if (left) return;
      left = true;
      clearTimeout(patience);
      socket.destroy();
      resolve({ leave, bytes, closedByServer, gaveUp });
    };
    const patience = setTimeout(() => go(false, true), 4000);
    socket.on('error', () => go(true));
    socket.on('close', () => go(true));
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
      tail = (tail + d.toString('latin1')).slice(-16);
      // A stream shorter than `afterBytes` is left at its end.
      if ((leave === 'mid-stream' && bytes >= afterBytes) || tail.endsWith('\r\n0\r\n\r\n')) go(false);
    });
    socket.on('connect', () => {
      if (leave === 'mid-request') {
        // The head and part of the body (or of the head, for a GET): the request is never whole.
        socket.write(request.subarray(0, Math.max(1, request.length - 7)));
        setTimeout(() => go(false), 20);
        return;
      }
      socket.write(request);
      if (leave === 'before-response') setImmediate(() => go(false));
      else if (leave === 'half-close') {
        socket.end();
        // A client that half-closes still reads; it gives up after a while.
        setTimeout(() => go(false), 2000);
      }
    });
  });
}

interface Stats {
  readonly activeStreams: number;
  readonly pausedStreams: number;
  readonly heldRequests: number;
}

async function gauges(sim: Simulator): Promise<number[]> {
  const s = (await (await fetch(`${sim.url}/_understudy/stats`)).json()) as Stats;
  return [s.activeStreams, s.pausedStreams, s.heldRequests, await metric(sim, 'understudy_active_streams'), await metric(sim, 'understudy_paused_streams'), await metric(sim, 'understudy_held_requests')];
}

async function backgroundResponse(sim: Simulator, ttftMs: string): Promise<string> {
  const res = await fetch(`${sim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-understudy-ttft-ms': ttftMs, ...OPENAI }, body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hi', background: true }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

/** A lone chat request's planned TTFT: 50.0 unless capacity slots are still counted. */
/** What is left of the Claude output-token limit, read from a lone request's headers. */
async function outputTokensLeft(sim: Simulator): Promise<number> {
  const res = await fetch(`${sim.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...ANTHROPIC }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] }) });
  await res.arrayBuffer();
  return Number(res.headers.get('anthropic-ratelimit-output-tokens-remaining'));
}

/** `perSurface` clients of every surface, each leaving at a seeded point; resolves when all have left. */
async function hostileRound(sim: Simulator, seed: number, perSurface: number, extra: Record<string, string> = {}): Promise<Outcome[]> {
  const rand = seeded(seed);
  const bg = await backgroundResponse(sim, '30');
  const pending: Promise<Outcome>[] = [];
  for (const s of SURFACES) {
    for (let i = 0; i < perSurface; i++) {
      const leave = LEAVES[Math.floor(rand() * LEAVES.length)]!;
      pending.push(hostileClient(sim, requestBytes(s, bg, { 'x-understudy-ttft-ms': String(Math.floor(rand() * 60)), ...extra }), leave, 1 + Math.floor(rand() * 3000)));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  // The background response is cancelled while its resumed streams run: they end with its
  // response.failed event at their next event, whatever their clients are doing.
  const cancel = await fetch(`${sim.url}/v1/responses/${bg}/cancel`, { method: 'POST', headers: OPENAI });
  expect(((await cancel.json()) as { status: string }).status).toBe('cancelled');
  return Promise.all(pending);
}

async function expectNothingLeft(sim: Simulator, threads: number): Promise<void> {
  await expect.poll(() => gauges(sim), { timeout: 10_000 }).toEqual([0, 0, 0, 0, 0, 0]);
  if (threads === 1) {
    // The health check itself is the one exchange in flight, and nothing waits on the timer wheel.
    const health = (await (await fetch(`${sim.url}/_understudy/health`)).json()) as { inFlight: number; wheelTasks: number };
    expect([health.inFlight, health.wheelTasks]).toEqual([1, 0]);
  }
  expect(await loneTtft(sim)).toBe(`${PROBE_TTFT_MS}.0`);
}

describe.each([1, 2])('hostile clients on every streaming surface, headers at the first token, %i thread(s)', (threads) => {
  const sim = useSimulator({ threads, speed: 1, seed: 26, headersAt: 'first-token', profiles: PROFILES, quota: QUOTA });

  it('the probes see a stream still open: its capacity slot doubles a lone TTFT, and the thread counts it in flight and on its wheel', async () => {
    expect(await loneTtft(sim())).toBe(`${PROBE_TTFT_MS}.0`);
    const waiting = connect(sim().port, '127.0.0.1', () => waiting.write(requestBytes(SURFACES[0]!, '', { 'x-understudy-ttft-ms': '600000' })));
    await expect.poll(() => metric(sim(), 'understudy_active_streams')).toBe(1);
    expect(await loneTtft(sim())).toBe(`${2 * PROBE_TTFT_MS}.0`);
    if (threads === 1) {
      const health = (await (await fetch(`${sim().url}/_understudy/health`)).json()) as { inFlight: number; wheelTasks: number };
      expect([health.inFlight, health.wheelTasks]).toEqual([2, 1]);
    }
    waiting.destroy();
    await expectNothingLeft(sim(), threads);
  });

  it('leaves no stream, exchange, capacity slot or output reservation behind, wherever the clients leave', async () => {
    const before = await outputTokensLeft(sim());
    const outcomes = await hostileRound(sim(), 1000 + threads, 16);
    // Every kind of leave happened, and some clients left mid-stream with part of a frame read.
    for (const leave of LEAVES) expect(outcomes.filter((o) => o.leave === leave).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.leave === 'mid-stream' && !o.closedByServer).length).toBeGreaterThan(0);
    // README: a half-closed connection is taken as gone, and closed.
    expect(outcomes.filter((o) => o.leave === 'half-close' && o.closedByServer).length).toBeGreaterThan(0);
    await expectNothingLeft(sim(), threads);
    // Each Claude request reserved 20,000 output tokens, 2 × 16 × 20,000 = 640,000 in all: given
    // back, less what was produced, when each client left.
    expect(await outputTokensLeft(sim())).toBeGreaterThan(before - 50_000);
    expect(before).toBeGreaterThan(OUTPUT_LIMIT - 1_000);
  }, 30_000);
});

describe('hostile clients while every chaos fault strikes them, two threads', () => {
  // Aimed by a header, so the probes (and the background response the resumed streams need) are spared.
  const scenario = tempFile('faults.json', {
    name: 'every-fault',
    phases: [
      {
        name: 'all',
        target: { header: { name: 'x-hostile', value: 'on' } },
        faults: [
          { kind: 'disconnect_after_tokens', probability: 0.07, afterTokens: 3 },
          { kind: 'truncated_json', probability: 0.07, afterTokens: 2 },
          { kind: 'malformed_frame', probability: 0.07, afterTokens: 1 },
          { kind: 'stream_overloaded', probability: 0.07, afterTokens: 4 },
          { kind: 'missing_done', probability: 0.07 },
          { kind: 'slow_tokens', probability: 0.07, factorFrom: 3, factorTo: 3 },
          { kind: 'ttft_brownout', probability: 0.07, factorFrom: 2, factorTo: 2 },
          { kind: 'timeout_no_answer', probability: 0.07 },
          { kind: 'timeout_slow_answer', probability: 0.07, delayMs: 60_000 },
          { kind: 'reset_before_headers', probability: 0.05 },
          { kind: 'empty_200', probability: 0.05 },
          { kind: 'rate_limit', probability: 0.05 },
          { kind: 'overloaded_529', probability: 0.05 },
        ],
      },
    ],
  });
  const sim = useSimulator({ threads: 2, speed: 1, seed: 27, headersAt: 'first-token', profiles: PROFILES, quota: QUOTA, scenario });

  it('leaves no stream, held request, capacity slot or output reservation behind', async () => {
    const before = await outputTokensLeft(sim());
    const outcomes = await hostileRound(sim(), 2026, 16, { 'x-hostile': 'on' });
    expect(outcomes.filter((o) => o.closedByServer).length).toBeGreaterThan(0);
    for (const kind of ['timeout_no_answer', 'timeout_slow_answer', 'disconnect_after_tokens', 'reset_before_headers']) {
      expect(await metric(sim(), `understudy_faults_injected_total{kind="${kind}"}`), kind).toBeGreaterThan(0);
    }
    await expectNothingLeft(sim(), 2);
    expect(await outputTokensLeft(sim())).toBeGreaterThan(before - 50_000);
  }, 30_000);
});
