/**
 * Which answers carry the ground-truth headers, route by route (README, the ground-truth paragraph
 * under *Endpoints*): every answer the simulator plans carries all four, on every surface; errors,
 * lookups, token counts and batches carry none, as nothing is planned for them to name. A resumed
 * background stream is a planned answer, and carried none.
 */
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const TRUTH = ['x-understudy-entry', 'x-understudy-ttft-ms', 'x-understudy-itl-ms', 'x-understudy-trace-id'] as const;
const JSON_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer k', 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'x-goog-api-key': 'k' };
const CHAT = { messages: [{ role: 'user', content: 'hi' }] };
const CLAUDE = { model: 'claude-sonnet-4-5', max_tokens: 64, ...CHAT };
const GEMINI = { contents: [{ parts: [{ text: 'hi' }] }] };

type Call = readonly [path: string, body?: unknown, headers?: Record<string, string>];

describe('ground truth, route by route', () => {
  const sim = useSimulator({ seed: 21 });

  /** Sends `call` (a POST with a body, else a GET), reads the body through, and returns the status and which truth headers came. */
  async function send([path, body, headers]: Call): Promise<{ status: number; truth: string[] }> {
    const res = await fetch(`${sim().url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...JSON_HEADERS, ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await res.arrayBuffer();
    return { status: res.status, truth: TRUTH.filter((name) => res.headers.has(name)) };
  }

  async function backgroundId(base: string, query = ''): Promise<string> {
    const res = await fetch(`${sim().url}${base}/responses${query}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ model: 'gpt-4o-mini', input: 'hi', background: true }) });
    return ((await res.json()) as { id: string }).id;
  }

  it('every planned answer carries all four', async () => {
    const id = await backgroundId('/v1');
    const azureId = await backgroundId('/openai', '?api-version=2025-04-01-preview');
    const planned: Record<string, Call> = {
      chat: ['/v1/chat/completions', { model: 'gpt-4o-mini', ...CHAT }],
      'chat, streamed': ['/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, ...CHAT }],
      'chat, xAI': ['/v1/chat/completions', { model: 'grok-3-mini', stream: true, ...CHAT }],
      completions: ['/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'hi', stream: true }],
      responses: ['/v1/responses', { model: 'gpt-4o-mini', input: 'hi' }],
      'responses, background': ['/v1/responses', { model: 'gpt-4o-mini', input: 'hi', background: true }],
      'responses, resumed': [`/v1/responses/${id}?stream=true`],
      'responses, resumed after 3': [`/v1/responses/${id}?stream=true&starting_after=3`],
      'responses, resumed on Azure': [`/openai/responses/${azureId}?api-version=2025-04-01-preview&stream=true`],
      'responses, compact': ['/v1/responses/compact', { model: 'gpt-4o-mini', input: 'hi' }],
      embeddings: ['/v1/embeddings', { model: 'text-embedding-3-small', input: 'hi' }],
      moderations: ['/v1/moderations', { input: 'hi' }],
      'Azure deployment chat': ['/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21', CHAT],
      'Azure deployment embeddings': ['/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21', { input: 'hi' }],
      'Azure v1 responses': ['/openai/v1/responses', { model: 'gpt-4o-mini', input: 'hi', stream: true }],
      'Anthropic messages': ['/v1/messages', CLAUDE],
      'Anthropic messages, streamed': ['/v1/messages', { ...CLAUDE, stream: true }],
      'Gemini generateContent': ['/v1beta/models/gemini-2.5-flash:generateContent', GEMINI],
      'Gemini streamGenerateContent': ['/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', GEMINI],
      'Gemini embedContent': ['/v1beta/models/gemini-embedding-001:embedContent', { content: GEMINI.contents[0] }],
      'Gemini batchEmbedContents': ['/v1beta/models/gemini-embedding-001:batchEmbedContents', { requests: [{ model: 'models/gemini-embedding-001', content: GEMINI.contents[0] }] }],
      'Gemini OpenAI-compatible chat': ['/v1beta/openai/chat/completions', { model: 'gemini-2.5-flash', stream: true, ...CHAT }],
      'a fault under way': ['/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, ...CHAT }, { 'x-understudy-fault': 'stream_overloaded' }],
    };
    const seen: Record<string, { status: number; truth: string[] }> = {};
    for (const [name, call] of Object.entries(planned)) seen[name] = await send(call);
    expect(seen).toEqual(Object.fromEntries(Object.keys(planned).map((name) => [name, { status: 200, truth: [...TRUTH] }])));
  });

  it('errors, lookups, token counts and batches carry none', async () => {
    const id = await backgroundId('/v1');
    // Each with the status it is answered with.
    const unplanned: Record<string, readonly [Call, number]> = {
      'a refused request': [['/v1/chat/completions', { model: 'gpt-4o-mini' }], 400],
      'an injected rate limit': [['/v1/chat/completions', { model: 'gpt-4o-mini', ...CHAT }, { 'x-understudy-fault': 'rate_limit' }], 429],
      'an injected 529': [['/v1/messages', CLAUDE, { 'x-understudy-fault': 'overloaded_529' }], 529],
      'OpenAI models': [['/v1/models'], 200],
      'Gemini models': [['/v1beta/models'], 200],
      'a background response retrieved': [[`/v1/responses/${id}`], 200],
      'input_tokens': [['/v1/responses/input_tokens', { model: 'gpt-4o-mini', input: 'hi' }], 200],
      'Anthropic count_tokens': [['/v1/messages/count_tokens', CLAUDE], 200],
      'Gemini countTokens': [['/v1beta/models/gemini-2.5-flash:countTokens', GEMINI], 200],
      'Anthropic batch': [['/v1/messages/batches', { requests: [{ custom_id: 'a', params: CLAUDE }] }], 200],
    };
    const seen: Record<string, { status: number; truth: string[] }> = {};
    for (const [name, [call]] of Object.entries(unplanned)) seen[name] = await send(call);
    expect(seen).toEqual(Object.fromEntries(Object.entries(unplanned).map(([name, [, status]]) => [name, { status, truth: [] }])));
  });
});
