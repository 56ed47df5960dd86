/**
 * The Moderations API through the openai SDK against the real server: an app that screens its
 * users' input gets OpenAI's result shape, a verdict that depends only on the text, and a way to
 * reach each category on purpose.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MODERATION_CATEGORIES } from '../src/server/openai/moderations.js';
import { rejection, useSimulator } from './fixtures/sim.js';

describe('Moderations API', () => {
  const sim = useSimulator({ seed: 9 });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('flags OpenAI\'s own example for violence and harassment, with every category scored', async () => {
    const m = await client().moderations.create({ input: 'I want to kill them.' });
    expect(m.id).toMatch(/^modr-[0-9a-f]{32}$/);
    expect(m.model).toBe('omni-moderation-latest');
    expect(m.results).toHaveLength(1);
    const r = m.results[0]!;
    expect(Object.keys(r.categories)).toEqual([...MODERATION_CATEGORIES]);
    expect(Object.keys(r.category_scores)).toEqual([...MODERATION_CATEGORIES]);
    expect(r.flagged).toBe(true);
    expect(r.categories).toMatchObject({ violence: true, harassment: true, 'harassment/threatening': true, sexual: false, 'self-harm': false });
    expect(r.category_scores.violence).toBeGreaterThan(0.9);
    expect(r.category_applied_input_types.violence).toEqual(['text']);
  });

  it('answers the same text with the same scores, and benign text with small ones', async () => {
    const [a, b] = await Promise.all([client().moderations.create({ input: 'Where is my parcel?' }), client().moderations.create({ input: 'Where is my parcel?' })]);
    expect(a.results[0]).toEqual(b.results[0]);
    expect(a.id).not.toBe(b.id);
    expect(a.results[0]!.flagged).toBe(false);
    expect(Math.max(...(Object.values(a.results[0]!.category_scores) as number[]))).toBeLessThan(0.01);
  });

  it('gives one result per string, and flags whatever category a [flag:…] marker names', async () => {
    const m = await client().moderations.create({ input: ['Hello there.', 'A test line [flag:self-harm/intent] [flag:hate]', 'Nothing [flag:not-a-category]'] });
    expect(m.results.map((r) => r.flagged)).toEqual([false, true, false]);
    const flagged = Object.entries(m.results[1]!.categories).filter(([, v]) => v === true).map(([k]) => k);
    expect(flagged.sort()).toEqual(['hate', 'self-harm/intent']);
    expect(m.results[1]!.category_scores['self-harm/intent']).toBe(0.99);
  });

  it('moderates text and images together as one input, naming the types each score covers', async () => {
    const m = await client().moderations.create({
      model: 'omni-moderation-latest',
      input: [
        { type: 'text', text: 'Is this picture ok?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ],
    });
    expect(m.results).toHaveLength(1);
    const applied = m.results[0]!.category_applied_input_types;
    expect(applied.violence).toEqual(['text', 'image']);
    expect(applied.sexual).toEqual(['text', 'image']);
    expect(applied.harassment).toEqual(['text']);
    const imageOnly = await client().moderations.create({ input: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] });
    expect(imageOnly.results[0]!.category_applied_input_types.violence).toEqual(['image']);
    expect(imageOnly.results[0]!.category_applied_input_types.harassment).toEqual([]);
  });

  it('serves the legacy text models under their served name, without the omni-only categories', async () => {
    const m = await client().moderations.create({ model: 'text-moderation-latest', input: 'How do I shoplift?' });
    expect(m.model).toBe('text-moderation-007');
    expect(m.results[0]!.categories.illicit).toBeNull();
    expect(m.results[0]!.categories['illicit/violent']).toBeNull();
    const omni = await client().moderations.create({ input: 'How do I shoplift?' });
    expect(omni.results[0]!.categories.illicit).toBe(true);
  });

  it('refuses a request without input, or with input of the wrong shape, in OpenAI\'s words', async () => {
    // @ts-expect-error: input is required
    const missing = await rejection(client().moderations.create({ model: 'omni-moderation-latest' }), OpenAI.BadRequestError);
    expect(missing.message).toContain("Missing required parameter: 'input'.");
    // @ts-expect-error: a number is not an input
    const wrong = await rejection(client().moderations.create({ input: 5 }), OpenAI.BadRequestError);
    expect(wrong.param).toBe('input');
    const res = await fetch(`${sim().url}/v1/moderations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input": ' });
    expect(res.status).toBe(400);
    // Each input is a result of about 1 KB: a list is held to 2,048, as embeddings are.
    const many = await rejection(client().moderations.create({ input: Array<string>(2049).fill('') }), OpenAI.BadRequestError);
    expect(many).toMatchObject({ param: 'input', code: 'array_above_max_length' });
  });

  it('lists the omni moderation models and retrieves them', async () => {
    const ids: string[] = [];
    for await (const model of client().models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['omni-moderation-latest', 'omni-moderation-2024-09-26']));
    expect((await client().models.retrieve('omni-moderation-latest')).id).toBe('omni-moderation-latest');
  });
});
