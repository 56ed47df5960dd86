/**
 * Bad and hostile input against the real server on port 0: every rejection has OpenAI's status
 * and four-key error body, and nothing a client sends (or fails to send) takes a thread down.
 */
import { connect, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigInput } from '../src/config/schema.js';
import type { Logger } from '../src/log.js';
import { startServer, type RunningServer } from '../src/workers/supervisor.js';

interface Sim {
  readonly server: RunningServer;
  readonly url: string;
  readonly port: number;
  /** Error lines the supervisor logged: a thread that crashes or exits shows up here. */
  readonly errors: string[];
}

async function boot(options: ConfigInput): Promise<Sim> {
  const errors: string[] = [];
  const log: Logger = { error: (m) => errors.push(m), warn: () => {}, info: () => {}, debug: () => {} };
  const server = await startServer(resolveConfig({ port: 0, threads: 1, speed: 0, logLevel: 'silent', ...options }), log);
  return { server, url: `http://127.0.0.1:${server.port}`, port: server.port, errors };
}

const MODEL = 'gpt-4o-mini';
const hi = [{ role: 'user', content: 'Hi' }];
const valid = { model: MODEL, messages: hi };
const tool = (name: string): Record<string, unknown> => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } });

async function postChat(sim: Sim, body: string | Buffer | Record<string, unknown> | unknown[], headers: Record<string, string> = {}): Promise<Response> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
}

async function post(sim: Sim, path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body });
}

interface ErrorShape {
  readonly type?: string;
  readonly param: string | null;
  readonly code: string | RegExp | null;
}

/** Checks the status and OpenAI's error body: exactly message, type, param and code. */
async function expectOpenAIError(res: Response, status: number, want: ErrorShape): Promise<{ message: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
  expect((body.error.message as string).length).toBeGreaterThan(0);
  const code: unknown = want.code instanceof RegExp ? expect.stringMatching(want.code) : want.code;
  expect(body.error).toMatchObject({ type: want.type ?? 'invalid_request_error', param: want.param, code });
  return { message: body.error.message as string };
}

/** A normal request still succeeds, health answers, and the supervisor saw no thread exit. */
async function expectAlive(sim: Sim): Promise<void> {
  const res = await postChat(sim, valid);
  expect(res.status).toBe(200);
  const reply = (await res.json()) as { object: string; choices: unknown[] };
  expect(reply.object).toBe('chat.completion');
  expect(reply.choices).toHaveLength(1);
  const health = await fetch(`${sim.url}/_understudy/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok' });
  expect(sim.errors).toEqual([]);
  expect(sim.server.restarts()).toBe(0);
}

async function health(sim: Sim): Promise<{ inFlight: number }> {
  return (await (await fetch(`${sim.url}/_understudy/health`)).json()) as { inFlight: number };
}

async function metric(sim: Sim, line: RegExp): Promise<number> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  const m = line.exec(text);
  if (m === null) throw new Error(`metric ${String(line)} missing from /metrics`);
  return Number(m[1]);
}
const ACTIVE_STREAMS = /^understudy_active_streams (\S+)$/m;
const DISCONNECTS = /^understudy_errors_total\{kind="client_disconnect"\} (\S+)$/m;

function rawSocket(sim: Sim): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(sim.port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes raw bytes and collects everything until the server closes the connection. */
async function rawUntilClosed(sim: Sim, data: string | Buffer): Promise<string> {
  const socket = await rawSocket(sim);
  return new Promise((resolve) => {
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(out));
    socket.write(data);
  });
}

/** A raw POST; the body's own Content-Length unless `headers` sets Content-Length or Transfer-Encoding. */
function httpRequest(path: string, body: string, headers: Record<string, string> = {}): string {
  const framed = 'Content-Length' in headers || 'Transfer-Encoding' in headers;
  const all = framed ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', ...Object.entries(all).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** The body of a raw HTTP/1.1 response with a Content-Length. */
function rawBody(raw: string): { status: number; headers: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: raw.slice(split + 4) };
}

/** Sends a streaming chat request on a raw socket and resolves once the first response bytes arrive. */
async function openStream(sim: Sim): Promise<{ socket: Socket; first: string }> {
  const socket = await rawSocket(sim);
  socket.on('error', () => {});
  const first = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
  // A long planned TTFT keeps the stream open until the client leaves, however slow the machine.
  socket.write(httpRequest('/v1/chat/completions', JSON.stringify({ ...valid, stream: true }), { 'x-understudy-ttft-ms': '60000' }));
  return { socket, first: await first };
}

describe('request validation: status and OpenAI error body', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await boot({});
    return () => sim.server.stop();
  });

  it('answers a body that is not JSON with 400 and param null', async () => {
    const { message } = await expectOpenAIError(await postChat(sim, '{"model": '), 400, { param: null, code: null });
    expect(message).toMatch(/could not parse the JSON body/);
  });

  it.each([
    ['an array', '[]', /an array/],
    ['a string', '"hello"', /string/],
    ['a number', '42', /number/],
    ['null', 'null', /got null/],
  ])('answers a JSON body that is %s with 400', async (_what, body, words) => {
    const { message } = await expectOpenAIError(await postChat(sim, body), 400, { param: null, code: 'invalid_type' });
    expect(message).toMatch(words);
  });

  it('answers a missing model with missing_required_parameter', async () => {
    await expectOpenAIError(await postChat(sim, { messages: hi }), 400, { param: 'model', code: 'missing_required_parameter' });
  });

  it('answers a model of the wrong type with invalid_type', async () => {
    const { message } = await expectOpenAIError(await postChat(sim, { model: 4, messages: hi }), 400, { param: 'model', code: 'invalid_type' });
    expect(message).toMatch(/expected a string/);
  });

  it('answers missing messages with missing_required_parameter', async () => {
    await expectOpenAIError(await postChat(sim, { model: MODEL }), 400, { param: 'messages', code: 'missing_required_parameter' });
  });

  it('answers messages that are not an array with invalid_type', async () => {
    await expectOpenAIError(await postChat(sim, { model: MODEL, messages: 'Hi' }), 400, { param: 'messages', code: 'invalid_type' });
  });

  it('answers empty messages with empty_array', async () => {
    await expectOpenAIError(await postChat(sim, { model: MODEL, messages: [] }), 400, { param: 'messages', code: 'empty_array' });
  });

  it('answers empty tools with empty_array', async () => {
    await expectOpenAIError(await postChat(sim, { ...valid, tools: [] }), 400, { param: 'tools', code: 'empty_array' });
  });

  it.each([
    ['presence_penalty', 3, 'integer_above_max_value'],
    ['frequency_penalty', -2.5, 'decimal_below_min_value'],
    ['presence_penalty', '1', 'invalid_type'],
    ['top_logprobs', 21, 'integer_above_max_value'],
    ['top_logprobs', -1, 'integer_below_min_value'],
    ['logprobs', 1, 'invalid_type'],
    ['store', 'yes', 'invalid_type'],
  ])('checks %s = %j, a field it does not act on, as OpenAI does (%s)', async (field, value, code) => {
    await expectOpenAIError(await postChat(sim, { ...valid, [field]: value }), 400, { param: field, code });
  });

  it('checks each logit_bias value against ±100', async () => {
    await expectOpenAIError(await postChat(sim, { ...valid, logit_bias: { '1': 101 } }), 400, { param: 'logit_bias.1', code: 'integer_above_max_value' });
    const ok = await postChat(sim, { ...valid, logit_bias: { '1': -100, '2': 100 }, presence_penalty: -2, frequency_penalty: 2, logprobs: true, top_logprobs: 20, store: false });
    expect(ok.status).toBe(200);
    await ok.text();
  });

  it('answers an unknown role with invalid_value on messages[0].role', async () => {
    const { message } = await expectOpenAIError(await postChat(sim, { model: MODEL, messages: [{ role: 'wizard', content: 'Hi' }] }), 400, {
      param: 'messages[0].role',
      code: 'invalid_value',
    });
    expect(message).toContain("'wizard'");
  });

  it('answers a user message without content on messages[0].content', async () => {
    await expectOpenAIError(await postChat(sim, { model: MODEL, messages: [{ role: 'user' }] }), 400, {
      param: 'messages[0].content',
      code: 'missing_required_parameter',
    });
  });

  it('names the index of the offending message', async () => {
    const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'user', content: null }];
    await expectOpenAIError(await postChat(sim, { model: MODEL, messages }), 400, { param: 'messages[2].content', code: 'missing_required_parameter' });
  });

  it('answers a tool message without tool_call_id on messages[0].tool_call_id', async () => {
    await expectOpenAIError(await postChat(sim, { model: MODEL, messages: [{ role: 'tool', content: '42' }] }), 400, {
      param: 'messages[0].tool_call_id',
      code: 'missing_required_parameter',
    });
  });

  it.each([
    ['n: 0', { n: 0 }, 'n', 'integer_below_min_value'],
    ['n: 500', { n: 500 }, 'n', 'integer_above_max_value'],
    ['n: 1.5', { n: 1.5 }, 'n', 'invalid_type'],
    ['temperature: 5', { temperature: 5 }, 'temperature', /above_max_value$/],
    ['temperature: -1', { temperature: -1 }, 'temperature', /below_min_value$/],
    ['max_tokens: 0', { max_tokens: 0 }, 'max_tokens', 'integer_below_min_value'],
    ['stream: "yes"', { stream: 'yes' }, 'stream', 'invalid_type'],
  ])('answers %s with 400 naming the parameter', async (_what, extra, param, code) => {
    await expectOpenAIError(await postChat(sim, { ...valid, ...extra }), 400, { param, code });
  });

  it('answers stream_options without stream on param stream_options', async () => {
    await expectOpenAIError(await postChat(sim, { ...valid, stream_options: { include_usage: true } }), 400, {
      param: 'stream_options',
      code: 'invalid_value',
    });
  });

  it("answers tool_choice 'required' without tools on param tool_choice", async () => {
    await expectOpenAIError(await postChat(sim, { ...valid, tool_choice: 'required' }), 400, { param: 'tool_choice', code: null });
  });

  it('answers a named tool_choice that is not among the tools', async () => {
    const { message } = await expectOpenAIError(
      await postChat(sim, { ...valid, tools: [tool('get_weather')], tool_choice: { type: 'function', function: { name: 'get_time' } } }),
      400,
      { param: 'tool_choice', code: 'invalid_value' },
    );
    expect(message).toContain('get_time');
  });

  it('answers a tool name with spaces on the tool name parameter', async () => {
    await expectOpenAIError(await postChat(sim, { ...valid, tools: [tool('get weather')] }), 400, {
      param: 'tools[0].function.name',
      code: 'invalid_value',
    });
  });

  it('checks the body of a stored completion update: JSON, an object, with metadata', async () => {
    const stored = (await (await postChat(sim, { ...valid, store: true })).json()) as { id: string };
    const update = (body: string): Promise<Response> => post(sim, `/v1/chat/completions/${stored.id}`, body);
    await expectOpenAIError(await update('{"metadata": '), 400, { param: null, code: null });
    await expectOpenAIError(await update('[]'), 400, { param: null, code: 'invalid_type' });
    // `metadata` is required (the SDK's ChatCompletionUpdateParams), if only as null.
    const { message } = await expectOpenAIError(await update('{}'), 400, { param: 'metadata', code: 'missing_required_parameter' });
    expect(message).toBe("Missing required parameter: 'metadata'.");
    await expectOpenAIError(await update('{"metadata":"x"}'), 400, { param: 'metadata', code: 'invalid_type' });
    await expectOpenAIError(await update(JSON.stringify({ metadata: { k: 'v'.repeat(513) } })), 400, { param: 'metadata', code: 'invalid_value' });
    // The body is checked before the completion is looked up.
    await expectOpenAIError(await post(sim, '/v1/chat/completions/chatcmpl-none', '{}'), 400, { param: 'metadata', code: 'missing_required_parameter' });
    for (const body of ['{"metadata":null}', '{"metadata":{"run":"2"}}']) expect((await update(body)).status).toBe(200);
  });

  it('answers an unknown path with 404 and the OpenAI body', async () => {
    const { message } = await expectOpenAIError(await fetch(`${sim.url}/v1/nope`), 404, { param: null, code: null });
    expect(message).toBe('Invalid URL (GET /v1/nope)');
    await expectOpenAIError(await fetch(`${sim.url}/v1/nope`, { method: 'POST', body: '{}' }), 404, { param: null, code: null });
  });

  it('answers PUT on /v1/chat/completions with 405 and allow: GET, POST (GET lists stored completions)', async () => {
    const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'PUT' });
    expect(res.headers.get('allow')).toBe('GET, POST');
    await expectOpenAIError(res, 405, { param: null, code: 'method_not_allowed' });
  });

  it('counts rejected requests by kind in /metrics', async () => {
    const before = await metric(sim, /^understudy_errors_total\{kind="invalid_json"\} (\S+)$/m);
    await (await postChat(sim, 'not json')).text();
    expect(await metric(sim, /^understudy_errors_total\{kind="invalid_json"\} (\S+)$/m)).toBe(before + 1);
  });
});

describe('body limit', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await boot({ bodyLimitBytes: 2048 });
    return () => sim.server.stop();
  });
  const big = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(4096) }] });

  it('answers a body over the limit sent with content-length with 413', async () => {
    const { message } = await expectOpenAIError(await postChat(sim, big), 413, { param: null, code: 'request_too_large' });
    expect(message).toContain('2048');
  });

  it('answers a chunked body that grows past the limit with 413 at once, and reads nothing more of that connection', async () => {
    const chunk = Buffer.from(big);
    const socket = await rawSocket(sim);
    let raw = '';
    socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    socket.on('error', () => {});
    // One chunk past the limit and no end to the body: the 413 comes without waiting for the rest.
    socket.write(Buffer.concat([Buffer.from(httpRequest('/v1/chat/completions', '', { 'Transfer-Encoding': 'chunked' })), Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    await expect.poll(() => raw.includes('\r\n\r\n') && raw.endsWith('}'), { timeout: 5000 }).toBe(true);
    const first = rawBody(raw);
    expect(first.status).toBe(413);
    // A body with no declared end is not read on to its end: the connection is done.
    expect(first.headers).toContain('connection: close');
    const body = JSON.parse(first.body) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'request_too_large' });
    // The body's end and a request after it go unread and unanswered.
    raw = '';
    socket.write(`0\r\n\r\n${httpRequest('/v1/chat/completions', JSON.stringify(valid))}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(raw).toBe('');
    socket.destroy();
  });

  it('answers a declared length past the limit before the body comes, and reads the body it declared before the next request', async () => {
    const body = JSON.stringify({ ...valid, messages: [{ role: 'user', content: 'y'.repeat(100_000) }] });
    const socket = await rawSocket(sim);
    let raw = '';
    socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    socket.write(httpRequest('/v1/chat/completions', '', { 'Content-Length': String(Buffer.byteLength(body)) }));
    await expect.poll(() => raw.endsWith('}'), { timeout: 5000 }).toBe(true);
    expect(rawBody(raw).status).toBe(413);
    expect(rawBody(raw).headers).not.toContain('connection: close');
    raw = '';
    socket.write(body + httpRequest('/v1/chat/completions', JSON.stringify(valid)));
    await expect.poll(() => raw.includes('"chat.completion"') && raw.endsWith('}'), { timeout: 5000 }).toBe(true);
    expect(rawBody(raw).status).toBe(200);
    socket.destroy();
  });

  it('accepts a streamed (chunked) body under the limit', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(valid));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 10));
        controller.enqueue(bytes.subarray(10));
        controller.close();
      },
    });
    const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
  });

  it('decodes a body split inside a UTF-8 character as the whole text', async () => {
    // With a seed, the answer is keyed by the prompt text: a character broken at the chunk
    // boundary (two U+FFFD) would give another answer and another prompt token count.
    const request = JSON.stringify({ ...valid, seed: 7, messages: [{ role: 'user', content: 'café 日本語 naïve' }] });
    const bytes = new TextEncoder().encode(request);
    const cut = bytes.indexOf(0xe6) + 1; // inside the three bytes of 日
    const send = async (parts: Uint8Array[]) => {
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const p of parts) {
            controller.enqueue(p);
            await new Promise((r) => setTimeout(r, 20));
          }
          controller.close();
        },
      });
      const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' });
      expect(res.status).toBe(200);
      return (await res.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number } };
    };
    const whole = await send([bytes]);
    const split = await send([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(split.usage.prompt_tokens).toBe(whole.usage.prompt_tokens);
    expect(split.choices[0]!.message.content).toBe(whole.choices[0]!.message.content);
    // And a prompt that really differs there does change the answer: the comparison can fail.
    const other = await send([new TextEncoder().encode(request.replace('日', '\uFFFD\uFFFD'))]);
    expect(other.choices[0]!.message.content).not.toBe(whole.choices[0]!.message.content);
  });

  it('refuses a body that starts with a byte-order mark, as invalid JSON', async () => {
    const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(valid))]) });
    expect(res.status).toBe(400);
  });

  it('keeps serving after 413s', async () => {
    await expectAlive(sim);
  });
});

describe('API keys and strict models', () => {
  const KEY = 'sk-understudy-0123456789abcdef';
  let sim: Sim;
  beforeAll(async () => {
    sim = await boot({ apiKeys: [KEY, 'sk-second-key-000000'], strictModels: true });
    return () => sim.server.stop();
  });

  it('answers a request without Authorization with 401 and code null', async () => {
    const { message } = await expectOpenAIError(await postChat(sim, valid), 401, { param: null, code: null });
    expect(message).toContain("You didn't provide an API key");
  });

  it('checks the key before reading the body, as OpenAI does: bad JSON without a key is a 401', async () => {
    const { message } = await expectOpenAIError(await postChat(sim, '{not json'), 401, { param: null, code: null });
    expect(message).toContain("You didn't provide an API key");
  });

  it('answers a non-Bearer Authorization as a missing key', async () => {
    const { message } = await expectOpenAIError(await postChat(sim, valid, { authorization: `Basic ${KEY}` }), 401, { param: null, code: null });
    expect(message).toContain("You didn't provide an API key");
  });

  it('answers a wrong key with invalid_api_key without echoing the key', async () => {
    const wrong = 'sk-wrong-key-abcdefghijklmnop-SECRET';
    const { message } = await expectOpenAIError(await postChat(sim, valid, { authorization: `Bearer ${wrong}` }), 401, {
      param: null,
      code: 'invalid_api_key',
    });
    expect(message).toContain('Incorrect API key provided');
    expect(message).not.toContain(wrong);
    expect(message).not.toContain('SECRET');
    expect(message).toContain('sk-');
  });

  it('accepts each configured key', async () => {
    for (const key of [KEY, 'sk-second-key-000000']) {
      const res = await postChat(sim, valid, { authorization: `Bearer ${key}` });
      expect(res.status).toBe(200);
      await res.text();
    }
  });

  it('answers an unknown model with 404 model_not_found under strictModels', async () => {
    const { message } = await expectOpenAIError(await postChat(sim, { ...valid, model: 'gpt-imaginary-9' }, { authorization: `Bearer ${KEY}` }), 404, {
      param: 'model',
      code: 'model_not_found',
    });
    expect(message).toContain('gpt-imaginary-9');
  });
});

describe('hostile input never takes a thread down', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await boot({});
    return () => sim.server.stop();
  });

  it('survives 100k unclosed brackets', async () => {
    await expectOpenAIError(await postChat(sim, '['.repeat(100_000)), 400, { param: null, code: null });
    await expectAlive(sim);
  });

  it('survives 100k nested arrays and objects', async () => {
    await expectOpenAIError(await postChat(sim, '['.repeat(100_000) + ']'.repeat(100_000)), 400, { param: null, code: 'invalid_type' });
    const deepContent = `{"model":"${MODEL}","messages":[{"role":"user","content":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`;
    await expectOpenAIError(await postChat(sim, deepContent), 400, { param: 'messages[0].content', code: 'invalid_value' });
    const deepExtra = `{"model":"${MODEL}","messages":[{"role":"user","content":"Hi"}],"metadata_x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    const res = await postChat(sim, deepExtra);
    expect(res.status).toBe(200);
    await res.text();
    await expectAlive(sim);
  });

  it('survives a deeply nested tool schema', async () => {
    const depth = 5000;
    const schema = `${'{"type":"object","properties":{"a":'.repeat(depth)}{"type":"string"}${'}}'.repeat(depth)}`;
    const body = `{"model":"${MODEL}","messages":[{"role":"user","content":"Hi"}],"tool_choice":"required","tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]}`;
    const res = await postChat(sim, body);
    expect([200, 400]).toContain(res.status);
    await res.text();
    await expectAlive(sim);
  });

  it('answers a tool schema nested 20,000 deep with 400 in each provider\'s shape, not 500', async () => {
    // Parsing such a body works; walking it (counting, schemas, JSON.stringify) overflows the stack.
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const schema = `{"type":"object","properties":{"x":${deep}}}`;
    const message = 'The request body nests JSON arrays and objects too deeply to be processed.';
    await expectOpenAIError(
      await postChat(sim, `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"tool_choice":"required","tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]}`),
      400,
      { param: null, code: null },
    );
    await expectOpenAIError(await post(sim, '/v1/responses', `{"model":"${MODEL}","input":"hi","tools":[{"type":"function","name":"f","parameters":${schema}}]}`), 400, { param: null, code: null });
    // Azure passes the model service's 400s through in OpenAI's shape, with its own headers.
    for (const path of ['/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21', '/openai/v1/chat/completions']) {
      const azure = await post(sim, path, `{"model":"${MODEL}","messages":[{"role":${deep}}]}`, { 'api-key': 'k' });
      expect(azure.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect((await expectOpenAIError(azure, 400, { param: null, code: null })).message).toBe(message);
    }
    const anthropic = await post(sim, '/v1/messages', `{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":${schema}}]}`);
    expect(anthropic.status).toBe(400);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } });
    const gemini = await post(sim, '/v1beta/models/gemini-2.5-flash:generateContent', `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":${schema}}]}]}`);
    expect(gemini.status).toBe(400);
    expect(await gemini.json()).toEqual({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } });
    await expectAlive(sim);
  });

  it('never writes a model id into a header when it could break the header block', async () => {
    for (const model of ['abc\r\nSet-Cookie: pwn=1', 'x\u0000', 'm'.repeat(200_000)]) {
      const res = await post(sim, '/v1/embeddings', JSON.stringify({ model, input: 'hi' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('openai-model')).toBeNull();
      await res.text();
    }
    // An Azure deployment name, decoded from the path, is the model id.
    const azure = await post(sim, '/openai/deployments/a%0d%0aSet-Cookie:%20pwn=1/embeddings?api-version=2024-10-21', JSON.stringify({ input: 'hi' }));
    expect(azure.status).toBe(200);
    expect(azure.headers.get('set-cookie')).toBeNull();
    await azure.text();
    const plain = await post(sim, '/v1/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: 'hi' }));
    expect(plain.headers.get('openai-model')).toBe('text-embedding-3-small');
    await plain.text();
    await expectAlive(sim);
  });

  it('finds no model in the tables for ids that name Object.prototype members', async () => {
    for (const model of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await post(sim, '/v1/embeddings', JSON.stringify({ model, input: 'x' }));
      expect(res.status).toBe(200);
      // Served as any unknown id: 1,536 floats.
      expect(((await res.json()) as { data: { embedding: number[] }[] }).data[0]!.embedding).toHaveLength(1536);
    }
    const gemini = await post(sim, '/v1beta/models/toString:embedContent', JSON.stringify({ content: { parts: [{ text: 'x' }] } }));
    expect(gemini.status).toBe(200);
    expect(((await gemini.json()) as { embedding: { values: number[] } }).embedding.values).toHaveLength(3072);
    const got = await fetch(`${sim.url}/v1beta/models/constructor`);
    expect(got.status).toBe(404);
    expect(await got.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    await expectAlive(sim);
  });

  it.each([
    ['1 MB of one letter', 'a'.repeat(1 << 20)],
    ['1 MB of punctuation', '}'.repeat(1 << 20)],
    ['1 MB of words', 'lorem ipsum '.repeat((1 << 20) / 12)],
  ])('answers %s in content', async (_what, content) => {
    // A model with a window of a million tokens: for MODEL's 128,000 these are refused as too long.
    const res = await postChat(sim, { model: 'gpt-4.1-mini', messages: [{ role: 'user', content }] });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { usage: { prompt_tokens: number } };
    expect(reply.usage.prompt_tokens).toBeGreaterThan(1000);
    await expectAlive(sim);
  });

  it('survives invalid UTF-8 bytes in content and in the model id', async () => {
    const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f]);
    const inContent = Buffer.concat([Buffer.from(`{"model":"${MODEL}","messages":[{"role":"user","content":"`), bad, Buffer.from('"}]}')]);
    const res = await postChat(sim, inContent);
    expect(res.status).toBe(200);
    await res.text();
    const inModel = Buffer.concat([Buffer.from('{"model":"gpt'), bad, Buffer.from('","messages":[{"role":"user","content":"Hi"}]}')]);
    const res2 = await postChat(sim, inModel);
    expect(res2.status).toBe(200);
    await res2.text();
    const asJson = Buffer.concat([Buffer.from('{"model":'), bad, Buffer.from('}')]);
    await expectOpenAIError(await postChat(sim, asJson), 400, { param: null, code: null });
    await expectAlive(sim);
  });

  it('answers 10k messages', async () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `message ${i}` }));
    const res = await postChat(sim, { model: MODEL, messages });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { usage: { prompt_tokens: number } };
    expect(reply.usage.prompt_tokens).toBeGreaterThan(30_000);
    const bad = [...messages.slice(0, 9_999), { role: 'wizard', content: 'x' }];
    await expectOpenAIError(await postChat(sim, { model: MODEL, messages: bad }), 400, { param: 'messages[9999].role', code: 'invalid_value' });
    await expectAlive(sim);
  });

  it('treats __proto__ and constructor keys as plain data', async () => {
    // A __proto__ key must not supply the missing model or messages.
    await expectOpenAIError(await postChat(sim, `{"__proto__":{"model":"${MODEL}","messages":[{"role":"user","content":"Hi"}]}}`), 400, {
      param: 'model',
      code: 'missing_required_parameter',
    });
    await expectOpenAIError(await postChat(sim, `{"model":"${MODEL}","messages":[{"__proto__":{"role":"user","content":"Hi"}}]}`), 400, {
      param: 'messages[0].role',
      code: 'missing_required_parameter',
    });
    const polluting = [
      `{"__proto__":{"polluted":true,"stream":true},"constructor":{"prototype":{"polluted":true}},"model":"${MODEL}","messages":[{"role":"user","content":"Hi","__proto__":{"role":"tool"}}]}`,
      `{"model":"${MODEL}","messages":[{"role":"user","content":"Hi"}],"tool_choice":"required","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"number"}},"required":["__proto__","constructor"]}}}]}`,
      `{"model":"${MODEL}","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"__proto__":{"type":"object","properties":{"polluted":{"type":"boolean"}},"required":["polluted"]}},"required":["__proto__"]}}}}`,
    ];
    for (const body of polluting) {
      const res = await postChat(sim, body);
      expect(res.status).toBe(200);
      // A polluted prototype would have turned this into a stream or a tool answer.
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const reply = (await res.json()) as { object: string };
      expect(reply.object).toBe('chat.completion');
    }
    const plain = (await (await postChat(sim, valid)).json()) as { choices: { message: Record<string, unknown> }[] };
    expect(plain.choices[0]!.message.role).toBe('assistant');
    expect(plain.choices[0]!.message).not.toHaveProperty('polluted');
    await expectAlive(sim);
  });

  it('closes malformed HTTP without harm', async () => {
    // uWS closes these at once.
    for (const bad of [
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\n\r\n`,
    ]) {
      expect(await rawUntilClosed(sim, bad)).not.toMatch(/^HTTP\/1\.1 [25]/);
    }
    // These wait for the idle timeout; the server must keep serving others meanwhile.
    const garbage = await Promise.all(['GARBAGE\r\n\r\n', '\x00\x01\x02\xff\r\n\r\n', 'GET / HTTP/1.1\r\nHost\r\n\r\n'].map(async (bad) => {
      const socket = await rawSocket(sim);
      socket.on('error', () => {});
      socket.write(Buffer.from(bad, 'latin1'));
      return socket;
    }));
    await expectAlive(sim);
    for (const socket of garbage) socket.destroy();
    await expectAlive(sim);
  });

  it('forgets a client that sends half a body and disconnects', async () => {
    const before = await metric(sim, DISCONNECTS);
    const socket = await rawSocket(sim);
    socket.on('error', () => {});
    const half = JSON.stringify(valid);
    socket.write(httpRequest('/v1/chat/completions', half.slice(0, 20), { 'Content-Length': String(half.length) }));
    // The server holds the exchange until the socket goes away...
    await expect.poll(async () => (await health(sim)).inFlight).toBe(2);
    socket.destroy();
    // ...then drops it: only the health request itself is in flight.
    await expect.poll(async () => (await health(sim)).inFlight).toBe(1);
    expect(await metric(sim, DISCONNECTS)).toBe(before + 1);
    await expectAlive(sim);
  });
});

describe('clients that disconnect mid-stream', () => {
  let sim: Sim;
  beforeAll(async () => {
    // Real pacing, so a stream is still running when its client leaves.
    sim = await boot({ speed: 1 });
    return () => sim.server.stop();
  });

  it('frees the stream and counts the disconnect', async () => {
    const before = await metric(sim, DISCONNECTS);
    const { socket, first } = await openStream(sim);
    expect(first).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(first).toContain('text/event-stream');
    expect(first).not.toContain('[DONE]');
    expect(await metric(sim, ACTIVE_STREAMS)).toBe(1);
    socket.destroy();
    await expect.poll(() => metric(sim, ACTIVE_STREAMS)).toBe(0);
    await expect.poll(() => metric(sim, DISCONNECTS)).toBeGreaterThanOrEqual(before + 1);
    await expect.poll(async () => (await health(sim)).inFlight).toBe(1);
    expect(sim.errors).toEqual([]);
  });

  it('frees 200 streams whose clients leave at once', async () => {
    const before = await metric(sim, DISCONNECTS);
    const streams = await Promise.all(Array.from({ length: 200 }, () => openStream(sim)));
    for (const s of streams) expect(s.first).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(await metric(sim, ACTIVE_STREAMS)).toBe(200);
    for (const s of streams) s.socket.destroy();
    await expect.poll(() => metric(sim, ACTIVE_STREAMS)).toBe(0);
    await expect.poll(() => metric(sim, DISCONNECTS)).toBeGreaterThanOrEqual(before + 200);
    await expect.poll(async () => (await health(sim)).inFlight).toBe(1);
    // A full stream still runs to the end afterwards.
    const res = await postChat(sim, { ...valid, stream: true, max_tokens: 5 });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/data: \[DONE\]\n\n$/);
    expect(sim.errors).toEqual([]);
  });
});
