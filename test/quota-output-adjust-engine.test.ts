/** The quota engine's output holds under a fake clock: what an Anthropic answer gives back when it ends, and what does not. */
import { describe, expect, it } from 'vitest';
import { allocateQuotaMemory, QuotaEngine, resetQuotaMemory, type QuotaRequest } from '../src/quota/engine.js';
import { parseQuotaTable } from '../src/quota/limits.js';
import { ManualClock } from '../src/timing/clock.js';

const EPOCH = 1e12;
// 600 output tokens a minute: one every 100 ms.
const table = parseQuotaTable({ defaults: { requestsPerMinute: 1000, inputTokensPerMinute: 100_000, outputTokensPerMinute: 600 } }, 'test');

function engineAt(clock: ManualClock, memory = allocateQuotaMemory(EPOCH)): QuotaEngine {
  return new QuotaEngine(memory, table, clock, () => EPOCH);
}

const claude = (maxOutputTokens: number): QuotaRequest => ({ dialect: 'anthropic', apiKey: 'sk-a', model: 'claude-sonnet-4-5', inputTokens: 10, maxOutputTokens });

/** anthropic-ratelimit-output-tokens-remaining of an outcome's headers. */
function outputRemaining(headers: readonly string[]): number {
  const value = headers[headers.indexOf('anthropic-ratelimit-output-tokens-limit') + 1]!;
  return Number(/output-tokens-remaining: (\d+)/.exec(value)![1]);
}

describe('output holds', () => {
  it('give back what an answer did not produce, once it ends, and nothing before', () => {
    const clock = new ManualClock(0);
    const engine = engineAt(clock);
    const first = engine.admit(claude(400));
    expect(outputRemaining(first.headers)).toBe(200);
    // A second request while the first runs sees its whole reservation.
    expect(engine.admit(claude(300)).rejection).toMatchObject({ dimension: 'output_tokens' });
    first.hold!.settle(50);
    const second = engine.admit(claude(300));
    expect(second.rejection).toBeNull();
    expect(outputRemaining(second.headers)).toBe(600 - 50 - 300);
  });

  it('never leave a bucket fuller than full', () => {
    const clock = new ManualClock(0);
    const engine = engineAt(clock);
    const hold = engine.admit(claude(400)).hold!;
    // 30 s later the 400 have refilled but for 100; an answer of 10 leaves the bucket full, not past it.
    clock.advance(30_000);
    hold.settle(10);
    expect(outputRemaining(engine.admit(claude(600)).headers)).toBe(0);
  });

  it('give nothing back for an answer that used its max_tokens', () => {
    const clock = new ManualClock(0);
    const engine = engineAt(clock);
    const hold = engine.admit(claude(400)).hold!;
    hold.settle(400);
    expect(outputRemaining(engine.admit(claude(100)).headers)).toBe(100);
  });

  it('give nothing to buckets emptied for new limits since the admission', () => {
    const clock = new ManualClock(0);
    const memory = allocateQuotaMemory(EPOCH);
    const hold = engineAt(clock, memory).admit(claude(400)).hold!;
    resetQuotaMemory(memory);
    const engine = engineAt(clock, memory);
    expect(outputRemaining(engine.admit(claude(500)).headers)).toBe(100);
    // The old reservation's 390 unused tokens would make this bucket (perhaps another key's now) all but full again.
    hold.settle(10);
    expect(outputRemaining(engine.admit(claude(100)).headers)).toBe(0);
  });

  it('are made for Anthropic only: OpenAI keeps max_tokens charged, Gemini never charges output', () => {
    // A tokensPerMinute that counts max_tokens for OpenAI and input alone for Gemini.
    const tpm = parseQuotaTable({ defaults: { requestsPerMinute: 1000, tokensPerMinute: 10_000 } }, 'test');
    const engine = new QuotaEngine(allocateQuotaMemory(EPOCH), tpm, new ManualClock(0), () => EPOCH);
    expect(engine.admit({ dialect: 'openai', apiKey: 'sk-a', model: 'gpt-4o', inputTokens: 10, maxOutputTokens: 400 }).hold).toBeNull();
    expect(engine.admit({ dialect: 'gemini', apiKey: 'sk-a', model: 'gemini-2.5-pro', inputTokens: 10, maxOutputTokens: 400 }).hold).toBeNull();
    expect(engine.admit(claude(400)).hold).not.toBeNull();
  });
});
