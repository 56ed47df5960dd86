/**
 * Replies with no stream still carry the ground truth a load tool compares with: embeddings,
 * moderations and compactions have no corpus entry ("synthesized"), a planned time to the reply
 * and a trace id; only a compaction writes tokens, so only it has gaps.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

function truth(headers: Headers) {
  return {
    entry: headers.get('x-understudy-entry'),
    ttftMs: Number(headers.get('x-understudy-ttft-ms')),
    itlMs: Number(headers.get('x-understudy-itl-ms')),
    traceId: headers.get('x-understudy-trace-id'),
    processingMs: Number(headers.get('openai-processing-ms') ?? NaN),
  };
}

describe('ground truth on replies with no stream', () => {
  // Planned times of a few ms, so the held replies come back at once.
  const sim = useSimulator({ speed: 0.005 });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });

  it('embeddings and moderations: no entry, their planned time, no gaps, a trace id', async () => {
    const embed = await client().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).withResponse();
    const moderation = await client().moderations.create({ model: 'omni-moderation-latest', input: 'hello' }).withResponse();
    for (const { response } of [embed, moderation]) {
      const t = truth(response.headers);
      expect(t.entry).toBe('synthesized');
      expect(t.ttftMs).toBeGreaterThan(0);
      expect(Math.abs(t.ttftMs - t.processingMs)).toBeLessThanOrEqual(0.5);
      expect(t.itlMs).toBe(0);
      expect(t.traceId).toMatch(/^trc_[A-Za-z0-9]{24}$/);
    }
    expect(truth(embed.response.headers).traceId).not.toBe(truth(moderation.response.headers).traceId);
  });

  it('a compaction: its TTFT before the summary and the summary\'s pace after it', async () => {
    const history = [{ role: 'user' as const, content: 'Tell me about the sea.' }, { role: 'assistant' as const, content: 'It is large and salty. '.repeat(40) }];
    const { data, response } = await client().responses.compact({ model: 'gpt-5', input: history }).withResponse();
    const t = truth(response.headers);
    expect(t.entry).toBe('synthesized');
    expect(t.itlMs).toBeGreaterThan(0);
    // The reply is due when the summary's last token is written: its TTFT plus a gap per token
    // (within the headers' rounding: 0.05 ms, 0.005 ms a gap, 0.5 ms).
    const tokens = data.usage.output_tokens;
    expect(Math.abs(t.ttftMs + tokens * t.itlMs - t.processingMs)).toBeLessThanOrEqual(0.55 + tokens * 0.005);
    expect(t.traceId).toMatch(/^trc_/);
  });

  it('Gemini embedContent', async () => {
    const res = await fetch(`${sim().url}/v1beta/models/gemini-embedding-001:embedContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ content: { parts: [{ text: 'hello' }] } }),
    });
    expect(res.status).toBe(200);
    const t = truth(res.headers);
    expect(t.entry).toBe('synthesized');
    expect(t.ttftMs).toBeGreaterThan(0);
    expect(t.itlMs).toBe(0);
    expect(t.traceId).toMatch(/^trc_/);
  });
});
