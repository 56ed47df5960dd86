/**
 * Azure OpenAI through the openai SDK's `AzureOpenAI` client (deployment URLs, `api-version`,
 * the `api-key` header) against the real server, plus the gateway's own answers: a missing
 * api-version, a wrong key, unknown paths under `/openai/`.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';

const API_VERSION = '2024-10-21';
const HELLO = [{ role: 'user' as const, content: 'Say hello in one sentence.' }];

function azureFor(sim: Simulator, apiKey: string, deployment?: string): AzureOpenAI {
  return new AzureOpenAI({ endpoint: sim.url, apiKey, apiVersion: API_VERSION, maxRetries: 0, ...(deployment === undefined ? {} : { deployment }) });
}

function norm(v: readonly number[]): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

describe('AzureOpenAI against the simulator', () => {
  let sim: Simulator;
  let client: AzureOpenAI;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, seed: 3 });
    client = azureFor(sim, 'k', 'gpt-4o-mini');
  });
  afterAll(() => sim.stop());

  it('answers chat on the deployment, naming the deployed model by its snapshot, with Azure headers', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'ignored-by-azure', messages: HELLO, seed: 1 }).withResponse();
    expect(new URL(response.url).pathname).toBe('/openai/deployments/gpt-4o-mini/chat/completions');
    expect(new URL(response.url).searchParams.get('api-version')).toBe(API_VERSION);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('gpt-4o-mini-2024-07-18');
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(response.headers.get('apim-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(response.headers.get('x-ms-region')).toBe('East US');
  });

  it('streams chat on the deployment', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, stream: true, stream_options: { include_usage: true }, seed: 2 });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason != null)).toHaveLength(1);
    expect(chunks[chunks.length - 1]!.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it("carries Azure's content filter results: per choice and for the prompt, and a stream opens with the prompt's results and no choices", async () => {
    const body = (await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO })) as ChatCompletion & { prompt_filter_results: unknown[]; choices: { content_filter_results: Record<string, unknown> }[] };
    expect(body.prompt_filter_results).toEqual([{ prompt_index: 0, content_filter_results: expect.objectContaining({ hate: { filtered: false, severity: 'safe' }, jailbreak: { filtered: false, detected: false } }) as unknown }]);
    expect(body.choices[0]!.content_filter_results).toMatchObject({ violence: { filtered: false, severity: 'safe' }, protected_material_text: { filtered: false, detected: false } });
    const chunks: (ChatCompletionChunk & { prompt_filter_results?: unknown })[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, stream: true })) chunks.push(chunk);
    expect(chunks[0]).toMatchObject({ choices: [], id: '', model: '', object: '', created: 0 });
    expect(chunks[0]!.prompt_filter_results).toHaveLength(1);
    const content = chunks.find((c) => (c.choices[0]?.delta.content ?? '') !== '')!;
    expect((content.choices[0] as unknown as { content_filter_results: object }).content_filter_results).toHaveProperty('hate');
    // A deployment with another name serves (and is named by) the model behind it.
    const other = await azureFor(sim, 'k', 'my-gpt4o').chat.completions.create({ model: 'x', messages: HELLO });
    expect(other.model).toBe('gpt-4o-mini-2024-07-18');
  });

  it('streams to completion through the SDK stream helper', async () => {
    const completion = await client.chat.completions.stream({ model: 'gpt-4o-mini', messages: HELLO }).finalChatCompletion();
    expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });

  it('embeds on an embedding deployment, base64 by default and as floats on request', async () => {
    const embedder = azureFor(sim, 'k', 'text-embedding-3-large');
    const decoded = await embedder.embeddings.create({ model: 'text-embedding-3-large', input: ['alpha', 'beta'] });
    const floats = await embedder.embeddings.create({ model: 'text-embedding-3-large', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 1024 });
    expect(decoded.model).toBe('text-embedding-3-large');
    expect(decoded.data).toHaveLength(2);
    expect(decoded.data[0]!.embedding).toHaveLength(3072);
    expect(floats.data[1]!.embedding).toHaveLength(1024);
    expect(norm(floats.data[1]!.embedding)).toBeCloseTo(1, 5);
  });

  it('routes by the body model when the client names no deployment', async () => {
    const { data, response } = await azureFor(sim, 'k').embeddings.create({ model: 'text-embedding-3-small', input: 'hi', encoding_format: 'float' }).withResponse();
    expect(new URL(response.url).pathname).toBe('/openai/deployments/text-embedding-3-small/embeddings');
    expect(data.data[0]!.embedding).toHaveLength(1536);
  });

  it('answers legacy completions on a deployment', async () => {
    const r = await azureFor(sim, 'k', 'gpt-35-turbo-instruct').completions.create({ model: 'x', prompt: 'Say hi', max_tokens: 5 });
    expect(r.object).toBe('text_completion');
    expect(r.model).toBe('gpt-35-turbo-instruct');
  });

  it('serves the v1 routes with the model in the body and no api-version', async () => {
    const v1 = new OpenAI({ baseURL: `${sim.url}/openai/v1`, apiKey: 'k', maxRetries: 0 });
    const chat = await v1.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO });
    expect(chat.model).toBe('gpt-4o-mini-2024-07-18');
    const emb = await v1.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
    expect(emb.data[0]!.embedding).toHaveLength(1536);
  });

  it('answers a deployment URL without api-version with 404 "Resource not found", as Azure does', async () => {
    const res = await fetch(`${sim.url}/openai/deployments/gpt-4o-mini/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'k' },
      body: JSON.stringify({ messages: HELLO }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
  });

  it('passes request validation errors through in OpenAI’s shape', async () => {
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');
  });

  it('answers unknown paths under /openai/ in Azure’s shape and a wrong method with 405', async () => {
    const missing = await fetch(`${sim.url}/openai/deployments/x/images/edits?api-version=${API_VERSION}`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
    const wrong = await fetch(`${sim.url}/openai/deployments/x/embeddings?api-version=${API_VERSION}`);
    expect(wrong.status).toBe(405);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('405');
  });
});

describe('AzureOpenAI with keys configured', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, apiKeys: ['azure-good'] });
  });
  afterAll(() => sim.stop());

  it('accepts the right api-key', async () => {
    const r = await azureFor(sim, 'azure-good', 'gpt-4o-mini').chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO });
    expect(r.choices).toHaveLength(1);
  });

  it('answers a wrong api-key with AuthenticationError and Azure’s 401 body', async () => {
    const err = await azureFor(sim, 'azure-bad', 'gpt-4o-mini')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const auth = err as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(auth.code).toBe('401');
    expect(auth.message).toMatch(/^401 Access denied due to invalid subscription key or wrong API endpoint\./);
    expect(auth.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a wrong key on embeddings too, and a missing one with Azure’s message', async () => {
    await expect(azureFor(sim, 'nope', 'text-embedding-3-small').embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const res = await fetch(`${sim.url}/openai/deployments/text-embedding-3-small/embeddings?api-version=${API_VERSION}`, { method: 'POST', body: JSON.stringify({ input: 'x' }) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/missing subscription key/);
  });

  it('accepts the key as a Bearer token (Entra ID style)', async () => {
    const res = await fetch(`${sim.url}/openai/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer azure-good' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }),
    });
    expect(res.status).toBe(200);
  });
});
