/**
 * A compaction under `slow_tokens` writes its summary at the slowed pace its ground truth then
 * names, as every answer's gaps are slowed: its pace ignored the fault (and a busy profile's
 * capacity), so the fault's compaction came back as fast as an unfaulted one.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const HISTORY = [
  { role: 'user' as const, content: 'Tell me about the sea.' },
  { role: 'assistant' as const, content: 'It is large and salty. '.repeat(40) },
];

describe('a compaction slowed by slow_tokens', () => {
  // Two servers with one seed: the same first request draws the same pace on each.
  const options = { speed: 0.005, seed: 3 };
  const plain = useSimulator(options);
  const faulted = useSimulator(options);
  const compact = async (url: string, headers: Record<string, string>) => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
    const { response } = await client.responses.compact({ model: 'gpt-5', input: HISTORY }, { headers }).withResponse();
    return { ttftMs: Number(response.headers.get('x-understudy-ttft-ms')), itlMs: Number(response.headers.get('x-understudy-itl-ms')), processingMs: Number(response.headers.get('openai-processing-ms')) };
  };

  it('has five times the gap (the fault\'s factor) and the TTFT unchanged, and is due that much later', async () => {
    const base = await compact(plain().url, {});
    const slow = await compact(faulted().url, { 'x-understudy-fault': 'slow_tokens' });
    expect(slow.ttftMs).toBe(base.ttftMs);
    expect(base.itlMs).toBeGreaterThan(0);
    // Within the header's rounding (0.005 ms on each gap).
    expect(Math.abs(slow.itlMs - 5 * base.itlMs)).toBeLessThanOrEqual(0.03);
    expect(slow.processingMs).toBeGreaterThan(base.processingMs);
  });
});
