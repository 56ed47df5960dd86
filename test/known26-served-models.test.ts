/**
 * `--strict-models` serves the models the providers serve today, not only the default corpus's:
 * "known" meant "in the corpus", so GPT-5.4, Claude Opus 4.7, Grok 4.3 and Gemini 3.5 Flash were
 * answered 404 and no models route listed them. A served id the corpus lacks is now answered as
 * the non-strict server answers it (its vendor's entries, its own timing and reasoning), retired
 * ids 404 as the providers answer them, and the models routes list and retrieve today's ids.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { compileCorpus } from '../src/corpus/compiled.js';
import { Corpus } from '../src/corpus/sampler.js';
import { startSimulator } from '../src/index.js';
import { TINY_ENTRIES, writeTempCorpus } from './fixtures/corpus.js';
import { rejection, useSimulator } from './fixtures/sim.js';

const HELLO = [{ role: 'user' as const, content: 'Hello there' }];
const speed = 0.01;
const strict = useSimulator({ strictModels: true, speed, seed: 26 });
const loose = useSimulator({ speed, seed: 26 });
/** A strict and a loose server that see only the same requests in the same order: their draws (entry, timing) then agree. */
const twin = { strict: useSimulator({ strictModels: true, speed, seed: 26 }), loose: useSimulator({ speed, seed: 26 }) };

const openai = (url: string, path = '/v1'): OpenAI => new OpenAI({ baseURL: `${url}${path}`, apiKey: 'k', maxRetries: 0 });
const anthropic = (url: string): Anthropic => new Anthropic({ baseURL: url, apiKey: 'k', maxRetries: 0 });
const gemini = (url: string): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: url } });

async function geminiStatus(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    return { status: e.status, message: (JSON.parse(e.message) as { error: { message: string } }).error.message };
  }
  throw new Error('expected an ApiError');
}

/** What the server planned and drew: the same request to the strict and the loose server must agree. */
const truth = (h: Headers): Record<string, string | null> => ({ entry: h.get('x-understudy-entry'), ttft: h.get('x-understudy-ttft-ms'), itl: h.get('x-understudy-itl-ms') });

describe('OpenAI (and xAI on its routes) with --strict-models', () => {
  it.each(['gpt-5.4', 'gpt-5.5', 'gpt-5.4-mini-2026-03-17', 'grok-4.3', 'grok-4.20-reasoning'])('serves %s as the loose server does: same entry, timing and model', async (model) => {
    const ask = (url: string) => openai(url).chat.completions.create({ model, messages: [{ role: 'user', content: `hi ${model}` }] }).withResponse();
    const a = await ask(twin.strict().url);
    const b = await ask(twin.loose().url);
    expect(a.data.model).toBe(model);
    expect(truth(a.response.headers)).toEqual(truth(b.response.headers));
    expect(Number(a.response.headers.get('x-understudy-ttft-ms'))).toBeGreaterThan(0);
  });

  it('gpt-5.5 reasons by default (its catalog entry), and reports the reasoning tokens', async () => {
    const r = await openai(strict().url).chat.completions.create({ model: 'gpt-5.5', messages: HELLO });
    expect(r.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });

  it.each(['gpt-4-turbo-preview', 'gpt-5-chat-latest', 'gpt-5.3-chat-latest', 'chatgpt-4o-latest', 'gpt-4o-search-preview-2025-03-11'])('refuses retired %s with 404 model_not_found, corpus snapshot or not', async (model) => {
    const e = await rejection(openai(strict().url).chat.completions.create({ model, messages: HELLO }), OpenAI.NotFoundError);
    expect(e.code).toBe('model_not_found');
    expect(e.message).toContain(model);
  });

  it('refuses a retired Responses-only model (gpt-5-codex) and a typo', async () => {
    const codex = await rejection(openai(strict().url).responses.create({ model: 'gpt-5-codex', input: 'hi' }), OpenAI.NotFoundError);
    expect(codex.code).toBe('model_not_found');
    const typo = await rejection(openai(strict().url).chat.completions.create({ model: 'gpt-5.4-mnii', messages: HELLO }), OpenAI.NotFoundError);
    expect(typo.code).toBe('model_not_found');
  });

  it.each(['gpt-4o-mnii', 'gpt-5-mini-typo', 'grok-4-fast-reasonin', 'claude-haiku-4-5-latest'])('refuses %s, a typo that starts with a corpus model’s id', async (model) => {
    const e = await rejection(openai(strict().url).chat.completions.create({ model, messages: HELLO }), OpenAI.NotFoundError);
    expect(e.code).toBe('model_not_found');
  });

  it.each(['gpt-4o-2024-05-13', 'gpt-4o-mini-2024-07-18', 'grok-4-0709', 'grok-4-fast-reasoning', 'gpt-5-pro'])('still serves %s, a dated snapshot or served variant of a corpus model', async (model) => {
    const create = model === 'gpt-5-pro' ? openai(strict().url).responses.create({ model, input: 'hi' }) : openai(strict().url).chat.completions.create({ model, messages: HELLO });
    await expect(create).resolves.toBeTruthy();
  });

  it('lists and retrieves today’s ids, not retired ones', async () => {
    const ids: string[] = [];
    for await (const m of openai(strict().url).models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-5.4', 'gpt-5.5', 'gpt-5.6-sol', 'gpt-4o-mini', 'grok-4.3', 'text-embedding-3-small']));
    expect(ids).not.toContain('gpt-4-turbo-preview');
    expect(ids).not.toContain('claude-sonnet-4-5');
    expect(new Set(ids).size).toBe(ids.length);
    const m = await openai(strict().url).models.retrieve('gpt-5.4');
    expect(m).toEqual({ id: 'gpt-5.4', object: 'model', created: expect.any(Number) as number, owned_by: 'openai' });
    expect((await openai(loose().url).models.retrieve('grok-4.3')).owned_by).toBe('xai');
    await rejection(openai(loose().url).models.retrieve('gpt-5-chat-latest'), OpenAI.NotFoundError);
  });
});

describe('Anthropic with --strict-models', () => {
  it.each(['claude-opus-4-7', 'claude-sonnet-5', 'claude-fable-5'])('serves %s as the loose server does', async (model) => {
    const ask = (url: string) => anthropic(url).messages.create({ model, max_tokens: 200, messages: [{ role: 'user', content: `hi ${model}` }] }).withResponse();
    const a = await ask(twin.strict().url);
    const b = await ask(twin.loose().url);
    expect(a.data.model).toBe(model);
    expect(truth(a.response.headers)).toEqual(truth(b.response.headers));
  });

  it.each(['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'claude-mythos-preview', 'claude-opus-4-7x'])('refuses %s (retired, or a typo) as Anthropic does', async (model) => {
    const e = await rejection(anthropic(strict().url).messages.create({ model, max_tokens: 10, messages: HELLO }), Anthropic.NotFoundError);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: `model: ${model}` } });
  });

  it('lists today’s Claude models with their names and dates, and retrieves them; not retired ones', async () => {
    const page = await anthropic(strict().url).models.list({ limit: 1000 });
    const ids = page.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['claude-opus-4-7', 'claude-opus-4-8', 'claude-sonnet-5', 'claude-haiku-4-5-20251001', 'claude-opus-4-5-20251101']));
    expect(ids).not.toContain('claude-sonnet-4-5-20250929');
    expect(ids).not.toContain('claude-mythos-preview');
    expect(new Set(ids).size).toBe(ids.length);
    const opus = page.data.find((m) => m.id === 'claude-opus-4-7')!;
    expect(opus).toMatchObject({ type: 'model', display_name: 'Claude Opus 4.7', created_at: '2026-04-16T00:00:00Z', lifecycle: 'active', max_tokens: 128_000 });
    expect(await anthropic(strict().url).models.retrieve('claude-opus-4-7')).toMatchObject({ id: 'claude-opus-4-7', display_name: 'Claude Opus 4.7' });
    await rejection(anthropic(loose().url).models.retrieve('claude-sonnet-4-5'), Anthropic.NotFoundError);
  });
});

describe('Gemini with --strict-models', () => {
  it.each(['gemini-3.5-flash', 'gemini-flash-latest', 'gemini-4-argon'])('serves %s as the loose server does, thinking', async (model) => {
    const ask = (url: string) => gemini(url).models.generateContent({ model, contents: `hi ${model}` });
    const a = await ask(twin.strict().url);
    const b = await ask(twin.loose().url);
    expect(a.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
    expect(a.usageMetadata).toEqual(b.usageMetadata);
    expect(a.text).toBe(b.text);
    // Their catalog profiles (3.5 Flash's 5.4 s, 3.1 Pro's 7.6 s), not the catch-all gemini-flash's 0.45 s.
    const ttftMs = Number(a.sdkHttpResponse?.headers?.['x-understudy-ttft-ms']) / speed;
    expect(ttftMs).toBeGreaterThan(1_000);
    expect(ttftMs).toBe(Number(b.sdkHttpResponse?.headers?.['x-understudy-ttft-ms']) / speed);
  });

  it('a typo and retired models are NOT_FOUND', async () => {
    for (const model of ['gemini-3.5-flsh', 'gemini-3-pro-preview', 'gemini-2.0-flash']) {
      const { status, message } = await geminiStatus(gemini(strict().url).models.generateContent({ model, contents: 'hi' }));
      expect(status).toBe(404);
      expect(message).toContain(`models/${model} is not found`);
    }
  });

  it('models.get and models.list give the Model resource of today’s ids', async () => {
    const m = await gemini(strict().url).models.get({ model: 'gemini-3.5-flash' });
    expect(m).toMatchObject({ name: 'models/gemini-3.5-flash', inputTokenLimit: 1_048_576, outputTokenLimit: 65_536, thinking: true });
    expect(m.supportedActions).toContain('generateContent');
    const names: string[] = [];
    for await (const x of await gemini(strict().url).models.list()) names.push(x.name!);
    expect(names).toEqual(expect.arrayContaining(['models/gemini-3.5-flash', 'models/gemini-3.8-flash', 'models/gemini-flash-latest', 'models/gemini-4-argon', 'models/gemini-2.5-flash']));
    expect(names).not.toContain('models/gemini-3-pro-preview');
    expect(new Set(names).size).toBe(names.length);
  });

  it('the OpenAI-compatible models route lists and retrieves them too', async () => {
    const client = openai(strict().url, '/v1beta/openai/');
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['models/gemini-3.5-flash', 'models/gemini-flash-latest']));
    expect((await client.models.retrieve('gemini-3.5-flash')).id).toBe('models/gemini-3.5-flash');
    const r = await client.chat.completions.create({ model: 'gemini-3.5-flash', messages: HELLO });
    expect(r.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });
});

describe('a corpus without the served model’s vendor', () => {
  it('serves the id from the fallback model’s entries, and still refuses it as --fallback-model at start', async () => {
    const shared = compileCorpus(TINY_ENTRIES.filter((e) => e.model === 'gpt-4o-mini'));
    expect(new Corpus(shared, 'gpt-4o-mini').resolveModel('grok-4.3')).toEqual({ key: 'gpt-4o-mini', known: true });
    // A --fallback-model the corpus cannot serve by itself (neither its model nor its vendor's) is a typo'd flag.
    await expect(startSimulator({ threads: 1, corpus: writeTempCorpus(TINY_ENTRIES.filter((e) => e.model === 'gpt-4o-mini')), fallbackModel: 'grok-4.3' })).rejects.toThrow(/fallbackModel: "grok-4.3" is neither a model of the corpus nor of its vendors/);
  });
});
