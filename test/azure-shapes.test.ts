/**
 * Azure OpenAI's own answers to rate limits, a spent quota and gateway failures, on every Azure
 * route (the Responses routes too), through the openai SDK's `AzureOpenAI` client against the real
 * server: the status, the body the SDK parses (`err.error`, `err.code`), the headers, and how many
 * attempts the SDK makes from them.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import { describe, expect, it } from 'vitest';
import { countingFetch, rejection, tempFile, useSimulator } from './fixtures/sim.js';
import type { Simulator } from '../src/index.js';

const API_VERSION = '2025-04-01-preview';
const HELLO = [{ role: 'user' as const, content: 'Say hello in one sentence.' }];

function azure(sim: Simulator, maxRetries = 0, counted?: { fetch: typeof fetch }, deployment?: string): AzureOpenAI {
  return new AzureOpenAI({ endpoint: sim.url, apiKey: 'k', apiVersion: API_VERSION, maxRetries, ...(deployment === undefined ? {} : { deployment }), ...(counted ? { fetch: counted.fetch } : {}) });
}

/** Azure's v1 API: the plain OpenAI client on `/openai/v1`. */
function azureV1(sim: Simulator, maxRetries = 0, counted?: { fetch: typeof fetch }): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/openai/v1`, apiKey: 'k', maxRetries, ...(counted ? { fetch: counted.fetch } : {}) });
}

const fault = (kind: string): { headers: Record<string, string> } => ({ headers: { 'x-understudy-fault': kind } });

type Create = (sim: Simulator, maxRetries: number, counted: { fetch: typeof fetch } | undefined, kind: string) => Promise<unknown>;

const RESPONSES_ROUTES: readonly (readonly [string, Create])[] = [
  ['/openai/responses?api-version=', (sim, retries, counted, kind) => azure(sim, retries, counted).responses.create({ model: 'gpt-4o-mini', input: 'hi' }, fault(kind))],
  ['/openai/v1/responses', (sim, retries, counted, kind) => azureV1(sim, retries, counted).responses.create({ model: 'gpt-4o-mini', input: 'hi' }, fault(kind))],
];

const ALL_ROUTES: readonly (readonly [string, Create])[] = [
  ...RESPONSES_ROUTES,
  ['/openai/deployments/{d}/chat/completions', (sim, retries, counted, kind) => azure(sim, retries, counted, 'gpt-4o-mini').chat.completions.create({ model: 'x', messages: HELLO }, fault(kind))],
  ['/openai/deployments/{d}/embeddings', (sim, retries, counted, kind) => azure(sim, retries, counted, 'text-embedding-3-small').embeddings.create({ model: 'x', input: 'hi' }, fault(kind))],
];

describe("Azure's Responses routes answer rate limits in Azure's shape", () => {
  const sim = useSimulator();

  it.each(RESPONSES_ROUTES)('an injected rate limit on %s is Azure’s 429, and the SDK retries it as retry-after says', async (_route, create) => {
    const counted = countingFetch();
    const err = await rejection(create(sim(), 2, counted, 'rate_limit'), OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.error).toEqual({ code: '429', message: 'Rate limit is exceeded. Try again in 1 seconds.' });
    expect(err.code).toBe('429');
    expect(err.type).toBeUndefined();
    expect(err.headers.get('retry-after')).toBe('1');
    expect(err.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.headers.get('x-ms-region')).toBe('East US');
    // Two retries, each after the second the header names: three attempts in all.
    expect(counted.attempts()).toBe(3);
  });

  it.each(RESPONSES_ROUTES)('a spent quota on %s is Azure’s daily-limit 429, not OpenAI’s insufficient_quota', async (_route, create) => {
    const err = await rejection(create(sim(), 0, undefined, 'quota_exhausted'), OpenAI.RateLimitError);
    expect(err.error).toEqual({ code: '429', message: 'Rate limit is exceeded. Try again in 86400 seconds.' });
    expect(err.headers.get('retry-after')).toBe('86400');
    expect(JSON.stringify(err.error)).not.toMatch(/insufficient_quota|platform\.openai\.com/);
  });
});

describe("Azure's Responses routes under a quota", () => {
  const sim = useSimulator({ quota: tempFile('quota.json', { defaults: { requestsPerMinute: 1, tokensPerMinute: 1_000_000 } }) });

  it('the quota engine’s 429 is Azure’s, naming the wait retry-after gives', async () => {
    const client = azureV1(sim());
    await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    const err = await rejection(client.responses.create({ model: 'gpt-4o-mini', input: 'hi' }), OpenAI.RateLimitError);
    const seconds = err.headers.get('retry-after');
    expect(Number(seconds)).toBeGreaterThan(0);
    expect(err.error).toEqual({ code: '429', message: `Rate limit is exceeded. Try again in ${seconds} seconds.` });
    expect(JSON.stringify(err.error)).not.toMatch(/org-understudy|platform\.openai\.com/);
  });
});

describe('Azure gateway failures are not Cloudflare pages', () => {
  const sim = useSimulator();

  it.each(ALL_ROUTES)('a 502 on %s is JSON in Azure’s shape', async (_route, create) => {
    const err = await rejection(create(sim(), 0, undefined, 'bad_gateway_502'), OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({ code: '502', message: 'Bad gateway' });
    expect(err.headers.get('content-type')).toMatch(/^application\/json/);
    expect(err.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(ALL_ROUTES)('a gateway timeout on %s is Azure’s 408 Timeout, which the SDK retries', async (_route, create) => {
    const counted = countingFetch();
    const err = await rejection(create(sim(), 1, counted, 'gateway_timeout_504'), OpenAI.APIError);
    expect(err.status).toBe(408);
    expect(err.error).toEqual({ code: 'Timeout', message: 'The operation was timeout.' });
    expect(err.code).toBe('Timeout');
    // A 408 has no APIError subclass: the SDK's generic one types its headers loosely.
    expect((err.headers as Headers).get('content-type')).toMatch(/^application\/json/);
    expect(counted.attempts()).toBe(2);
  });
});

describe("Azure's 500 from the model service", () => {
  const sim = useSimulator();

  it.each(ALL_ROUTES)('on %s is OpenAI’s shape with Azure’s words, naming the request id and Azure support', async (_route, create) => {
    const err = await rejection(create(sim(), 0, undefined, 'server_error_500'), OpenAI.InternalServerError);
    expect(err.status).toBe(500);
    const id = err.headers.get('apim-request-id')!;
    expect(err.error).toEqual({
      message: `The server had an error processing your request. Sorry about that! You can retry your request, or contact us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing this error. (Please include the request ID ${id} in your email.)`,
      type: 'server_error',
      param: null,
      code: null,
    });
  });
});
