/**
 * A scenario's delays, durations, factors and counts have upper bounds: an absurd value
 * (`retryAfterMs: 1e300`) was accepted and sent `retry-after: 1e+297`. It is now refused with
 * SIM_ERR_SCENARIO_INVALID naming the field, from a file at start-up and through the admin API.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/chaos/scenario.js';
import { startSimulator } from '../src/index.js';
import { postJson, tempFile, useSimulator } from './fixtures/sim.js';

const phase = (extra: Record<string, unknown>, fault: Record<string, unknown> = { kind: 'rate_limit' }): unknown => ({ name: 'bad', phases: [{ name: 'p', ...extra, faults: [fault] }] });

const absurd: readonly [string, unknown, RegExp][] = [
  ['retryAfterMs', phase({}, { kind: 'rate_limit', retryAfterMs: 1e300 }), /phases\[0\]\.faults\[0\]\.retryAfterMs: must be at most 86400000 ms/],
  ['delayMs', phase({}, { kind: 'timeout_slow_answer', delayMs: 1e12 }), /phases\[0\]\.faults\[0\]\.delayMs: must be at most 86400000 ms/],
  ['factorFrom', phase({}, { kind: 'ttft_brownout', factorFrom: 1e300, factorTo: 1e300 }), /phases\[0\]\.faults\[0\]\.factorFrom: must be at most 1000/],
  ['factorTo', phase({}, { kind: 'slow_tokens', factorFrom: 1, factorTo: 1e6 }), /phases\[0\]\.faults\[0\]\.factorTo: must be at most 1000/],
  ['afterTokens', phase({}, { kind: 'disconnect_after_tokens', afterTokens: 1e12 }), /phases\[0\]\.faults\[0\]\.afterTokens: must be at most 1000000/],
  ['start (ms)', phase({ start: 1e300 }), /phases\[0\]\.start: must be at most 2592000000 ms/],
  ['start (units)', phase({ start: '99999999h' }), /phases\[0\]\.start: must be at most 2592000000 ms/],
  ['duration', phase({ duration: '1000000000000s' }), /phases\[0\]\.duration: must be at most 2592000000 ms/],
];

describe('scenario bounds', () => {
  it.each(absurd)('refuses an absurd %s, naming the field', (_field, raw, message) => {
    expect(() => parseScenario(raw, 'test')).toThrow(expect.objectContaining({ code: 'SIM_ERR_SCENARIO_INVALID', message: expect.stringMatching(message) }));
  });

  it('accepts the bounds themselves', () => {
    expect(() => parseScenario(phase({ start: '720h', duration: 2_592_000_000 }, { kind: 'rate_limit', retryAfterMs: 86_400_000 }), 'test')).not.toThrow();
    expect(() => parseScenario(phase({}, { kind: 'ttft_brownout', factorFrom: 1000, factorTo: 1000 }), 'test')).not.toThrow();
  });

  it('refuses a scenario file with one at start-up', async () => {
    const file = tempFile('absurd.json', phase({}, { kind: 'rate_limit', retryAfterMs: 1e300 }));
    await expect(startSimulator({ threads: 1, speed: 0, scenario: file })).rejects.toMatchObject({ code: 'SIM_ERR_SCENARIO_INVALID', message: expect.stringMatching(/retryAfterMs: must be at most/) });
  });
});

describe('scenario bounds through the admin API', () => {
  const sim = useSimulator();
  const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

  it('refuses an absurd retryAfterMs and keeps no scenario; a day is sent as 86400 s', async () => {
    const refused = await postJson(sim().url, '/_understudy/scenario', phase({}, { kind: 'rate_limit', retryAfterMs: 1e300 }));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toMatch(/SIM_ERR_SCENARIO_INVALID.*retryAfterMs: must be at most 86400000 ms/);
    const ok = await postJson(sim().url, '/v1/chat/completions', chat);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();

    expect((await postJson(sim().url, '/_understudy/scenario', phase({}, { kind: 'rate_limit', retryAfterMs: 86_400_000 }))).status).toBe(200);
    const limited = await postJson(sim().url, '/v1/chat/completions', chat);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('86400');
    await limited.arrayBuffer();
    await fetch(`${sim().url}/_understudy/scenario`, { method: 'DELETE' });
  });
});
