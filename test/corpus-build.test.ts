import { fileURLToPath } from 'node:url';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CORPUS_SEED, DEFAULT_PER_FAMILY, generateDefaultCorpus } from '../src/corpus/build/generate.js';
import { MAX_COMPLETION_TOKENS } from '../src/corpus/build/lengths.js';
import { DEFAULT_MODELS, PROVIDER_FAMILIES } from '../src/corpus/build/models.js';
import { summarizeCorpus } from '../src/corpus/build/summary.js';
import { tokenizeText } from '../src/corpus/tokens.js';
import { encodeCorpus, readCorpusFile } from '../src/corpus/codec.js';
import { ENTRY_KINDS, type CorpusEntry } from '../src/corpus/format.js';

const COMMITTED_CORPUS = fileURLToPath(new URL('../corpus/default.msgpack', import.meta.url));

/** A string that survives a UTF-8 round trip has no lone surrogates. */
const isWellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;
const textOf = (e: CorpusEntry): string => e.tokens.join('');

// The default-size corpus takes about a second to generate; every test below shares one.
let corpus: CorpusEntry[];
beforeAll(() => {
  corpus = generateDefaultCorpus(DEFAULT_CORPUS_SEED);
});

describe('tokenizeText', () => {
  it('rebuilds the input exactly and counts ids, not merged strings', () => {
    const text = 'Plain ASCII, café, 東京, and a party 🎉 with 👩‍💻 and 🇯🇵.';
    const { tokens, tokenIdCount } = tokenizeText(text);
    expect(tokens.join('')).toBe(text);
    expect(tokenIdCount).toBe(encode(text).length);
    // Emoji span several ids each, so merging leaves fewer strings than ids.
    expect(tokens.length).toBeLessThan(tokenIdCount);
    for (const t of tokens) {
      expect(t.length).toBeGreaterThan(0);
      expect(t).not.toContain('\uFFFD');
      expect(isWellFormed(t)).toBe(true);
    }
  });

  it('gives no tokens for empty text', () => {
    expect(tokenizeText('')).toEqual({ tokens: [], tokenIdCount: 0 });
  });
});

describe('generateDefaultCorpus', () => {
  it('is deterministic: same seed, equal entries and byte-identical files', () => {
    const a = generateDefaultCorpus(7, { perFamily: 20 });
    const b = generateDefaultCorpus(7, { perFamily: 20 });
    expect(a).toEqual(b);
    expect(Buffer.from(encodeCorpus(a, { createdBy: 't', seed: 7 })).equals(Buffer.from(encodeCorpus(b, { createdBy: 't', seed: 7 })))).toBe(true);
    expect(generateDefaultCorpus(8, { perFamily: 20 })).not.toEqual(a);
  });

  it('rejects a per-family count that is not a positive integer', () => {
    expect(() => generateDefaultCorpus(1, { perFamily: 0 })).toThrow(/options\.perFamily must be a positive integer/);
    expect(() => generateDefaultCorpus(1, { perFamily: 2.5 })).toThrow(/options\.perFamily/);
  });

  it('writes per-family entries spread evenly over every model of the family', () => {
    expect(corpus).toHaveLength(DEFAULT_PER_FAMILY * PROVIDER_FAMILIES.length);
    const byModel = summarizeCorpus(corpus).byModel;
    for (const family of PROVIDER_FAMILIES) {
      const counts = DEFAULT_MODELS[family].map((m) => byModel[m] ?? 0);
      expect(counts.reduce((s, n) => s + n, 0)).toBe(DEFAULT_PER_FAMILY);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    expect(Object.keys(byModel).sort()).toEqual(Object.values(DEFAULT_MODELS).flat().sort());
  });

  it('gives every entry a unique id', () => {
    const ids = new Set(corpus.map((e) => e.id));
    expect(ids.size).toBe(corpus.length);
    for (const e of corpus) expect(e.id.startsWith(`${e.model}-${e.kind}-`)).toBe(true);
  });

  it('stores whole-character token strings that re-encode to the recorded usage', () => {
    // Checked in plain loops and asserted once: an expect() per token is slow at this size.
    const badTokens: string[] = [];
    const badUsage: string[] = [];
    let merged = 0;
    for (const e of corpus) {
      for (const t of e.tokens) if (t.length === 0 || t.includes('\uFFFD')) badTokens.push(`${e.id}: ${JSON.stringify(t)}`);
      const text = textOf(e);
      if (!isWellFormed(text)) badTokens.push(`${e.id}: not well-formed`);
      const ids = encode(text).length;
      // Tool calls also pay for their arguments; every other entry's usage is exactly its text's ids.
      const usageOk = e.kind === 'tool_call' ? e.usage.completionTokens > ids : e.usage.completionTokens === ids;
      if (!usageOk) badUsage.push(`${e.id}: usage ${e.usage.completionTokens}, text ${ids}`);
      if (e.usage.promptTokens < 20 || e.usage.promptTokens > 800) badUsage.push(`${e.id}: prompt ${e.usage.promptTokens}`);
      if (e.tokens.length < ids) merged++;
    }
    expect(badTokens).toEqual([]);
    expect(badUsage).toEqual([]);
    // Some entries must put multi-byte characters across token ids, or the UTF-8 path goes untested.
    expect(merged).toBeGreaterThan(10);
  });

  it('holds every kind in roughly the intended mix, with matching finish reasons', () => {
    const { byKind } = summarizeCorpus(corpus);
    for (const kind of ENTRY_KINDS) expect(byKind[kind]).toBeGreaterThan(0);
    expect(byKind.text / corpus.length).toBeCloseTo(0.73, 1);
    expect(byKind.tool_call / corpus.length).toBeCloseTo(0.12, 1);
    expect(byKind.json / corpus.length).toBeCloseTo(0.1, 1);
    expect(byKind.refusal / corpus.length).toBeCloseTo(0.05, 1);
    for (const e of corpus) {
      expect(e.finishReason).toBe(e.kind === 'tool_call' ? 'tool_calls' : 'stop');
      if (e.kind !== 'tool_call') expect(e.toolCalls).toEqual([]);
    }
  });

  it('has a heavy-tailed length distribution under the ceiling', () => {
    const { completionTokens } = summarizeCorpus(corpus);
    expect(completionTokens.p50).toBeGreaterThanOrEqual(150);
    expect(completionTokens.p50).toBeLessThanOrEqual(250);
    expect(completionTokens.p90).toBeGreaterThanOrEqual(550);
    expect(completionTokens.p90).toBeLessThanOrEqual(900);
    expect(completionTokens.max).toBeLessThanOrEqual(MAX_COMPLETION_TOKENS);
    const text = corpus.filter((e) => e.kind === 'text').map((e) => e.usage.completionTokens);
    expect(text.filter((n) => n > 1000).length).toBeGreaterThan(corpus.length * 0.02);
    expect(text.filter((n) => n <= 30).length).toBeGreaterThan(corpus.length * 0.02);
    expect(Math.min(...text)).toBeGreaterThanOrEqual(5);
  });

  it('covers markdown constructs and all five code languages', () => {
    const tags = new Set(corpus.flatMap((e) => e.tags));
    for (const tag of ['markdown', 'heading', 'list', 'numbered-list', 'table', 'link', 'emphasis', 'prose', 'short']) expect(tags).toContain(tag);
    for (const lang of ['python', 'typescript', 'go', 'sql', 'bash']) expect(tags).toContain(`code:${lang}`);
    for (const e of corpus.filter((x) => x.tags.some((t) => t.startsWith('code:')))) {
      expect(textOf(e)).toMatch(/^```(python|typescript|go|sql|bash)$/m);
    }
  });

  it('makes every json entry a single JSON object', () => {
    for (const e of corpus.filter((x) => x.kind === 'json')) {
      const parsed: unknown = JSON.parse(textOf(e));
      expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
    }
  });

  it('gives tool calls one to three calls with JSON-object arguments', () => {
    for (const e of corpus.filter((x) => x.kind === 'tool_call')) {
      expect(e.toolCalls.length).toBeGreaterThanOrEqual(1);
      expect(e.toolCalls.length).toBeLessThanOrEqual(3);
      for (const call of e.toolCalls) {
        expect(call.name).toMatch(/^[a-z][a-z_]*$/);
        const args: unknown = JSON.parse(call.arguments);
        expect(typeof args === 'object' && args !== null && !Array.isArray(args)).toBe(true);
      }
    }
    const calls = corpus.filter((x) => x.kind === 'tool_call');
    expect(calls.some((e) => e.tokens.length === 0)).toBe(true);
    expect(calls.some((e) => e.tokens.length > 0)).toBe(true);
    expect(calls.some((e) => e.toolCalls.length > 1)).toBe(true);
  });

  it('keeps refusals short', () => {
    for (const e of corpus.filter((x) => x.kind === 'refusal')) {
      expect(e.usage.completionTokens).toBeLessThanOrEqual(100);
      expect(textOf(e)).toMatch(/can't|won't|not able/);
    }
  });

  it('records timing on about a tenth of entries, one gap per token after the first, in the provider\'s events', () => {
    const timed = corpus.filter((e) => e.timing !== undefined);
    expect(timed.length / corpus.length).toBeGreaterThan(0.05);
    expect(timed.length / corpus.length).toBeLessThan(0.15);
    // A recorder stamps every token of an SSE event with its arrival: 0 ms inside an event.
    const eventSizes = (gaps: readonly number[]): number[] => {
      const sizes = [1];
      for (const gap of gaps) {
        if (gap === 0) sizes[sizes.length - 1]!++;
        else sizes.push(1);
      }
      return sizes;
    };
    const chunking: [string, number, number][] = [['gemini-', 12, 40], ['claude-', 2, 8], ['grok-', 1, 3], ['', 1, 3]];
    const bad = timed.filter((e) => {
      const gaps = e.timing!.tokenGapsMs;
      const [, min, max] = chunking.find(([prefix]) => e.model.startsWith(prefix))!;
      const sizes = eventSizes(gaps);
      return (
        !(e.timing!.ttftMs > 0) ||
        gaps.length !== Math.max(0, e.tokens.length - 1) ||
        gaps.some((gap) => gap !== 0 && (gap < 3 || gap > max * 820)) ||
        // Every event but the last holds the family's chunk size.
        sizes.slice(0, -1).some((n) => n < min || n > max) ||
        sizes[sizes.length - 1]! > max
      );
    });
    expect(bad.map((e) => e.id)).toEqual([]);
    // And the chunking shows: Gemini's events are far larger than OpenAI's.
    const meanEvent = (prefix: string) => {
      const all = timed.filter((e) => e.model.startsWith(prefix)).flatMap((e) => eventSizes(e.timing!.tokenGapsMs).slice(0, -1));
      return all.reduce((a, b) => a + b, 0) / all.length;
    };
    expect(meanEvent('gemini-')).toBeGreaterThan(20);
    expect(meanEvent('gpt-')).toBeLessThan(2.5);
  });

  it('includes accents, CJK and emoji', () => {
    const all = corpus.map(textOf).join('\n');
    expect(all).toMatch(/[éüçñ]/);
    expect(all).toMatch(/\p{Script=Han}/u);
    expect(all).toMatch(/\p{Script=Hangul}/u);
    expect(all).toMatch(/\p{Extended_Pictographic}/u);
  });
});

describe('corpus/default.msgpack', () => {
  it('decodes and matches what the current generator writes (rebuild with `npm run corpus:build`)', () => {
    const committed = readCorpusFile(COMMITTED_CORPUS);
    expect(committed).toHaveLength(corpus.length);
    expect(committed.map((e) => e.id)).toEqual(corpus.map((e) => e.id));
    for (const i of [0, 1, Math.floor(corpus.length / 2), corpus.length - 1]) expect(committed[i]).toEqual(corpus[i]);
    expect(committed).toEqual(corpus);
  });
});
