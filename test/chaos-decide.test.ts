import { describe, expect, it } from 'vitest';
import { decideFaults, NO_FAULTS, type RequestFacts } from '../src/chaos/decide.js';
import { parseScenario } from '../src/chaos/scenario.js';

const facts = (arrivalIndex: number, over: Partial<RequestFacts> = {}): RequestFacts => ({
  arrivalIndex,
  elapsedMs: 0,
  route: 'chat_completions',
  dialect: 'openai',
  model: 'gpt-4o-mini',
  apiKey: 'sk-a',
  header: () => '',
  ...over,
});

const storm = parseScenario(
  {
    name: 'storm',
    phases: [
      { name: 'calm', start: 0, duration: '10s', faults: [{ kind: 'rate_limit', probability: 0 }] },
      { name: 'storm', start: '10s', duration: '20s', faults: [{ kind: 'rate_limit', probability: 0.3, retryAfterMs: 500 }] },
    ],
  },
  'test',
);

describe('decideFaults', () => {
  it('injects nothing without a scenario', () => {
    expect(decideFaults(null, 1, facts(0))).toBe(NO_FAULTS);
  });

  it('fires only inside the active phase, at about the configured rate', () => {
    const calm = Array.from({ length: 2000 }, (_, i) => decideFaults(storm, 7, facts(i, { elapsedMs: 5000 })).terminal);
    expect(calm.every((t) => t === null)).toBe(true);
    const during = Array.from({ length: 4000 }, (_, i) => decideFaults(storm, 7, facts(i, { elapsedMs: 15_000 })).terminal);
    const rate = during.filter((t) => t?.kind === 'rate_limit').length / during.length;
    expect(rate).toBeGreaterThan(0.27);
    expect(rate).toBeLessThan(0.33);
    expect(decideFaults(storm, 7, facts(1, { elapsedMs: 30_000 })).terminal).toBeNull();
  });

  it('is a pure function of seed and arrival index (the same on every thread), and differs by seed', () => {
    const seq = (seed: number) => Array.from({ length: 300 }, (_, i) => decideFaults(storm, seed, facts(i, { elapsedMs: 12_000 })).terminal !== null);
    expect(seq(3)).toEqual(seq(3));
    expect(seq(3)).not.toEqual(seq(4));
  });

  it('phases can be counted in requests', () => {
    const s = parseScenario({ name: 'n', phases: [{ name: 'burst', startAfterRequests: 10, requests: 5, faults: [{ kind: 'server_error_500' }] }] }, 't');
    const hit = Array.from({ length: 20 }, (_, i) => decideFaults(s, 1, facts(i)).terminal !== null);
    expect(hit.map((h, i) => (h ? i : -1)).filter((i) => i >= 0)).toEqual([10, 11, 12, 13, 14]);
  });

  it('a phase of requests alone covers the first requests after the load', () => {
    const s = parseScenario({ name: 'n', phases: [{ name: 'first', requests: 3, faults: [{ kind: 'unavailable_503' }] }] }, 't');
    const hit = Array.from({ length: 6 }, (_, i) => decideFaults(s, 1, facts(i, { elapsedMs: 60_000 })).terminal !== null);
    expect(hit).toEqual([true, true, true, false, false, false]);
  });

  it('a request outside the count (position -1) is in no counted phase', () => {
    const s = parseScenario({ name: 'n', phases: [{ name: 'first', requests: 3, faults: [{ kind: 'unavailable_503' }] }] }, 't');
    expect(decideFaults(s, 1, facts(-1)).terminal).toBeNull();
  });

  it('in a timed phase, a request outside the count meets only the certain faults (such requests would share one draw)', () => {
    for (let seed = 0; seed < 40; seed++) expect(decideFaults(storm, seed, facts(-1, { elapsedMs: 15_000 })).terminal).toBeNull();
    const certain = parseScenario({ name: 'c', phases: [{ name: 'p', faults: [{ kind: 'unavailable_503' }] }] }, 't');
    expect(decideFaults(certain, 1, facts(-1)).terminal?.kind).toBe('unavailable_503');
  });

  it('matches targets: dialect, model prefix, key, header', () => {
    const s = parseScenario(
      {
        name: 't',
        phases: [{ name: 'p', target: { dialects: ['anthropic'], models: ['claude-'], apiKeys: ['sk-b'], header: { name: 'X-Env', value: 'staging' } }, faults: [{ kind: 'overloaded_529' }] }],
      },
      't',
    );
    const base = { dialect: 'anthropic' as const, model: 'claude-sonnet-4-6', apiKey: 'sk-b', header: (n: string) => (n === 'x-env' ? 'staging' : '') };
    expect(decideFaults(s, 1, facts(0, base)).terminal?.kind).toBe('overloaded_529');
    expect(decideFaults(s, 1, facts(0, { ...base, dialect: 'openai' })).terminal).toBeNull();
    expect(decideFaults(s, 1, facts(0, { ...base, model: 'gpt-4o' })).terminal).toBeNull();
    expect(decideFaults(s, 1, facts(0, { ...base, apiKey: 'sk-a' })).terminal).toBeNull();
    expect(decideFaults(s, 1, facts(0, { ...base, header: () => 'prod' })).terminal).toBeNull();
  });

  it('ramps a brownout across its phase and multiplies latency faults', () => {
    const s = parseScenario(
      {
        name: 'b',
        phases: [
          {
            name: 'brownout',
            duration: '100s',
            faults: [
              { kind: 'ttft_brownout', factorFrom: 1, factorTo: 11 },
              { kind: 'slow_tokens', factorFrom: 2, factorTo: 2 },
            ],
          },
        ],
      },
      't',
    );
    expect(decideFaults(s, 1, facts(0, { elapsedMs: 0 })).ttftFactor).toBeCloseTo(1);
    expect(decideFaults(s, 1, facts(0, { elapsedMs: 50_000 })).ttftFactor).toBeCloseTo(6);
    expect(decideFaults(s, 1, facts(0, { elapsedMs: 90_000 })).itlFactor).toBeCloseTo(2);
  });

  it('keeps one terminal and one stream fault, first listed first', () => {
    const s = parseScenario(
      { name: 'm', phases: [{ name: 'p', faults: [{ kind: 'unavailable_503' }, { kind: 'rate_limit' }, { kind: 'disconnect_after_tokens' }] }] },
      't',
    );
    const plan = decideFaults(s, 1, facts(0));
    expect(plan.terminal?.kind).toBe('unavailable_503');
    expect(plan.stream).toBeNull();
  });
});

describe('scenario validation', () => {
  it.each([
    [{ name: 'x', phases: [] }, /phases: Too small/],
    [{ name: 'x', phases: [{ name: 'p', faults: [{ kind: 'meteor_strike' }] }] }, /phases\[0\]\.faults\[0\]\.kind/],
    [{ name: 'x', phases: [{ name: 'p', faults: [{ kind: 'rate_limit', probability: 2 }] }] }, /phases\[0\]\.faults\[0\]\.probability/],
    [{ name: 'x', phases: [{ name: 'p', duration: 'soon', faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\]\.duration: must be a duration/],
    [{ name: 'x', phases: [{ name: 'p', duration: '1s', requests: 3, faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\] sets both duration and requests/],
    [{ name: 'x', phases: [{ name: 'p', startAfterRequests: 5, duration: '10s', faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\] sets both duration and startAfterRequests; a phase is timed \(start, duration\) or counted/],
    [{ name: 'x', phases: [{ name: 'p', start: '1s', requests: 10, faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\] sets both start and requests/],
    [{ name: 'x', phases: [{ name: 'p', start: 0, startAfterRequests: 10, faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\] sets both start and startAfterRequests/],
    [{ name: 'x', phases: [{ name: 'p', faults: [{ kind: 'ttft_brownout', factorFrom: 1, factorTo: 3 }] }] }, /phases\[0\]\.faults\[0\]: a ramp/],
    [{ name: 'x', extra: 1, phases: [{ name: 'p', faults: [{ kind: 'rate_limit' }] }] }, /Unrecognized key/],
    [{ name: 'x', phases: [{ name: 'p', target: { dialects: ['cohere'] }, faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\]\.target\.dialects\[0\]/],
    // A phase of no time loaded and never fired.
    [{ name: 'x', phases: [{ name: 'p', duration: '0s', faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\]\.duration: must be more than 0/],
    [{ name: 'x', phases: [{ name: 'p', start: '10s', duration: 0, faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\]\.duration: must be more than 0/],
    // A field its kind does not read was dropped: no retry-after on a 500, no cut point on a 503.
    [{ name: 'x', phases: [{ name: 'p', faults: [{ kind: 'server_error_500', retryAfterMs: 2000 }] }] }, /phases\[0\]\.faults\[0\]\.retryAfterMs: server_error_500 does not use it \(it applies to rate_limit, overloaded_529, unavailable_503\)/],
    [{ name: 'x', phases: [{ name: 'p', faults: [{ kind: 'rate_limit' }, { kind: 'unavailable_503', afterTokens: 3 }] }] }, /phases\[0\]\.faults\[1\]\.afterTokens: unavailable_503 does not use it/],
    [{ name: 'x', phases: [{ name: 'p', faults: [{ kind: 'timeout_no_answer', delayMs: 100 }] }] }, /phases\[0\]\.faults\[0\]\.delayMs: timeout_no_answer does not use it/],
    [{ name: 'x', phases: [{ name: 'p', duration: '1m', faults: [{ kind: 'rate_limit', factorTo: 3 }] }] }, /phases\[0\]\.faults\[0\]\.factorTo: rate_limit does not use it/],
    // A path where a route id belongs matched no request: the phase loaded and never fired.
    [{ name: 'x', phases: [{ name: 'p', target: { routes: ['/v1/chat/completions'] }, faults: [{ kind: 'rate_limit' }] }] }, /phases\[0\]\.target\.routes\[0\]: "\/v1\/chat\/completions" is not a route id \(chat_completions, /],
  ])('rejects %j naming the field', (raw, message) => {
    expect(() => parseScenario(raw, 'scenario.yaml')).toThrow(message);
    try {
      parseScenario(raw, 'scenario.yaml');
    } catch (err) {
      expect((err as { code: string }).code).toBe('SIM_ERR_SCENARIO_INVALID');
    }
  });
});
