/**
 * A model id of a megabyte, which no provider serves: it gets each provider's refusal, not an
 * answer that repeats it in every streamed chunk (a 1 MB request drew an 87 MB stream).
 */
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const HUGE = 'x'.repeat(1024 * 1024);
/** The longest id Anthropic takes ("model: String should have at most 256 characters"); ids up to it are served. */
const LONGEST = 256;

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

const hi = [{ role: 'user', content: 'hi' }];

describe('a model id longer than any provider serves', () => {
  const sim = useSimulator();

  it('gets OpenAI\'s 404 on chat, responses and completions, streamed or not, with a body no longer than the request', async () => {
    const model = `gpt-4o-${HUGE}`;
    for (const [path, body] of [
      ['/v1/chat/completions', { model, messages: hi, stream: true }],
      ['/v1/chat/completions', { model, messages: hi }],
      ['/v1/responses', { model, input: 'hi', stream: true }],
      ['/v1/completions', { model: `gpt-3.5-turbo-instruct-${HUGE}`, prompt: 'hi', stream: true }],
    ] as const) {
      const { status, text } = await post(`${sim().url}${path}`, body);
      expect(status, path).toBe(404);
      expect(text.length).toBeLessThan(model.length + 1000);
      expect(JSON.parse(text)).toMatchObject({ error: { type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
    }
  });

  it('gets Anthropic\'s 400 for an id past 256 characters, as the API answers it', async () => {
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const { status, text } = await post(`${sim().url}${path}`, { model: `claude-${HUGE}`, max_tokens: 10, messages: hi, stream: true }, { 'anthropic-version': '2023-06-01' });
      expect(status, path).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'model: String should have at most 256 characters' } });
    }
  });

  it('gets Gemini\'s 404 for an id in the path longer than 256 characters', async () => {
    const model = `gemini-${'x'.repeat(20_000)}`;
    const { status, text } = await post(`${sim().url}/v1beta/models/${model}:streamGenerateContent?alt=sse`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, { 'x-goog-api-key': 'k' });
    expect(status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
  });

  it('gets Azure\'s DeploymentNotFound for a deployment name longer than 256 characters', async () => {
    const { status, text } = await post(`${sim().url}/openai/deployments/gpt-4o-${'x'.repeat(20_000)}/chat/completions?api-version=2024-10-21`, { messages: hi, stream: true }, { 'api-key': 'k' });
    expect(status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'DeploymentNotFound' } });
  });

  it('still serves an unknown id of 256 characters', async () => {
    const openai = await post(`${sim().url}/v1/chat/completions`, { model: `gpt-4o-${'x'.repeat(LONGEST - 7)}`, messages: hi });
    expect(openai.status).toBe(200);
    const anthropic = await post(`${sim().url}/v1/messages`, { model: `claude-${'x'.repeat(LONGEST - 7)}`, max_tokens: 10, messages: hi }, { 'anthropic-version': '2023-06-01' });
    expect(anthropic.status).toBe(200);
    const gemini = await post(`${sim().url}/v1beta/models/gemini-${'x'.repeat(LONGEST - 7)}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, { 'x-goog-api-key': 'k' });
    expect(gemini.status).toBe(200);
  });
});
