/**
 * Bad input against the Gemini surface on the real server: every rejection has the API's status
 * and a `google.rpc.Status` body, the key is taken from the header or `?key=`, and the thread
 * stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';

const MODEL = 'gemini-2.5-flash';
const KEY = 'good-key';
const hi = [{ role: 'user', parts: [{ text: 'Hi' }] }];
const BODY_LIMIT = 64 * 1024;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ threads: 1, speed: 0, apiKeys: [KEY], bodyLimitBytes: BODY_LIMIT });
});
afterAll(() => sim.stop());

async function call(path: string, body: unknown, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return fetch(`${sim.url}${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY, ...init.headers },
    body: init.method === 'GET' ? undefined : payload,
  });
}

const generate = (body: unknown, headers: Record<string, string> = {}): Promise<Response> => call(`/v1beta/models/${MODEL}:generateContent`, body, { headers });

interface Status {
  readonly code: number;
  readonly message: string;
  readonly status: string;
  readonly details?: { '@type': string; [k: string]: unknown }[];
}

/** Checks the HTTP status and the google.rpc.Status body: `{error:{code, message, status, details?}}`. */
async function expectGeminiError(res: Response, code: number, status: string, message?: string | RegExp): Promise<Status> {
  const text = await res.text();
  expect(res.status, text).toBe(code);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: Status };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).filter((k) => k !== 'details')).toEqual(['code', 'message', 'status']);
  expect(body.error.code).toBe(code);
  expect(body.error.status).toBe(status);
  expect(body.error.message.length).toBeGreaterThan(0);
  if (message instanceof RegExp) expect(body.error.message).toMatch(message);
  else if (message !== undefined) expect(body.error.message).toBe(message);
  return body.error;
}

describe('malformed generateContent requests are 400 INVALID_ARGUMENT', () => {
  it('a body that is not JSON', async () => {
    await expectGeminiError(await generate('{"contents": [}'), 400, 'INVALID_ARGUMENT', /^Invalid JSON payload received/);
  });

  it('a JSON array or string as the body', async () => {
    await expectGeminiError(await generate([hi]), 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Root element must be a message.');
    await expectGeminiError(await generate('"hello"'), 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Root element must be a message.');
  });

  it('missing or empty contents', async () => {
    await expectGeminiError(await generate({}), 400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified\n');
    await expectGeminiError(await generate({ contents: [] }), 400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified\n');
  });

  it('contents of the wrong type, with a BadRequest field violation', async () => {
    const e = await expectGeminiError(await generate({ contents: 'hello' }), 400, 'INVALID_ARGUMENT', /contents/);
    expect(e.details?.[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'contents' }] });
  });

  it('a text part that is not a string', async () => {
    const e = await expectGeminiError(
      await generate({ contents: [{ role: 'user', parts: [{ text: 5 }] }] }),
      400,
      'INVALID_ARGUMENT',
      "Invalid value at 'contents[0].parts[0].text' (TYPE_STRING), 5",
    );
    expect(e.details?.[0]).toMatchObject({ fieldViolations: [{ field: 'contents[0].parts[0].text' }] });
  });

  it('missing or empty parts', async () => {
    await expectGeminiError(await generate({ contents: [{ role: 'user' }] }), 400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n');
    await expectGeminiError(await generate({ contents: [{ role: 'user', parts: [] }] }), 400, 'INVALID_ARGUMENT', /contents\.parts must not be empty/);
  });

  it('a part with no data, or with two', async () => {
    await expectGeminiError(await generate({ contents: [{ role: 'user', parts: [{}] }] }), 400, 'INVALID_ARGUMENT', /required oneof field 'data'/);
    await expectGeminiError(
      await generate({ contents: [{ role: 'user', parts: [{ text: 'a', functionCall: { name: 'f', args: {} } }] }] }),
      400,
      'INVALID_ARGUMENT',
      /oneof field 'data' is already set/,
    );
  });

  it.each(['assistant', 'system', 'bot'])('role %s', async (role) => {
    await expectGeminiError(await generate({ contents: [{ role, parts: [{ text: 'x' }] }] }), 400, 'INVALID_ARGUMENT', 'Please use a valid role: user, model.');
  });

  it.each([
    ['candidateCount 9', { candidateCount: 9 }, /candidate_count/],
    ['candidateCount 0', { candidateCount: 0 }, /candidate_count/],
    ['temperature 3', { temperature: 3 }, /temperature/],
    ['maxOutputTokens "ten"', { maxOutputTokens: 'ten' }, "Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), \"ten\""],
    ['maxOutputTokens 1.5', { maxOutputTokens: 1.5 }, /max_output_tokens/],
    ['responseMimeType text/html', { responseMimeType: 'text/html' }, /allowed mimetypes/],
    ['responseSchema without a JSON MIME type', { responseSchema: { type: 'OBJECT' } }, /response_mime_type/],
  ])('generationConfig with %s', async (_name, generationConfig, message) => {
    await expectGeminiError(await generate({ contents: hi, generationConfig }), 400, 'INVALID_ARGUMENT', message);
  });

  it('an unknown function-calling mode', async () => {
    await expectGeminiError(
      await generate({ contents: hi, tools: [{ functionDeclarations: [{ name: 'f' }] }], toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }),
      400,
      'INVALID_ARGUMENT',
      /^Invalid value at 'tool_config\.function_calling_config\.mode' \(type\.googleapis\.com\/google\.ai\.generativelanguage\.v1beta\.FunctionCallingConfig\.Mode\), "SOMETIMES"$/,
    );
  });

  it('mode ANY with no function declarations', async () => {
    await expectGeminiError(await generate({ contents: hi, toolConfig: { functionCallingConfig: { mode: 'ANY' } } }), 400, 'INVALID_ARGUMENT', /function calling config is set without function_declarations/);
  });

  it('allowedFunctionNames naming an undeclared function', async () => {
    await expectGeminiError(
      await generate({ contents: hi, tools: [{ functionDeclarations: [{ name: 'f' }] }], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['g'] } } }),
      400,
      'INVALID_ARGUMENT',
      /allowed_function_names\[0\]/,
    );
  });

  it('an invalid or duplicate function name', async () => {
    await expectGeminiError(await generate({ contents: hi, tools: [{ functionDeclarations: [{ name: '1bad name' }] }] }), 400, 'INVALID_ARGUMENT', /Invalid function name/);
    await expectGeminiError(
      await generate({ contents: hi, tools: [{ functionDeclarations: [{ name: 'f' }, { name: 'f' }] }] }),
      400,
      'INVALID_ARGUMENT',
      /Duplicate function declaration found: f/,
    );
  });
});

describe('paths and methods', () => {
  it('an unknown method is 404 NOT_FOUND', async () => {
    await expectGeminiError(await call(`/v1beta/models/${MODEL}:foo`, { contents: hi }), 404, 'NOT_FOUND', /Method not found: foo/);
  });

  it('an unknown /v1beta path is 404 in the Gemini shape', async () => {
    await expectGeminiError(await call('/v1beta/tunedModels/x', {}, { method: 'GET' }), 404, 'NOT_FOUND');
    await expectGeminiError(await call(`/v1beta/models/${MODEL}/extra:generateContent`, { contents: hi }), 404, 'NOT_FOUND');
  });

  it('GET on a method path and PUT on a model path are 405 with allow', async () => {
    const get = await call(`/v1beta/models/${MODEL}:generateContent`, null, { method: 'GET' });
    expect(get.headers.get('allow')).toBe('POST');
    await expectGeminiError(get, 405, 'UNIMPLEMENTED');
    const put = await call(`/v1beta/models/${MODEL}:generateContent`, { contents: hi }, { method: 'PUT' });
    expect(put.headers.get('allow')).toBe('POST');
    await expectGeminiError(put, 405, 'UNIMPLEMENTED');
  });

  it('an unknown model with strictModels off is served from the vendor family', async () => {
    const res = await generate({ contents: hi });
    expect(res.status).toBe(200);
    const other = await call('/v1beta/models/gemini-9-ultra:generateContent', { contents: hi });
    expect(other.status).toBe(200);
  });

  it('getting an unknown model is 404', async () => {
    await expectGeminiError(await call('/v1beta/models/nope-1', null, { method: 'GET' }), 404, 'NOT_FOUND', /^models\/nope-1 is not found/);
  });

  it('/v1/models/{model}:generateContent serves Gemini while GET /v1/models stays OpenAI', async () => {
    const res = await call(`/v1/models/${MODEL}:generateContent`, { contents: hi });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { candidates: unknown[] };
    expect(body.candidates).toHaveLength(1);
    const list = await fetch(`${sim.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(((await list.json()) as { object: string }).object).toBe('list');
  });

  it('streamGenerateContent without alt=sse answers one JSON array of chunks', async () => {
    const res = await call(`/v1beta/models/${MODEL}:streamGenerateContent`, { contents: hi });
    expect(res.status).toBe(200);
    const chunks = (await res.json()) as { candidates: { finishReason?: string }[] }[];
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks[chunks.length - 1]!.candidates[0]!.finishReason).toBe('STOP');
  });
});

describe('request size', () => {
  it('a body over the limit is 413 in the google.rpc.Status shape', async () => {
    const big = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x'.repeat(BODY_LIMIT) }] }] });
    await expectGeminiError(await generate(big), 413, 'INVALID_ARGUMENT', `Request payload size exceeds the limit: ${BODY_LIMIT} bytes.`);
  });
});

describe('API keys', () => {
  const noKey = { 'x-goog-api-key': '' };

  it('?key= is accepted', async () => {
    const res = await call(`/v1beta/models/${MODEL}:generateContent?key=${KEY}`, { contents: hi }, { headers: noKey });
    expect(res.status).toBe(200);
  });

  it('a wrong ?key= is 400 API_KEY_INVALID', async () => {
    const e = await expectGeminiError(
      await call(`/v1beta/models/${MODEL}:generateContent?key=wrong`, { contents: hi }, { headers: noKey }),
      400,
      'INVALID_ARGUMENT',
      'API key not valid. Please pass a valid API key.',
    );
    expect(e.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    });
  });

  it('the header wins over ?key=', async () => {
    const res = await call(`/v1beta/models/${MODEL}:generateContent?key=wrong`, { contents: hi });
    expect(res.status).toBe(200);
  });

  it('no key at all is 403 PERMISSION_DENIED', async () => {
    await expectGeminiError(await call(`/v1beta/models/${MODEL}:generateContent`, { contents: hi }, { headers: noKey }), 403, 'PERMISSION_DENIED', /unregistered callers/);
  });

  it('is checked on every method', async () => {
    const bad = { 'x-goog-api-key': 'wrong' };
    for (const path of [`/v1beta/models/${MODEL}:countTokens`, '/v1beta/models/text-embedding-004:embedContent', `/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`]) {
      await expectGeminiError(await call(path, { contents: hi, content: hi[0] }, { headers: bad }), 400, 'INVALID_ARGUMENT', /API key not valid/);
    }
    await expectGeminiError(await call('/v1beta/models', null, { method: 'GET', headers: bad }), 400, 'INVALID_ARGUMENT', /API key not valid/);
  });
});

describe('field names', () => {
  it('snake_case fields are read like camelCase ones', async () => {
    const res = await generate({
      contents: hi,
      system_instruction: { parts: [{ text: 'Be terse.' }] },
      generation_config: { max_output_tokens: 2, candidate_count: 2, thinking_config: { thinking_budget: 0 } },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { candidates: { finishReason: string }[]; usageMetadata: { candidatesTokenCount: number } };
    expect(body.candidates.map((c) => c.finishReason)).toEqual(['MAX_TOKENS', 'MAX_TOKENS']);
    expect(body.usageMetadata.candidatesTokenCount).toBeLessThanOrEqual(4);
  });
});

describe('countTokens and embeddings', () => {
  it('countTokens needs contents or a generateContentRequest', async () => {
    await expectGeminiError(await call(`/v1beta/models/${MODEL}:countTokens`, {}), 400, 'INVALID_ARGUMENT', /contents is not specified/);
    const res = await call(`/v1beta/models/${MODEL}:countTokens`, { generateContentRequest: { model: `models/${MODEL}`, contents: hi } });
    expect(await res.json()).toMatchObject({ totalTokens: 1 });
  });

  it('embedContent without content, or with a bad taskType', async () => {
    await expectGeminiError(await call('/v1beta/models/text-embedding-004:embedContent', {}), 400, 'INVALID_ARGUMENT', /content is not specified/);
    await expectGeminiError(
      await call('/v1beta/models/text-embedding-004:embedContent', { content: hi[0], taskType: 'GUESSING' }),
      400,
      'INVALID_ARGUMENT',
      /TaskType\), "GUESSING"/,
    );
  });

  it('outputDimensionality above the model size', async () => {
    await expectGeminiError(await call('/v1beta/models/text-embedding-004:embedContent', { content: hi[0], outputDimensionality: 769 }), 400, 'INVALID_ARGUMENT', /at most 768/);
  });

  it('batchEmbedContents with no requests, over 100, or a mismatched model', async () => {
    const url = '/v1beta/models/gemini-embedding-001:batchEmbedContents';
    await expectGeminiError(await call(url, { requests: [] }), 400, 'INVALID_ARGUMENT', /requests must not be empty/);
    const one = { model: 'models/gemini-embedding-001', content: hi[0] };
    await expectGeminiError(await call(url, { requests: Array.from({ length: 101 }, () => one) }), 400, 'INVALID_ARGUMENT', /at most 100/);
    await expectGeminiError(await call(url, { requests: [{ ...one, model: 'models/text-embedding-004' }] }), 400, 'INVALID_ARGUMENT', /does not match/);
    const res = await call(url, { requests: [one, { content: hi[0], outputDimensionality: 8 }] });
    const body = (await res.json()) as { embeddings: { values: number[] }[] };
    expect(body.embeddings.map((e) => e.values.length)).toEqual([3072, 8]);
  });

  it('embedContent returns one embedding', async () => {
    const res = await call('/v1beta/models/gemini-embedding-001:embedContent', { content: hi[0], outputDimensionality: 16 });
    const body = (await res.json()) as { embedding: { values: number[] } };
    expect(body.embedding.values).toHaveLength(16);
  });
});

describe('after all of it', () => {
  it('the thread is still up and answering', async () => {
    const res = await generate({ contents: hi });
    expect(res.status).toBe(200);
    const health = await fetch(`${sim.url}/_understudy/health`);
    expect(health.status).toBe(200);
  });
});
