/**
 * Gemini's explicit context caching through `@google/genai`'s `ai.caches` against the real server:
 * a cache's contents, system instruction and tools are read before a request's own, its tokens are
 * reported as `cachedContentTokenCount`, and the API's rules are kept in its words.
 */
import { FunctionCallingConfigMode, GoogleGenAI, Type } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { apiError } from './fixtures/gemini.js';
import { useSimulator } from './fixtures/sim.js';

const MODEL = 'gemini-2.5-flash';
/** About 2,000 tokens: over Flash's 1,024-token minimum. */
const DOCUMENT = Array.from({ length: 150 }, (_, i) => `Clause ${i}: the carrier delivers parcels within five working days unless the sender chose express.`).join('\n');


describe('Gemini cached contents', () => {
  const sim = useSimulator({ seed: 4 });
  const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
  const createCache = (config: Record<string, unknown> = {}) =>
    ai().caches.create({ model: MODEL, config: { contents: [{ role: 'user', parts: [{ text: DOCUMENT }] }], systemInstruction: 'You answer questions about the contract.', displayName: 'contract', ...config } });

  it('creates a cache and reports it as the API does', async () => {
    const before = Date.now();
    const cache = await createCache({ ttl: '600s' });
    expect(cache.name).toMatch(/^cachedContents\/[a-z0-9]{40}$/);
    expect(cache.model).toBe(`models/${MODEL}`);
    expect(cache.displayName).toBe('contract');
    expect(cache.usageMetadata!.totalTokenCount).toBeGreaterThan(1024);
    const expires = Date.parse(cache.expireTime!);
    expect(expires - before).toBeGreaterThanOrEqual(600_000 - 1000);
    expect(expires - before).toBeLessThanOrEqual(600_000 + 5000);
    expect(await ai().caches.get({ name: cache.name! })).toEqual(cache);
  });

  it('reads the cache before the request, and reports its tokens as cached, streamed or not', async () => {
    const cache = await createCache();
    const cached = cache.usageMetadata!.totalTokenCount!;
    const question = 'How fast are parcels delivered?';
    const plain = await ai().models.generateContent({ model: MODEL, contents: question });
    const r = await ai().models.generateContent({ model: MODEL, contents: question, config: { cachedContent: cache.name! } });
    expect(r.usageMetadata!.cachedContentTokenCount).toBe(cached);
    expect(r.usageMetadata!.promptTokenCount).toBe(cached + plain.usageMetadata!.promptTokenCount!);
    expect(r.usageMetadata!.cacheTokensDetails).toEqual([{ modality: 'TEXT', tokenCount: cached }]);
    // countTokens (REST: the SDK does not send the cache there) counts a generateContentRequest's cache too.
    const counted = await fetch(`${sim().url}/v1beta/models/${MODEL}:countTokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ generateContentRequest: { model: `models/${MODEL}`, contents: [{ role: 'user', parts: [{ text: question }] }], cachedContent: cache.name } }),
    });
    expect(await counted.json()).toMatchObject({ totalTokens: r.usageMetadata!.promptTokenCount, cachedContentTokenCount: cached });
    let last: number | undefined;
    for await (const chunk of await ai().models.generateContentStream({ model: MODEL, contents: question, config: { cachedContent: cache.name! } })) last = chunk.usageMetadata?.cachedContentTokenCount ?? last;
    expect(last).toBe(cached);
  });

  it('offers the tools a cache holds, under its tool config', async () => {
    const cache = await createCache({
      tools: [{ functionDeclarations: [{ name: 'track_parcel', description: 'Where a parcel is', parameters: { type: Type.OBJECT, properties: { id: { type: Type.STRING } }, required: ['id'] } }] }],
      toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } },
    });
    const r = await ai().models.generateContent({ model: MODEL, contents: 'Where is parcel 7?', config: { cachedContent: cache.name! } });
    expect(r.functionCalls?.[0]?.name).toBe('track_parcel');
    expect(typeof r.functionCalls?.[0]?.args?.id).toBe('string');
  });

  it('refuses a cache under the model\'s minimum, in the API\'s words', async () => {
    const e = await apiError(ai().caches.create({ model: MODEL, config: { contents: [{ role: 'user', parts: [{ text: 'Too short to cache.' }] }] } }));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^Cached content is too small\. total_token_count=\d+, min_total_token_count=1024$/);
    const pro = await apiError(ai().caches.create({ model: 'gemini-2.5-pro', config: { contents: [{ role: 'user', parts: [{ text: DOCUMENT }] }] } }));
    expect(pro.message).toContain('min_total_token_count=4096');
  });

  it('refuses a request that sets what the cache holds, uses another model, or names no live cache', async () => {
    const cache = await createCache();
    const own = await apiError(ai().models.generateContent({ model: MODEL, contents: 'Hi', config: { cachedContent: cache.name!, systemInstruction: 'Be brief.' } }));
    expect(own.status).toBe(400);
    expect(own.message).toContain('CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.');
    const other = await apiError(ai().models.generateContent({ model: 'gemini-2.5-pro', contents: 'Hi', config: { cachedContent: cache.name! } }));
    expect(other.message).toBe(`Model used by GenerateContent request (models/gemini-2.5-pro) and CachedContent (models/${MODEL}) has to be the same.`);
    const unknown = await apiError(ai().models.generateContent({ model: MODEL, contents: 'Hi', config: { cachedContent: 'cachedContents/nosuchcache0' } }));
    expect(unknown).toMatchObject({ status: 403, code: 'PERMISSION_DENIED', message: 'CachedContent not found (or permission denied)' });
  });

  it('lists, extends and deletes caches; an expired or deleted one is gone', async () => {
    const a = await createCache({ displayName: 'a' });
    const b = await createCache({ displayName: 'b' });
    const names: string[] = [];
    for await (const c of await ai().caches.list({ config: { pageSize: 2 } })) names.push(c.name!);
    expect(names).toEqual(expect.arrayContaining([a.name, b.name]));
    expect(names.indexOf(a.name!)).toBeLessThan(names.indexOf(b.name!));
    const updated = await ai().caches.update({ name: a.name!, config: { ttl: '7200s' } });
    expect(Date.parse(updated.expireTime!) - Date.now()).toBeGreaterThan(7_000_000);
    expect(Date.parse(updated.updateTime!)).toBeGreaterThanOrEqual(Date.parse(a.updateTime!));
    await ai().caches.delete({ name: a.name! });
    expect((await apiError(ai().caches.get({ name: a.name! }))).status).toBe(403);
    expect((await apiError(ai().models.generateContent({ model: MODEL, contents: 'Hi', config: { cachedContent: a.name! } }))).status).toBe(403);
    const expired = await createCache({ ttl: '0s' });
    expect((await apiError(ai().caches.get({ name: expired.name! }))).status).toBe(403);
    const badTtl = await apiError(createCache({ ttl: 'five minutes' }));
    expect(badTtl.status).toBe(400);
    // Expiries no timestamp can hold, or that are no RFC 3339 time, are refused before anything is kept.
    expect((await apiError(createCache({ ttl: '99999999999999999999s' }))).status).toBe(400);
    expect((await apiError(ai().caches.update({ name: b.name!, config: { ttl: '9000000000000s' } }))).status).toBe(400);
    expect((await apiError(ai().caches.update({ name: b.name!, config: { expireTime: '5' } }))).status).toBe(400);
    expect((await ai().caches.get({ name: b.name! })).expireTime).toBe(b.expireTime);
    const listed: string[] = [];
    for await (const c of await ai().caches.list()) listed.push(c.name!);
    expect(listed).toContain(b.name);
    const notObject = await fetch(`${sim().url}/v1beta/${b.name!}`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' }, body: '[1]' });
    expect(notObject.status).toBe(400);
  });
});
