/**
 * Azure OpenAI and xAI as their users meet them: Azure's own 429 and deployment-not-found
 * answers through the `AzureOpenAI` client, and which Grok models take a reasoning effort.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import { describe, expect, it } from 'vitest';
import { rejection, tempFile, useSimulator } from './fixtures/sim.js';
import type { Simulator } from '../src/index.js';

const API_VERSION = '2024-10-21';
const HELLO = [{ role: 'user' as const, content: 'Say hello in one sentence.' }];

function azure(sim: Simulator, deployment: string): AzureOpenAI {
  return new AzureOpenAI({ endpoint: sim.url, apiKey: 'k', apiVersion: API_VERSION, deployment, maxRetries: 0 });
}

describe("Azure's rate limits answer in Azure's shape, not OpenAI's", () => {
  const sim = useSimulator({ quota: tempFile('quota.json', { defaults: { requestsPerMinute: 1, tokensPerMinute: 1_000_000 } }) });

  it('a chat request past the requests-per-minute limit: 429 with code "429", the operation and api-version named, and retry-after', async () => {
    const client = azure(sim(), 'gpt-4o-mini');
    await client.chat.completions.create({ model: 'x', messages: HELLO, max_tokens: 5 });
    const err = await rejection(client.chat.completions.create({ model: 'x', messages: HELLO, max_tokens: 5 }), OpenAI.RateLimitError);
    expect(err.code).toBe('429');
    expect(err.type).toBeUndefined();
    expect(err.error).toEqual({ code: '429', message: expect.any(String) as unknown });
    expect(err.message).toMatch(
      /^429 Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current OpenAI S0 pricing tier\. Please retry after \d+ seconds?\. Please go here: https:\/\/aka\.ms\/oai\/quotaincrease if you would like to further increase the default rate limit\.$/,
    );
    expect(Number(err.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(err.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an injected rate limit on an embeddings deployment names Embeddings_Create', async () => {
    const err = await rejection(
      azure(sim(), 'text-embedding-3-small').embeddings.create({ model: 'x', input: 'hi' }, { headers: { 'x-understudy-fault': 'rate_limit' } }),
      OpenAI.RateLimitError,
    );
    expect(err.code).toBe('429');
    expect(err.message).toMatch(/^429 Requests to the Embeddings_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit .* Please retry after 1 second\./);
    expect(err.headers.get('retry-after')).toBe('1');
  });
});

describe("Azure's spent quota", () => {
  const sim = useSimulator();

  it('an injected quota_exhausted is the 429 Azure sends for a spent daily quota: token rate limit, retry after 86400 seconds, not OpenAI’s billing error', async () => {
    const err = await rejection(
      azure(sim(), 'gpt-4o-mini').chat.completions.create({ model: 'x', messages: HELLO }, { headers: { 'x-understudy-fault': 'quota_exhausted' } }),
      OpenAI.RateLimitError,
    );
    expect(err.code).toBe('429');
    expect(err.message).toMatch(/^429 Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier\. Please retry after 86400 seconds\./);
    expect(err.headers.get('retry-after')).toBe('86400');
  });
});

describe('Azure with --strict-models: an unknown deployment', () => {
  const sim = useSimulator({ strictModels: true });

  it("is Azure's 404 DeploymentNotFound, answered before the body is read, on every deployment route", async () => {
    const err = await rejection(azure(sim(), 'no-such-deployment').chat.completions.create({ model: 'x', messages: HELLO }), OpenAI.NotFoundError);
    expect(err.code).toBe('DeploymentNotFound');
    expect(err.error).toEqual({
      code: 'DeploymentNotFound',
      message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
    });
    expect(err.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // A bad body does not matter: the gateway has no deployment to send it to.
    const bad = await rejection(azure(sim(), 'no-such-deployment').chat.completions.create({ model: 'x', messages: [] }), OpenAI.NotFoundError);
    expect(bad.code).toBe('DeploymentNotFound');
    const emb = await rejection(azure(sim(), 'no-such-embedder').embeddings.create({ model: 'x', input: 'hi' }), OpenAI.NotFoundError);
    expect(emb.code).toBe('DeploymentNotFound');
    // Deployments named as the models they serve still answer.
    expect((await azure(sim(), 'gpt-4o-mini').chat.completions.create({ model: 'x', messages: HELLO, max_tokens: 5 })).choices).toHaveLength(1);
    expect((await azure(sim(), 'text-embedding-3-small').embeddings.create({ model: 'x', input: 'hi' })).data).toHaveLength(1);
  });
});

describe('xAI: Grok reasoning and the models that take an effort', () => {
  const sim = useSimulator();

  it('Grok 4.3 and 4.20 multi-agent take reasoning_effort, as xAI documents; Grok 4 and 4.1 Fast still refuse it', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'xai-key', maxRetries: 0 });
    for (const model of ['grok-4.3', 'grok-4.20-multi-agent']) {
      const reply = await client.chat.completions.create({ model, messages: HELLO, reasoning_effort: 'low' });
      expect(reply.choices[0]!.message.content!.length).toBeGreaterThan(0);
    }
    for (const model of ['grok-4', 'grok-4-1-fast']) {
      const err = await rejection(client.chat.completions.create({ model, messages: HELLO, reasoning_effort: 'low' }), OpenAI.BadRequestError);
      // xAI's body is {"code":…,"error":"…"}: the SDK keeps its `error` string.
      expect(err.error).toBe(`Model ${model} does not support parameter reasoningEffort.`);
    }
  });

  it("Grok's reasoning models refuse a frequency penalty and stop sequences, and Grok 4 words a presence penalty's refusal as it does now; the non-reasoning variants take them", async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'xai-key', maxRetries: 0 });
    const refused = async (body: Omit<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, 'messages'>): Promise<unknown> =>
      (await rejection(client.chat.completions.create({ ...body, messages: HELLO }), OpenAI.BadRequestError)).error;
    expect(await refused({ model: 'grok-4', frequency_penalty: 0 })).toBe('Model grok-4 does not support parameter frequencyPenalty.');
    expect(await refused({ model: 'grok-4.5', frequency_penalty: 0.3 })).toBe('Model grok-4.5 does not support parameter frequencyPenalty.');
    // Grok 3 Mini answers in the older wording xAI used for it.
    expect(await refused({ model: 'grok-3-mini', frequency_penalty: 0.3 })).toBe('Argument not supported on this model: frequencyPenalty');
    expect(await refused({ model: 'grok-4.3', stop: ['END'] })).toBe('Model grok-4.3 does not support parameter stop.');
    expect(await refused({ model: 'grok-4-fast-reasoning', stop: 'END' })).toBe('Model grok-4-fast-reasoning does not support parameter stop.');
    expect(await refused({ model: 'grok-4-1-fast-reasoning', presence_penalty: 0 })).toBe('Model grok-4-1-fast-reasoning does not support parameter presencePenalty.');
    // A null or empty stop is no stop sequence: xAI lets it through.
    expect((await client.chat.completions.create({ model: 'grok-4', messages: HELLO, stop: null, max_tokens: 5 })).choices).toHaveLength(1);
    expect((await client.chat.completions.create({ model: 'grok-4', messages: HELLO, stop: [], max_tokens: 5 })).choices).toHaveLength(1);
    const plain = await client.chat.completions.create({ model: 'grok-4-fast-non-reasoning', messages: HELLO, stop: ['END'], frequency_penalty: 0.3, max_tokens: 5 });
    expect(plain.choices).toHaveLength(1);
  });

  it("Grok's chat usage has xAI's fields: text and image tokens in the prompt's details, num_sources_used, streamed too", async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'xai-key', maxRetries: 0 });
    const usage = (await client.chat.completions.create({ model: 'grok-4', messages: HELLO })).usage as OpenAI.CompletionUsage & { num_sources_used?: number };
    expect(usage.prompt_tokens_details).toEqual({ text_tokens: usage.prompt_tokens, audio_tokens: 0, image_tokens: 0, cached_tokens: 0 });
    expect(usage.num_sources_used).toBe(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens + usage.completion_tokens_details!.reasoning_tokens!);
    let streamed: (OpenAI.CompletionUsage & { num_sources_used?: number }) | null | undefined;
    for await (const c of await client.chat.completions.create({ model: 'grok-3-mini', messages: HELLO, stream: true, stream_options: { include_usage: true } })) streamed = c.usage ?? streamed;
    expect(streamed!.num_sources_used).toBe(0);
    expect(streamed!.prompt_tokens_details).toMatchObject({ text_tokens: streamed!.prompt_tokens, image_tokens: 0 });
    // OpenAI's models keep OpenAI's usage.
    const gpt = (await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, max_tokens: 5 })).usage as OpenAI.CompletionUsage & { num_sources_used?: number };
    expect(gpt.prompt_tokens_details).toEqual({ cached_tokens: 0, audio_tokens: 0 });
    expect(gpt.num_sources_used).toBeUndefined();
  });

  it('on the Responses API, Grok 4 reasons there too, billing reasoning tokens, and refuses reasoning.effort as it does on chat; Grok 3 Mini takes one', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'xai-key', maxRetries: 0 });
    const grok4 = await client.responses.create({ model: 'grok-4', input: 'Say hello.' });
    expect(grok4.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    // xAI's Responses API counts reasoning inside output_tokens, as OpenAI's does.
    expect(grok4.usage!.output_tokens).toBeGreaterThan(grok4.usage!.output_tokens_details.reasoning_tokens);
    expect(grok4.usage!.total_tokens).toBe(grok4.usage!.input_tokens + grok4.usage!.output_tokens);
    const mini = await client.responses.create({ model: 'grok-3-mini', input: 'Say hello.', reasoning: { effort: 'high' } });
    expect(mini.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    for (const model of ['grok-4', 'grok-4-1-fast']) {
      const err = await rejection(client.responses.create({ model, input: 'Say hello.', reasoning: { effort: 'low' } }), OpenAI.BadRequestError);
      expect(err.error).toBe(`Model ${model} does not support parameter reasoningEffort.`);
    }
  });
});

describe("Azure's v1 API: the Responses route the AI SDK and openai's responses.create call", () => {
  const sim = useSimulator({ apiKeys: ['azure-good'] });

  it('creates a response, streamed or not, with the api-key header or a Bearer token, and answers a wrong key in Azure’s 401', async () => {
    const v1 = new OpenAI({ baseURL: `${sim().url}/openai/v1`, apiKey: 'azure-good', maxRetries: 0 });
    const { data, response } = await v1.responses.create({ model: 'gpt-4o-mini', input: 'Say hello.' }).withResponse();
    expect(new URL(response.url).pathname).toBe('/openai/v1/responses');
    expect(data.status).toBe('completed');
    expect(data.output_text.length).toBeGreaterThan(0);
    expect(response.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const types: string[] = [];
    for await (const event of await v1.responses.create({ model: 'gpt-4o-mini', input: 'Say hello.', stream: true })) types.push(event.type);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    const withHeader = await fetch(`${sim().url}/openai/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'azure-good' },
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'hi' }),
    });
    expect(withHeader.status).toBe(200);
    // AzureOpenAI sends responses.create to /openai/responses?api-version=… (no deployment in the path).
    const { data: az, response: azResponse } = await new AzureOpenAI({ endpoint: sim().url, apiKey: 'azure-good', apiVersion: '2025-03-01-preview', maxRetries: 0 })
      .responses.create({ model: 'gpt-4o-mini', input: 'Say hello.' })
      .withResponse();
    expect(new URL(azResponse.url).pathname).toBe('/openai/responses');
    expect(az.output_text.length).toBeGreaterThan(0);
    const unversioned = await fetch(`${sim().url}/openai/responses`, { method: 'POST', headers: { 'content-type': 'application/json', 'api-key': 'azure-good' }, body: JSON.stringify({ model: 'gpt-4o-mini', input: 'hi' }) });
    expect(unversioned.status).toBe(404);
    expect(await unversioned.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
    const wrong = await rejection(new OpenAI({ baseURL: `${sim().url}/openai/v1`, apiKey: 'azure-bad', maxRetries: 0 }).responses.create({ model: 'gpt-4o-mini', input: 'hi' }), OpenAI.AuthenticationError);
    expect(wrong.code).toBe('401');
  });
});
