/**
 * Bad input on the Anthropic surface, by raw fetch against the real server on port 0: every
 * rejection has Anthropic's status and `{"type":"error","error":{"type","message"},"request_id"}`
 * body, and nothing a client sends takes a thread down.
 */
import { describe, expect, it } from 'vitest';
import { type Simulator } from '../src/index.js';
import { useSimulator } from './fixtures/sim.js';

const MODEL = 'claude-sonnet-4-6';
const valid = { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };
const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };


async function post(sim: Simulator, body: unknown, path = '/v1/messages', headers: Record<string, string> = HEADERS): Promise<Response> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return fetch(`${sim.url}${path}`, { method: 'POST', headers, body: payload });
}

/** Checks the status and Anthropic's error body, and returns the message. */
async function expectAnthropicError(res: Response, status: number, type: string, message?: string | RegExp): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { type: string; error: { type: string; message: string }; request_id: string };
  expect(Object.keys(body)).toEqual(['type', 'error', 'request_id']);
  expect(body.type).toBe('error');
  expect(Object.keys(body.error)).toEqual(['type', 'message']);
  expect(body.error.type).toBe(type);
  expect(body.error.message.length).toBeGreaterThan(0);
  if (typeof message === 'string') expect(body.error.message).toBe(message);
  else if (message) expect(body.error.message).toMatch(message);
  expect(body.request_id).toMatch(/^req_011/);
  expect(res.headers.get('request-id')).toBe(body.request_id);
  return body.error.message;
}

async function expectAlive(sim: Simulator): Promise<void> {
  const res = await post(sim, valid);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { type: string }).type).toBe('message');
  expect((await fetch(`${sim.url}/_understudy/health`)).status).toBe(200);
}

describe('Anthropic bad input', () => {
  const sim = useSimulator({ bodyLimitBytes: 64 * 1024 });

  it('rejects a body that is not JSON, or not an object', async () => {
    await expectAnthropicError(await post(sim(), '{"model": "claude'), 400, 'invalid_request_error', /^The request body is not valid JSON: /);
    await expectAnthropicError(await post(sim(), 'not json'), 400, 'invalid_request_error', /^The request body is not valid JSON: /);
    await expectAnthropicError(await post(sim(), [valid]), 400, 'invalid_request_error', 'Input should be a valid dictionary');
    await expectAnthropicError(await post(sim(), '"hello"'), 400, 'invalid_request_error', 'Input should be a valid dictionary');
  });

  it.each([
    ['missing model', { max_tokens: 64, messages: valid.messages }, 'model: Field required'],
    ['missing max_tokens', { model: MODEL, messages: valid.messages }, 'max_tokens: Field required'],
    ['missing messages', { model: MODEL, max_tokens: 64 }, 'messages: Field required'],
    ['a number for model', { ...valid, model: 5 }, 'model: Input should be a valid string'],
    ['a string for messages', { ...valid, messages: 'Hi' }, 'messages: Input should be a valid list'],
    ['a fractional max_tokens', { ...valid, max_tokens: 1.5 }, 'max_tokens: Input should be a valid integer, got a number with a fractional part'],
    ['max_tokens 0', { ...valid, max_tokens: 0 }, 'max_tokens: Input should be greater than or equal to 1'],
    ['a string for stream', { ...valid, stream: 'yes' }, 'stream: Input should be a valid boolean'],
    ['temperature above 1', { ...valid, temperature: 1.5 }, 'temperature: Input should be less than or equal to 1'],
    ['empty messages', { ...valid, messages: [] }, 'messages: at least one message is required'],
    ['a system role', { ...valid, messages: [{ role: 'system', content: 'Hi' }] }, "messages.0.role: Input should be 'user' or 'assistant'"],
    ['a missing role', { ...valid, messages: [{ content: 'Hi' }] }, 'messages.0.role: Field required'],
    ['a number for content', { ...valid, messages: [{ role: 'user', content: 7 }] }, 'messages.0.content: Input should be a valid string or a valid list'],
    ['empty content', { ...valid, messages: [{ role: 'user', content: '' }] }, 'messages.0: all messages must have non-empty content except for the optional final assistant message'],
    ['a text block without text', { ...valid, messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages.0.content.0.text.text: Field required'],
    ['a block without type', { ...valid, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }, 'messages.0.content.0.type: Field required'],
    [
      'a tool_use input that is not an object',
      { ...valid, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: '{}' }] }, { role: 'user', content: 'go' }] },
      'messages.0.content.0.tool_use.input: Input should be a valid dictionary',
    ],
    ['a system prompt of the wrong type', { ...valid, system: 3 }, 'system: Input should be a valid string or a valid list'],
    ['a tool without input_schema', { ...valid, tools: [{ name: 'f' }] }, 'tools.0.custom.input_schema: Field required'],
    ['a tool with a bad name', { ...valid, tools: [{ name: 'get weather', input_schema: { type: 'object' } }] }, "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"],
    ['an unknown tool_choice', { ...valid, tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'required' } }, "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'"],
    ['tool_choice without tools', { ...valid, tool_choice: { type: 'any' } }, 'tool_choice may only be specified while providing tools.'],
    ['a named tool that was not offered', { ...valid, tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 'g' } }, "tool_choice: tool 'g' is not one of the provided tools"],
    ['a thinking budget below 1024', { ...valid, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 100 } }, 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'],
    ['max_tokens not above the thinking budget', { ...valid, max_tokens: 1024, thinking: { type: 'enabled', budget_tokens: 1024 } }, /^`max_tokens` must be greater than `thinking.budget_tokens`/],
    [
      'thinking with a forced tool',
      { ...valid, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'any' } },
      'Thinking may not be enabled when tool_choice forces tool use.',
    ],
  ])('400 for %s', async (_name, body, message) => {
    await expectAnthropicError(await post(sim(), body), 400, 'invalid_request_error', message);
  });

  it('validates count_tokens the same way, without requiring max_tokens', async () => {
    await expectAnthropicError(await post(sim(), { model: MODEL, messages: [] }, '/v1/messages/count_tokens'), 400, 'invalid_request_error', 'messages: at least one message is required');
    const ok = await post(sim(), { model: MODEL, messages: valid.messages }, '/v1/messages/count_tokens');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
  });

  it('accepts unknown fields, unknown block types and a final assistant prefill', async () => {
    const res = await post(sim(), {
      ...valid,
      some_future_field: { x: 1 },
      messages: [
        { role: 'user', content: [{ type: 'search_result', source: 'https://example.com', title: 't', content: [] }, { type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: '' },
      ],
    });
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it('takes block types named after Object.prototype members as unknown types, not a 500', async () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const blocks = [{ type, text: 'Hi' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type, text: 'ok' }] }];
      for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
        const res = await post(sim(), { ...valid, messages: [{ role: 'user', content: blocks }] }, path);
        expect(res.status, `${type} on ${path}: ${await res.clone().text()}`).toBe(200);
      }
    }
  });

  it('413 in Anthropic shape for a body past the limit', async () => {
    const big = { ...valid, messages: [{ role: 'user', content: 'x'.repeat(80 * 1024) }] };
    await expectAnthropicError(await post(sim(), big), 413, 'request_too_large');
  });

  it('405 in Anthropic shape, with allow, for a wrong method', async () => {
    const res = await fetch(`${sim().url}/v1/messages`, { headers: HEADERS });
    expect(res.headers.get('allow')).toBe('POST');
    await expectAnthropicError(res, 405, 'invalid_request_error');
    const put = await fetch(`${sim().url}/messages/count_tokens`, { method: 'PUT', headers: HEADERS, body: '{}' });
    await expectAnthropicError(put, 405, 'invalid_request_error');
  });

  it('404 in Anthropic shape for unknown paths under /v1/messages', async () => {
    await expectAnthropicError(await post(sim(), valid, '/v1/messages/foo'), 404, 'not_found_error');
    await expectAnthropicError(await fetch(`${sim().url}/v1/messages/batches/msgbatch_01nosuchbatch/results`, { headers: HEADERS }), 404, 'not_found_error');
    await expectAnthropicError(await post(sim(), valid, '/messages/foo/bar'), 404, 'not_found_error');
    // Anthropic's Files API shares OpenAI's path: its SDK's headers get Anthropic's files (here an unknown one's 404), others OpenAI's.
    await expectAnthropicError(await fetch(`${sim().url}/v1/files/file_011abc/content`, { headers: HEADERS }), 404, 'not_found_error');
    expect((await fetch(`${sim().url}/v1/files`)).status).toBe(200);
    // Paths no surface serves answer in Anthropic's shape when the SDK's header says so, else OpenAI's.
    await expectAnthropicError(await fetch(`${sim().url}/v1/skills`, { headers: HEADERS }), 404, 'not_found_error');
    const openai = await fetch(`${sim().url}/v1/vector_stores`);
    expect(((await openai.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('stays up after all of it', async () => {
    await expectAlive(sim());
  });

  describe('with apiKeys configured', () => {
    const keyed = useSimulator({ apiKeys: ['sk-ant-good'] });

    it('401 authentication_error for a missing or wrong key, before reading the body', async () => {
      const { 'x-api-key': _key, ...noKey } = HEADERS;
      await expectAnthropicError(await post(keyed(), valid, '/v1/messages', noKey), 401, 'authentication_error', 'x-api-key header is required');
      await expectAnthropicError(await post(keyed(), 'not json', '/v1/messages', { ...HEADERS, 'x-api-key': 'nope' }), 401, 'authentication_error', 'invalid x-api-key');
      await expectAnthropicError(await post(keyed(), valid, '/v1/messages/count_tokens', { ...noKey, authorization: 'Bearer nope' }), 401, 'authentication_error', 'invalid x-api-key');
      const models = await fetch(`${keyed().url}/v1/models`, { headers: { ...HEADERS, 'x-api-key': 'nope' } });
      await expectAnthropicError(models, 401, 'authentication_error', 'invalid x-api-key');
      expect((await post(keyed(), valid, '/v1/messages', { ...HEADERS, 'x-api-key': 'sk-ant-good' })).status).toBe(200);
    });
  });
});
