/**
 * A profile's `capacity` slows a request for the others in flight; a request sent once the one
 * before it has ended has none beside it, and must be planned as a lone one on any `--threads`.
 * A stream gave its slot back only after the cork that ended it had gone out: a client that read
 * the end and sent its next request on a new connection, which another thread took, was slowed
 * as if two were in flight whenever the first thread had not yet got on to the release (1 to 3
 * of 8 such requests on two threads here, where one thread never shows it). Against the model of
 * uWS (`./fixtures/uws-model.ts`): the slot is free before any byte of the end leaves.
 */
import type { HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { describe, expect, it } from 'vitest';
import { getRoute, onWheelDue, type Exchange } from '../src/server/http-exchange.js';
import type { Reply } from '../src/server/reply.js';
import { Lane, Step } from '../src/server/stream-plan.js';
import { ManualClock } from '../src/timing/clock.js';
import type { EmissionSchedule } from '../src/timing/schedule.js';
import { TimerWheel, type TimerHost } from '../src/timing/timer-wheel.js';
import { installModelEnv, modelApp, modelRequest, ModelResponse, NO_ROUTE_ERRORS } from './fixtures/uws-model.js';

const clock = new ManualClock(1_000);
const timers: (() => void)[] = [];
const host: TimerHost = { set: (fn) => timers.push(fn), clear: () => {} };
const wheel = new TimerWheel<Exchange>((ex, late) => onWheelDue(ex, late), clock, host);

const SLOT = 3;
const TOKENS = 4;

/** A one-lane stream of TOKENS events 5 ms apart, the first at 5 ms (on the wheel, after the handler's cork), holding capacity slot SLOT. */
function stream(): Reply {
  const tokens = Buffer.from('abcd');
  const offsets = Int32Array.from({ length: TOKENS + 1 }, (_, i) => i);
  const atMs = Float32Array.from({ length: TOKENS }, (_, i) => 5 + 5 * i);
  const schedule = { atMs, chunk: new Uint8Array(TOKENS).fill(1), events: TOKENS, totalMs: 5 * (TOKENS + 1) } as unknown as EmissionSchedule;
  return {
    kind: 'stream',
    headers: [],
    lanes: [new Lane([new Step(Buffer.from('data: {"t":"'), tokens, offsets, 0, TOKENS, Buffer.from('"}\n\n'))])],
    trailer: Buffer.from('data: [DONE]\n\n'),
    schedule,
    entry: null,
    preludeSteps: 0,
    fault: null,
    meta: { route: 'chat_completions', modelIndex: 0, errorKind: null, saturationSlot: SLOT },
  };
}

describe('a capacity slot held by a stream', () => {
  it('is given back before the bytes that end the stream leave for the client', () => {
    let res: ModelResponse | null = null;
    /** What the client could have read when the slot went back. */
    const atRelease: string[] = [];
    installModelEnv({}, clock, wheel, ['m'], (slot) => {
      expect(slot).toBe(SLOT);
      atRelease.push(Buffer.concat(res!.kernel.taken).toString('latin1'));
    });
    const { app, handler } = modelApp();
    getRoute(app, 'get', '/stream', 0, NO_ROUTE_ERRORS, stream);
    res = new ModelResponse(1 << 20);
    const r = res;
    r.cork(() => handler('get', '/stream')(r as unknown as HttpResponse, modelRequest('/stream')));
    for (let ms = 0; ms < 100 && !r.finished(); ms++) {
      clock.advance(1);
      for (const fn of timers.splice(0)) fn();
    }
    expect(r.finished()).toBe(true);
    const sent = Buffer.concat(r.kernel.taken).toString('latin1');
    expect(sent).toContain('data: [DONE]');
    expect(sent.endsWith('0\r\n\r\n')).toBe(true);
    // Once, and while neither the trailer nor the chunked terminator had gone out.
    expect(atRelease).toHaveLength(1);
    expect(atRelease[0]).not.toContain('[DONE]');
    expect(atRelease[0]!.endsWith('0\r\n\r\n')).toBe(false);
  });
});
