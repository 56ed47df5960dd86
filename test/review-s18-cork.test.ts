/**
 * A review of the stream write path that keeps uWS's cork buffer from overflowing (the carry,
 * `src/server/http-exchange.ts`), against the model of uWS 20.30 (`./fixtures/uws-model.ts`):
 * preludes and events larger than the cork buffer, headers held for the first event, faults that
 * cut the stream and a stop token with bytes still carried all arrive whole and framed; and a
 * stream that has sent what it carried does not keep the carry's buffer while it waits. On the
 * real server, a Responses stream whose prelude echoes long instructions arrives whole.
 */
import { connect } from 'node:net';
import type { HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config/schema.js';
import { getRoute, onWheelDue, type Exchange } from '../src/server/http-exchange.js';
import type { Reply, StreamFault, StreamReply } from '../src/server/reply.js';
import { Lane, Step } from '../src/server/stream-plan.js';
import { CANCEL_TABLE_BYTES, StopMarks, StreamStop } from '../src/server/stream-stop.js';
import { ManualClock } from '../src/timing/clock.js';
import type { EmissionSchedule } from '../src/timing/schedule.js';
import { TimerWheel, type TimerHost } from '../src/timing/timer-wheel.js';
import { dechunkStrict } from './fixtures/chunked.js';
import { metric, oneProfileFile, useSimulator } from './fixtures/sim.js';
import { installModelEnv, modelApp, modelRequest, ModelResponse, NO_ROUTE_ERRORS } from './fixtures/uws-model.js';

const clock = new ManualClock(1_000);
const timers: (() => void)[] = [];
const host: TimerHost = { set: (fn) => timers.push(fn), clear: () => {} };
const seen = new Set<Exchange>();
const wheel = new TimerWheel<Exchange>((ex, late) => {
  seen.add(ex);
  onWheelDue(ex, late);
}, clock, host);
function install(overrides: ConfigInput): void {
  installModelEnv(overrides, clock, wheel, ['m']);
}

/** A one-lane stream: a static prelude frame of `prelude` bytes (none for 0), `tokens` tokens of `tokenBytes` bytes, `perEvent` to an event, the first due at `firstMs` and the rest `gapMs` apart. */
interface Shape {
  prelude: number;
  tokens: number;
  tokenBytes: number;
  perEvent: number;
  gapMs: number;
  firstMs: number;
  firstToken?: boolean;
  fault?: StreamFault;
}

/** The stream `s` describes, as a route would return it. */
function reply(s: Shape): StreamReply {
  const tok = Buffer.alloc(s.tokens * s.tokenBytes, 'x');
  for (let i = 0; i < tok.length; i++) tok[i] = 97 + ((i * 7) % 26);
  const offsets = new Int32Array(s.tokens + 1);
  for (let i = 0; i <= s.tokens; i++) offsets[i] = i * s.tokenBytes;
  const steps: Step[] = [];
  if (s.prelude > 0) steps.push(Step.frame(Buffer.from(`data: ${'P'.repeat(s.prelude)}\n\n`)));
  steps.push(new Step(Buffer.from('data: {"t":"'), tok, offsets, 0, s.tokens, Buffer.from('"}\n\n')));
  steps.push(Step.frame(Buffer.from('data: {"finish":true}\n\n')));
  const events = Math.ceil(s.tokens / s.perEvent);
  const atMs = new Float32Array(events);
  const chunk = new Uint8Array(events);
  for (let i = 0; i < events; i++) {
    atMs[i] = s.firstMs + i * s.gapMs;
    chunk[i] = s.perEvent;
  }
  const schedule = { atMs, chunk, events, totalMs: s.firstMs + events * s.gapMs } as unknown as EmissionSchedule;
  return {
    kind: 'stream',
    headers: ['x-h', 'v'],
    lanes: [new Lane(steps)],
    trailer: Buffer.from('data: [DONE]\n\n'),
    schedule,
    entry: null,
    preludeSteps: s.prelude > 0 ? 1 : 0,
    headersAtFirstEvent: s.firstToken,
    fault: s.fault ?? null,
    meta: { route: 'chat_completions', modelIndex: 0, errorKind: null },
  };
}

/** Starts `make`'s reply on a model socket, as uWS does: its handler runs corked. */
function start(make: () => Reply, kernelBytes: number, full = false): ModelResponse {
  const { app, handler } = modelApp();
  getRoute(app, 'get', '/reply', 0, NO_ROUTE_ERRORS, make);
  const res = new ModelResponse(kernelBytes);
  // Filled by a reply before, unread when this one starts.
  if (full) res.kernel.room = 0;
  res.cork(() => handler('get', '/reply')(res as unknown as HttpResponse, modelRequest('/reply')));
  return res;
}

function tick(): void {
  clock.advance(1);
  for (const fn of timers.splice(0)) fn();
}

/** Serves `make`, reading all the kernel holds every `readEvery` ms, until the response is done or closed. */
function serve(make: () => Reply, kernelBytes: number, full = false, readEvery = 1): { res: ModelResponse; raw: Buffer } {
  const res = start(make, kernelBytes, full);
  const read: Buffer[] = [];
  for (let ms = 0; ms < 120_000 && !res.finished() && !res.closed; ms++) {
    if (ms % readEvery === 0) read.push(res.read());
    tick();
  }
  read.push(res.read());
  return { res, raw: Buffer.concat(read) };
}

/** The body of a chunked response cut mid-stream: every chunk framed as it should be, the last one possibly short. */
function dechunkCut(raw: Buffer): Buffer {
  let at = raw.indexOf('\r\n\r\n') + 4;
  const parts: Buffer[] = [];
  while (at < raw.length) {
    const eol = raw.indexOf('\r\n', at);
    const line = raw.subarray(at, eol).toString('latin1');
    expect(line).toMatch(/^[0-9a-f]+$/);
    const end = eol + 2 + parseInt(line, 16);
    parts.push(raw.subarray(eol + 2, Math.min(end, raw.length)));
    if (end >= raw.length) break;
    expect(raw.subarray(end, end + 2).toString('latin1')).toBe('\r\n');
    at = end + 2;
  }
  return Buffer.concat(parts);
}

describe('streams larger than the cork buffer, through clients that read slowly', () => {
  const SHAPES: [string, Shape][] = [
    ['a 40 KB prelude, every event due at once', { prelude: 40_000, tokens: 3000, tokenBytes: 20, perEvent: 1, gapMs: 0, firstMs: 0 }],
    ['a 40 KB prelude, events 5 ms apart', { prelude: 40_000, tokens: 300, tokenBytes: 20, perEvent: 1, gapMs: 5, firstMs: 50 }],
    ['a prelude just under the cork buffer', { prelude: 16_000, tokens: 3000, tokenBytes: 20, perEvent: 1, gapMs: 0, firstMs: 0 }],
    ['30 KB events 5 ms apart', { prelude: 0, tokens: 300, tokenBytes: 300, perEvent: 100, gapMs: 5, firstMs: 20 }],
    ['headers held for the first event, every event due at once', { prelude: 0, tokens: 3000, tokenBytes: 20, perEvent: 1, gapMs: 0, firstMs: 0, firstToken: true }],
    ['headers held for a 60 KB first event', { prelude: 0, tokens: 600, tokenBytes: 300, perEvent: 200, gapMs: 0, firstMs: 0, firstToken: true }],
  ];
  const READERS: [number, boolean, number][] = [
    [9_000, false, 1],
    [9_000, true, 1],
    [5_000, false, 7],
    [40_000, true, 3],
  ];
  for (const [name, shape] of SHAPES) {
    it.each(READERS)(`${name}: a %i-byte kernel buffer (full at the start: %s, read every %i ms) gets every byte, framed`, (kernel, full, every) => {
      install({ speed: shape.gapMs === 0 ? 0 : 1 });
      const whole = serve(() => reply(shape), 1e9);
      const got = serve(() => reply(shape), kernel, full, every);
      expect(got.res.dropped).toBe(0);
      expect(got.res.finished()).toBe(true);
      expect(dechunkStrict(got.raw).toString()).toBe(dechunkStrict(whole.raw).toString());
    });
  }

  it('a stream cancelled (its stop token marked) while its prelude is carried sends the prelude, then its stop event', () => {
    install({ speed: 0 });
    const marks = new StopMarks(new SharedArrayBuffer(CANCEL_TABLE_BYTES), 0);
    const token = marks.draw();
    const shape: Shape = { prelude: 40_000, tokens: 3000, tokenBytes: 20, perEvent: 1, gapMs: 0, firstMs: 0 };
    const r: StreamReply = { ...reply(shape), stop: new StreamStop(marks, token, Buffer.from('data: {"stopped":'), Buffer.from('}\n\n')) };
    marks.mark(token);
    const got = serve(() => r, 9_000);
    expect(got.res.dropped).toBe(0);
    expect(dechunkStrict(got.raw).toString()).toBe(`data: ${'P'.repeat(40_000)}\n\ndata: {"stopped":0}\n\n`);
  });

  it.each([
    ['truncated_json', 'data: {"id":"cut","choi', false],
    ['disconnect_after_tokens', '"}\n\n', false],
    ['truncated_json', 'data: {"id":"cut","choi', true],
    ['disconnect_after_tokens', '"}\n\n', true],
  ] as const)('%s at --speed 0 writes every byte before the cut, then closes (headers held for the first event: %s)', (kind, last, firstToken) => {
    install({ speed: 0 });
    const shape: Shape = { prelude: 0, tokens: 3000, tokenBytes: 20, perEvent: 1, gapMs: 0, firstMs: 0, firstToken, fault: { kind, afterTokens: 2500, errorFrame: null } };
    const got = serve(() => reply(shape), 1e9);
    expect(got.res.dropped).toBe(0);
    expect(got.res.closed).toBe(true);
    const text = dechunkCut(got.raw).toString('latin1');
    expect(text.endsWith(last)).toBe(true);
    // Every event before the cut is there: 2,500 tokens of 20 bytes.
    expect(text.split('data: {"t":"').length - 1).toBe(2500);
  });
});

describe('a stream that has sent what it carried and waits for its next event', () => {
  it('does not keep the carry buffer (a 40 KB Responses-like prelude held 80 KB for the whole stream)', () => {
    install({ speed: 1 });
    seen.clear();
    const shape: Shape = { prelude: 40_000, tokens: 30, tokenBytes: 20, perEvent: 1, gapMs: 1_000, firstMs: 1_000 };
    const res = start(() => reply(shape), 1e9);
    // The prelude goes out over the first corks; the first event is due a second later.
    for (let ms = 0; ms < 500; ms++) {
      res.read();
      tick();
    }
    expect(seen.size).toBe(1);
    const ex = [...seen][0]!;
    expect(ex.phase).toBe('streaming');
    expect(ex.carryEnd - ex.carryStart).toBe(0);
    expect(ex.carry).toBeNull();
    // A carry needed again later is made again, and the stream still arrives whole.
    const read: Buffer[] = [];
    for (let ms = 0; ms < 60_000 && !res.finished(); ms++) {
      read.push(res.read());
      tick();
    }
    read.push(res.read());
    expect(res.finished()).toBe(true);
    expect(Buffer.concat(read).toString()).toContain('data: [DONE]');
  });
});

describe('a JSON reply of multibyte text about as long as the cork buffer', () => {
  it.each([0, 1, 2])('to a full socket arrives whole, whatever its length in bytes against its length in characters (offset %i)', (shift) => {
    install({ speed: 0 });
    for (let bytes = 15_900 + shift; bytes < 16_400; bytes += 3) {
      // Two-byte characters, and one or two ASCII ones to land on every byte length.
      const text = 'é'.repeat(Math.floor((bytes - 2) / 2)) + 'a'.repeat((bytes - 2) % 2);
      const body = JSON.stringify(text);
      expect(Buffer.byteLength(body)).toBe(bytes);
      const got = serve(() => ({ kind: 'json', status: 200, contentType: 'application/json', headers: ['x-h', 'v'], body, delayMs: 0, completionTokens: 0, meta: { route: 'embeddings', modelIndex: 0, errorKind: null } }), 9_000, true);
      expect(got.res.dropped).toBe(0);
      expect(got.res.finished()).toBe(true);
      const raw = got.raw.toString('utf8');
      expect(raw.slice(raw.indexOf('\r\n\r\n') + 4)).toBe(body);
    }
  });
});

/** A Responses stream request whose response.created and response.in_progress echo 60 KB of instructions. */
const RESPONSES_REQUEST = (() => {
  const body = JSON.stringify({ model: 'gpt-4o-mini', input: 'Hi', stream: true, instructions: 'Be brief. '.repeat(6_000) });
  return `POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer sk-test\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
})();

/** Sends `request` on a socket that reads nothing until the stream is paused, then reads it to its end. */
async function readLate(port: number, request: string, paused: () => Promise<void>): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1', () => socket.write(request));
  socket.pause();
  await paused();
  const chunks: Buffer[] = [];
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      let tail = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        tail = Buffer.concat([tail, d]).subarray(-16);
        if (tail.includes('\r\n0\r\n\r\n')) resolve(Buffer.concat(chunks));
      });
      socket.on('close', () => reject(new Error(`closed after ${Buffer.concat(chunks).length} bytes`)));
      socket.resume();
    });
  } finally {
    socket.destroy();
  }
}

describe.each([0, 1])('a Responses stream whose prelude echoes 60 KB of instructions, --speed %i, read late', (speed) => {
  const sim = useSimulator({ speed, profiles: oneProfileFile(20, 1), stalledStreamTimeoutMs: 20_000 });

  it('arrives whole and framed: the prelude, every event, response.completed', async () => {
    const raws = await Promise.all(
      Array.from({ length: 4 }, () => readLate(sim().port, RESPONSES_REQUEST, () => new Promise((r) => setTimeout(r, 300)))),
    );
    for (const raw of raws) {
      const body = dechunkStrict(raw).toString('utf8');
      const events = body.split('\n\n').filter((e) => e.includes('data: '));
      const types = events.map((e) => (JSON.parse(e.slice(e.indexOf('data: ') + 6)) as { type: string }).type);
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
      expect(body.split('Be brief. '.repeat(6_000)).length - 1).toBeGreaterThanOrEqual(3);
    }
    await expect.poll(() => metric(sim(), 'understudy_active_streams')).toBe(0);
  }, 15_000);
});
