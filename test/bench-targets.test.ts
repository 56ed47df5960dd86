/** The bench's target verdicts and the figures they print. */
import { describe, expect, it } from 'vitest';
import type { NonStreamResult } from '../bench/nonstream.js';
import { evaluateTargets } from '../bench/targets.js';

describe('the non-streaming target', () => {
  it('names the CPU ratio for what it is: requests per server CPU second, simulator ÷ bare', () => {
    const side = (reqPerSec: number, serverCpuUsPerReq: number) => ({ reqPerSec, serverCpuUsPerReq });
    // The simulator spends 19 µs of server CPU per request where bare uWS spends 11: it serves 11/19 of bare's requests per CPU second.
    const ns = { ratio: 0.756, cpuRatio: 11 / 19, ratioSameHeaders: 0.964, simulator: side(49_346, 19), bare: side(65_374, 11) } as unknown as NonStreamResult;
    const [target] = evaluateTargets({ nonstream: ns });
    expect(target!.verdict).toBe('not met');
    expect(target!.figure).toContain('by requests per server CPU second 57.9%');
    expect(target!.figure).toContain('1.73× bare');
    expect(target!.figure).not.toContain('by server CPU/req 57.9%');
  });
});
