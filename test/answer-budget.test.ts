/**
 * A synthesized answer costs only what it sends: a client's schema can demand megabytes of JSON,
 * and the answer is cut at its token budget (the request's limit, or the model's own output
 * limit). Generation and tokenization stop there, so one request cannot hold a server thread,
 * and every stream on it, for the time a megabyte takes.
 */
import { describe, expect, it } from 'vitest';
import { contextWindow, DEFAULT_MAX_OUTPUT_TOKENS, maxOutputTokens, outputBudget } from '../src/corpus/model-catalog.js';
import { boundedInstance, instanceFromSchema } from '../src/corpus/schema-instance.js';
import { compileCorpus } from '../src/corpus/compiled.js';
import { Corpus } from '../src/corpus/sampler.js';
import { chooseAnswer, internedSchemaStats, type AnswerRequest } from '../src/server/answer.js';
import { sourceSlice, tokenSourceFromStrings } from '../src/server/stream-plan.js';
import { SeededRandom } from '../src/timing/random.js';
import { TINY_ENTRIES } from './fixtures/corpus.js';

/** An object schema with `count` required string properties of at least `minLength` characters. */
function wideSchema(count: number, minLength: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (let i = 0; i < count; i++) {
    properties[`field_${i}`] = { type: 'string', minLength };
    required.push(`field_${i}`);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

const SCHEMA_REQUEST: AnswerRequest = {
  bucketKey: 'gpt-4o-mini',
  tools: [],
  mustCallTool: false,
  parallelToolCalls: true,
  lastIsToolResult: false,
  json: 'schema',
  jsonSchema: wideSchema(20_000, 50),
  maxTokens: undefined,
};

/** The raw text an answer's content sends (its tokens are stored JSON-escaped). */
function sentText(a: ReturnType<typeof chooseAnswer>): string {
  return JSON.parse(`"${sourceSlice(a.content, a.contentCount).toString('utf8')}"`) as string;
}

describe('a synthesized answer cut at its budget', () => {
  const corpus = new Corpus(compileCorpus(TINY_ENTRIES), 'gpt-4o-mini');

  it('tokenizes only about as far as the budget reaches, and ends with length', () => {
    const whole = chooseAnswer(corpus, SCHEMA_REQUEST, new SeededRandom(7));
    // With no budget the whole value is made and tokenized: 20,000 fields of 50+ characters.
    expect(whole.finishReason).toBe('stop');
    expect(whole.content.count).toBeGreaterThan(200_000);

    const cut = chooseAnswer(corpus, { ...SCHEMA_REQUEST, maxTokens: 16_384 }, new SeededRandom(7));
    expect(cut.finishReason).toBe('length');
    expect(cut.contentCount).toBe(16_384);
    expect(cut.completionTokens).toBe(16_384);
    // Made to about 6 characters a token and tokenized a slice at a time: not much past the budget.
    expect(cut.content.count).toBeGreaterThan(16_384);
    expect(cut.content.count).toBeLessThan(16_384 + 16 * 1024);
    expect(cut.content.bytes.length).toBeLessThan(6 * 16_384 + 16 * 1024);
  });

  it('sends a prefix of what a larger budget sends, for the same seed', () => {
    const small = sentText(chooseAnswer(corpus, { ...SCHEMA_REQUEST, maxTokens: 300 }, new SeededRandom(11)));
    const large = sentText(chooseAnswer(corpus, { ...SCHEMA_REQUEST, maxTokens: 20_000 }, new SeededRandom(11)));
    expect(small.length).toBeGreaterThan(300);
    expect(large.startsWith(small)).toBe(true);
    expect(large.startsWith('{"field_0":"')).toBe(true);
  });

  it('makes more of a value whose tokens are long until its text holds the budget', () => {
    // Runs of 200 spaces: about 35 characters a token, so the first try (6 a token) falls short.
    const spaces: Record<string, unknown> = {};
    for (let i = 0; i < 400; i++) spaces[`p${i}`] = { type: 'string', pattern: '^ {200}$' };
    const req: AnswerRequest = { ...SCHEMA_REQUEST, jsonSchema: { type: 'object', properties: spaces, required: Object.keys(spaces) } };
    const whole = chooseAnswer(corpus, req, new SeededRandom(5));
    expect(whole.content.count).toBeGreaterThan(2_000);
    const cut = chooseAnswer(corpus, { ...req, maxTokens: 1_000 }, new SeededRandom(5));
    expect(cut.finishReason).toBe('length');
    expect(cut.contentCount).toBe(1_000);
    expect(sentText(whole).startsWith(sentText(cut))).toBe(true);
    expect(sentText(cut).length).toBeGreaterThan(20_000);
  });

  it('cuts tool-call arguments the same way', () => {
    const req: AnswerRequest = { ...SCHEMA_REQUEST, json: 'none', jsonSchema: undefined, tools: [{ name: 'fill', parameters: wideSchema(20_000, 50) }], mustCallTool: true, maxTokens: 4_096 };
    const a = chooseAnswer(corpus, req, new SeededRandom(3));
    expect(a.finishReason).toBe('length');
    expect(a.toolCalls).toHaveLength(1);
    expect(a.toolCalls[0]!.count + a.contentCount).toBe(4_096);
    expect(a.toolCalls[0]!.args.count).toBeLessThan(4_096 + 16 * 1024);
  });
});

describe('interned tool schemas', () => {
  const corpus = new Corpus(compileCorpus(TINY_ENTRIES), 'gpt-4o-mini');
  const toolRequest = (parameters: unknown): AnswerRequest => ({ ...SCHEMA_REQUEST, json: 'none', jsonSchema: undefined, tools: [{ name: 'f', parameters }], mustCallTool: true, maxTokens: 50 });

  it('keep one copy of a schema sent again, and stay within 512 Ki characters however many are sent', () => {
    const schema = wideSchema(40, 5);
    chooseAnswer(corpus, toolRequest(schema), new SeededRandom(1));
    const once = internedSchemaStats();
    // The same schema, as a fresh object from another request's JSON.
    chooseAnswer(corpus, toolRequest(JSON.parse(JSON.stringify(schema))), new SeededRandom(2));
    expect(internedSchemaStats()).toEqual(once);
    // 300 distinct schemas of about 5,000 characters: 1.5 M characters sent.
    for (let i = 0; i < 300; i++) chooseAnswer(corpus, toolRequest({ ...wideSchema(100, 5), title: `schema ${i}` }), new SeededRandom(i));
    const after = internedSchemaStats();
    expect(after.chars).toBeLessThanOrEqual(512 * 1024);
    expect(after.schemas).toBeGreaterThan(50);
  });
});

describe('instanceFromSchema maxUnits', () => {
  it('stops adding anything past maxUnits, says so, and makes the same value up to there', () => {
    const schema = wideSchema(20_000, 50);
    const full = JSON.stringify(instanceFromSchema(schema, new SeededRandom(1)));
    expect(Object.keys(JSON.parse(full) as object)).toHaveLength(20_000);
    const bounded = boundedInstance(schema, new SeededRandom(1), { maxUnits: 10_000 });
    expect(bounded.stopped).toBe(true);
    const text = JSON.stringify(bounded.value);
    expect(text.length).toBeGreaterThan(9_000);
    expect(text.length).toBeLessThan(11_000);
    // The value it did make is the start of the unbounded one.
    expect(full.startsWith(text.slice(0, -1))).toBe(true);
    // Arrays stop too, minItems or not.
    const items = boundedInstance({ type: 'array', minItems: 64, items: { type: 'string', minLength: 200 } }, new SeededRandom(2), { maxUnits: 1_000 });
    expect(items.stopped).toBe(true);
    expect((items.value as unknown[]).length).toBeLessThan(10);
  });

  it('reports a value that fits as whole', () => {
    expect(boundedInstance(wideSchema(10, 5), new SeededRandom(1), { maxUnits: 10_000 }).stopped).toBe(false);
  });
});

describe('model output limits', () => {
  it('come from the model id, most specific prefix first', () => {
    expect(maxOutputTokens('gpt-4o-mini')).toBe(16_384);
    expect(maxOutputTokens('gpt-4o-2024-08-06')).toBe(16_384);
    expect(maxOutputTokens('gpt-4.1-nano')).toBe(32_768);
    expect(maxOutputTokens('gpt-5-chat-latest')).toBe(16_384);
    expect(maxOutputTokens('gpt-5-mini')).toBe(128_000);
    expect(maxOutputTokens('o4-mini')).toBe(100_000);
    expect(maxOutputTokens('claude-haiku-4-5-20251001')).toBe(64_000);
    expect(maxOutputTokens('claude-opus-4-6')).toBe(128_000);
    expect(maxOutputTokens('claude-opus-4-1-20250805')).toBe(32_000);
    expect(maxOutputTokens('claude-3-5-haiku-latest')).toBe(8_192);
    expect(maxOutputTokens('gemini-2.5-flash')).toBe(65_536);
    expect(maxOutputTokens('gemini-2.0-flash')).toBe(8_192);
    expect(maxOutputTokens('grok-4')).toBe(DEFAULT_MAX_OUTPUT_TOKENS);
    // gpt-4.5 and gpt-4-32k start with gpt-4 but are not it.
    expect(maxOutputTokens('gpt-4.5-preview')).toBe(16_384);
    expect(maxOutputTokens('gpt-4-0613')).toBe(8_192);
    expect(contextWindow('gpt-4.5-preview')).toBe(128_000);
    expect(contextWindow('gpt-4-32k-0613')).toBe(32_768);
    expect(contextWindow('gpt-4-0613')).toBe(8_192);
  });

  it('give context windows for the ids they know, and none for others', () => {
    expect(contextWindow('gpt-4o-mini')).toBe(128_000);
    expect(contextWindow('gpt-4.1-nano')).toBe(1_047_576);
    expect(contextWindow('claude-haiku-4-5')).toBe(200_000);
    expect(contextWindow('claude-sonnet-4-5')).toBe(1_000_000);
    expect(contextWindow('gemini-2.5-pro')).toBe(1_048_576);
    expect(contextWindow('grok-4')).toBeUndefined();
    expect(contextWindow('my-local-model')).toBeUndefined();
  });

  it('bound a request that sets no limit, or a larger one', () => {
    expect(outputBudget('gpt-4o-mini', undefined)).toBe(16_384);
    expect(outputBudget('gpt-4o-mini', 100)).toBe(100);
    expect(outputBudget('gpt-4o-mini', 1_000_000)).toBe(16_384);
  });
});

describe('tokenSourceFromStrings', () => {
  it('stores each token JSON-escaped, with byte offsets, in one buffer', () => {
    const tokens = ['{"', 'caf', 'é', ' 🌍', '\\', '"', '\n\t', '\u0001', '漢字', 'plain'];
    const src = tokenSourceFromStrings(tokens);
    expect(src.count).toBe(tokens.length);
    tokens.forEach((t, i) => {
      const piece = src.bytes.subarray(src.offsets[i], src.offsets[i + 1]).toString('utf8');
      expect(piece).toBe(JSON.stringify(t).slice(1, -1));
    });
    expect(src.offsets[tokens.length]).toBe(src.bytes.length);
    expect(JSON.parse(`"${src.bytes.toString('utf8')}"`)).toBe(tokens.join(''));
  });
});
