/**
 * `--timing recorded` replays a corpus entry's recorded timing on the wire: each event carries the
 * tokens recorded at one instant, and the ground-truth headers report the recorded TTFT and mean
 * gap, on dialects whose profiles chunk several tokens an event (Anthropic 2-8, Gemini 12-40).
 */
import { describe, expect, it } from 'vitest';
import type { CorpusEntry } from '../src/corpus/format.js';
import { writeTempCorpus } from './fixtures/corpus.js';
import { useSimulator } from './fixtures/sim.js';

const TOKENS = ['Hello', ',', ' world', '!', ' How', ' are', ' you', '?'];
/** First token at 300 ms; then tokens 1-3 at 400, 4-5 at 500, 6-7 at 600 (a gap of 0: same event). */
const TIMING = { ttftMs: 300, tokenGapsMs: [100, 0, 0, 100, 0, 100, 0] };
/** The recording's events: what the provider sent together. */
const RECORDED_EVENTS = ['Hello', ', world!', ' How are', ' you?'];
const SPEED = 0.1;

const recorded = (id: string, model: string): CorpusEntry => ({
  id,
  model,
  kind: 'text',
  tokens: TOKENS,
  toolCalls: [],
  finishReason: 'stop',
  usage: { promptTokens: 5, completionTokens: TOKENS.length },
  timing: TIMING,
  tags: [],
});

/** The `data:` payloads of an SSE body, parsed. */
async function sseData(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text
    .split(/\r?\n\r?\n/)
    .map((frame) => frame.split(/\r?\n/).find((line) => line.startsWith('data: '))?.slice(6))
    .filter((data): data is string => data !== undefined && data !== '[DONE]')
    .map((data) => JSON.parse(data) as unknown);
}

/** The recording scaled by --speed, as the headers print it. */
const TTFT_HEADER = (TIMING.ttftMs * SPEED).toFixed(1);
const ITL_HEADER = ((TIMING.tokenGapsMs.reduce((a, b) => a + b, 0) * SPEED) / (TOKENS.length - 1)).toFixed(2);

describe('--timing recorded on dialects that send several tokens an event', () => {
  const sim = useSimulator({ corpus: writeTempCorpus([recorded('rec-claude', 'claude-haiku-4-5'), recorded('rec-gemini', 'gemini-2.5-flash')]), timing: 'recorded', speed: SPEED });

  it('streams an Anthropic answer in the recording\'s events, and reports the recorded TTFT and gap', async () => {
    const res = await fetch(`${sim().url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-understudy-entry')).toBe('rec-claude');
    expect(res.headers.get('x-understudy-ttft-ms')).toBe(TTFT_HEADER);
    expect(res.headers.get('x-understudy-itl-ms')).toBe(ITL_HEADER);
    const deltas = (await sseData(res)).flatMap((e) => {
      const event = e as { type: string; delta?: { type: string; text?: string } };
      return event.type === 'content_block_delta' && event.delta?.type === 'text_delta' ? [event.delta.text] : [];
    });
    expect(deltas).toEqual(RECORDED_EVENTS);
  });

  it('streams a Gemini answer in the recording\'s events, and reports the recorded TTFT and gap', async () => {
    const res = await fetch(`${sim().url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-understudy-entry')).toBe('rec-gemini');
    expect(res.headers.get('x-understudy-ttft-ms')).toBe(TTFT_HEADER);
    expect(res.headers.get('x-understudy-itl-ms')).toBe(ITL_HEADER);
    const texts = (await sseData(res)).flatMap((e) => {
      const chunk = e as { candidates?: { content?: { parts?: { text?: string }[] } }[] };
      const text = (chunk.candidates?.[0]?.content?.parts ?? []).map((p) => p.text ?? '').join('');
      return text === '' ? [] : [text];
    });
    expect(texts).toEqual(RECORDED_EVENTS);
  });

  it('holds an answer sent whole until the recorded end', async () => {
    const res = await fetch(`${sim().url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-understudy-ttft-ms')).toBe(TTFT_HEADER);
    expect(res.headers.get('x-understudy-itl-ms')).toBe(ITL_HEADER);
  });
});
