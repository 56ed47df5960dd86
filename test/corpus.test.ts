import { readFileSync, writeFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeCorpus, encodeCorpus, readCorpusFile } from '../src/corpus/codec.js';
import { compileCorpus } from '../src/corpus/compiled.js';
import { Corpus } from '../src/corpus/sampler.js';
import { countTokens, splitTokens, tokenCacheStats } from '../src/corpus/tokens.js';
import { SeededRandom } from '../src/timing/random.js';
import { countTokens as bpeCountWhole } from 'gpt-tokenizer/encoding/o200k_base';
import { entry, TINY_ENTRIES, writeTempCorpus } from './fixtures/corpus.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('corpus file format', () => {
  it('round-trips entries through a file', () => {
    const file = writeTempCorpus();
    expect(readCorpusFile(file)).toEqual(TINY_ENTRIES);
  });

  it('keeps recorded timing', () => {
    const e = { ...entry('r', 'gpt-4o', 'text', 'one two three'), timing: { ttftMs: 321, tokenGapsMs: [5, 6] } };
    expect(decodeCorpus(encodeCorpus([e], { createdBy: 't' }), 'x')[0]!.timing).toEqual({ ttftMs: 321, tokenGapsMs: [5, 6] });
  });

  it('keeps recorded gaps in the compiled corpus, each entry\'s own, in shared memory', () => {
    const a = { ...entry('a', 'gpt-4o', 'text', 'one two three'), timing: { ttftMs: 321, tokenGapsMs: [5.5, 6.25] } };
    const plain = entry('b', 'gpt-4o', 'text', 'four five');
    const c = { ...entry('c', 'gpt-4o', 'text', 'six seven eight nine'), timing: { ttftMs: 12, tokenGapsMs: [1.1, 2.2, 3.3] } };
    const shared = compileCorpus([a, plain, c]);
    expect(shared.gaps).toBeInstanceOf(SharedArrayBuffer);
    const byId = new Map(new Corpus(shared, 'gpt-4o').entries.map((e) => [e.id, e]));
    expect([...byId.get('a')!.tokenGapsMs!]).toEqual([5.5, 6.25]);
    expect(byId.get('b')!.tokenGapsMs).toBeNull();
    expect([...byId.get('c')!.tokenGapsMs!]).toEqual([1.1, 2.2, 3.3]);
    expect(byId.get('c')!.tokenGapsMs!.buffer).toBe(shared.gaps);
  });

  it('rejects a file that is not msgpack, naming the file', () => {
    expect(() => decodeCorpus(Buffer.from([0xc1, 0xc1, 0xc1]), 'bad.msgpack')).toThrow(/bad\.msgpack/);
    expect(codeOf(() => decodeCorpus(Buffer.from([0xc1]), 'bad.msgpack'))).toBe('SIM_ERR_CORPUS_FORMAT');
  });

  it('rejects msgpack that is not a corpus', () => {
    expect(codeOf(() => decodeCorpus(new Packr().pack({ hello: 1 }), 'x'))).toBe('SIM_ERR_CORPUS_FORMAT');
  });

  it('rejects another format version', () => {
    const packr = new Packr({ useRecords: true });
    const env = packr.unpack(encodeCorpus(TINY_ENTRIES, { createdBy: 't' })) as Record<string, unknown>;
    expect(codeOf(() => decodeCorpus(packr.pack({ ...env, version: 99 }), 'x'))).toBe('SIM_ERR_CORPUS_VERSION');
  });

  it('detects a truncated or edited payload by checksum', () => {
    const file = writeTempCorpus();
    const bytes = readFileSync(file);
    const i = bytes.indexOf(Buffer.from('Short'));
    expect(i).toBeGreaterThan(0);
    bytes[i] = 'X'.charCodeAt(0);
    writeFileSync(file, bytes);
    expect(codeOf(() => readCorpusFile(file))).toBe('SIM_ERR_CORPUS_INTEGRITY');
  });

  it('names the entry and the field of an invalid entry', () => {
    const bad = { ...entry('broken-1', 'gpt-4o', 'text', 'x'), finishReason: 'exploded' } as never;
    expect(() => decodeCorpus(encodeCorpus([bad], { createdBy: 't' }), 'c.msgpack')).toThrow(/c\.msgpack: entry broken-1 .*"finishReason"/);
    const noCalls = entry('tc', 'gpt-4o', 'tool_call', '');
    expect(() => decodeCorpus(encodeCorpus([noCalls], { createdBy: 't' }), 'c')).toThrow(/entry tc: field "toolCalls"/);
    const gaps = { ...entry('g', 'gpt-4o', 'text', 'one two three'), timing: { ttftMs: 1, tokenGapsMs: [1] } };
    expect(() => decodeCorpus(encodeCorpus([gaps], { createdBy: 't' }), 'c')).toThrow(/timing\.tokenGapsMs/);
    const injected = entry('bad\r\nx-evil: 1', 'gpt-4o', 'text', 'a');
    expect(() => decodeCorpus(encodeCorpus([injected], { createdBy: 't' }), 'c')).toThrow(/field "id": must be 1-200 printable ASCII/);
    const dup = [entry('same', 'gpt-4o', 'text', 'a'), entry('same', 'gpt-4o', 'text', 'b')];
    expect(() => decodeCorpus(encodeCorpus(dup, { createdBy: 't' }), 'c')).toThrow(/duplicate id/);
  });

  it('rejects an empty corpus and a missing file', () => {
    expect(codeOf(() => decodeCorpus(encodeCorpus([], { createdBy: 't' }), 'c'))).toBe('SIM_ERR_CORPUS_EMPTY');
    expect(codeOf(() => readCorpusFile('/nonexistent/corpus.msgpack'))).toBe('SIM_ERR_CORPUS_READ');
  });
});

describe('compiled corpus', () => {
  const corpus = new Corpus(compileCorpus(TINY_ENTRIES), 'gpt-4o-mini');

  it('pre-encodes every token as JSON-escaped bytes whose concatenation is the escaped text', () => {
    TINY_ENTRIES.forEach((e, i) => {
      const meta = corpus.entries[i]!;
      const [start, end] = corpus.tokenBytes(meta, 0, meta.tokenCount);
      const escaped = corpus.bytes.toString('utf8', start, end);
      expect(JSON.parse(`"${escaped}"`)).toBe(e.tokens.join(''));
      for (let t = 0; t < meta.tokenCount; t++) {
        const [s, f] = corpus.tokenBytes(meta, t, t + 1);
        expect(JSON.parse(`"${corpus.bytes.toString('utf8', s, f)}"`)).toBe(e.tokens[t]);
      }
    });
  });

  it('shares the token bytes instead of copying them', () => {
    const shared = compileCorpus(TINY_ENTRIES);
    const a = new Corpus(shared, 'gpt-4o-mini');
    const b = new Corpus(shared, 'gpt-4o-mini');
    a.bytes[0] = 0x41;
    expect(b.bytes[0]).toBe(0x41);
  });

  it('splits text into tokens that join back exactly, never splitting a character', () => {
    const text = 'naïve café 🌍🚀 漢字かな 👩‍💻 𝔘𝔫 — "quotes"\n\ttabs';
    const tokens = splitTokens(text);
    expect(tokens.join('')).toBe(text);
    expect(tokens.some((t) => t.includes('\uFFFD') || t.length === 0)).toBe(false);
    expect(tokens.length).toBeGreaterThan(5);
  });
});

describe('sampling', () => {
  const corpus = new Corpus(compileCorpus(TINY_ENTRIES), 'gpt-4o-mini');
  const ids = (seed: number, key: string, n = 20) => {
    const rng = new SeededRandom(seed);
    return Array.from({ length: n }, () => corpus.entries[corpus.sample(rng, key, 'chat', undefined)!]!.id);
  };

  it('is a pure function of the seed', () => {
    expect(ids(5, 'gpt-4o-mini')).toEqual(ids(5, 'gpt-4o-mini'));
    expect(ids(5, 'gpt-4o-mini')).not.toEqual(ids(6, 'gpt-4o-mini'));
  });

  it('draws only entries of the requested model and kind group', () => {
    expect(new Set(ids(1, 'gpt-4o-mini', 200))).toEqual(new Set(['t1', 't2', 't3']));
    expect(new Set(ids(1, 'claude-sonnet-4-6', 50))).toEqual(new Set(['s1']));
    const rng = new SeededRandom(2);
    expect(corpus.entries[corpus.sample(rng, 'gpt-4o-mini', 'tool_call', undefined)!]!.id).toBe('c1');
    expect(corpus.entries[corpus.sample(rng, 'gpt-4o-mini', 'json', undefined)!]!.id).toBe('j1');
  });

  it('widens to the vendor family, then the whole corpus, for a kind a model lacks', () => {
    const rng = new SeededRandom(3);
    expect(corpus.entries[corpus.sample(rng, 'claude-sonnet-4-6', 'tool_call', undefined)!]!.id).toBe('c1');
  });

  it('prefers entries that fit max_tokens', () => {
    const short = corpus.entries.find((e) => e.id === 't2')!.tokenCount;
    const rng = new SeededRandom(4);
    for (let i = 0; i < 50; i++) {
      expect(corpus.entries[corpus.sample(rng, 'gpt-4o-mini', 'chat', short)!]!.id).toBe('t2');
    }
    // Nothing fits: any entry (the route then cuts it with finish_reason "length").
    expect(corpus.sample(rng, 'gpt-4o-mini', 'chat', 1)).toBeDefined();
  });

  it('resolves model ids: exact, dated snapshots, vendor families, unknown', () => {
    expect(corpus.resolveModel('gpt-4o-mini')).toEqual({ key: 'gpt-4o-mini', known: true });
    expect(corpus.resolveModel('gpt-4o-mini-2024-07-18')).toEqual({ key: 'gpt-4o-mini', known: true });
    // Served by their providers though not in this corpus: their vendor's entries, and known.
    expect(corpus.resolveModel('gpt-4-turbo')).toEqual({ key: 'vendor:openai', known: true });
    expect(corpus.resolveModel('claude-opus-4-6')).toEqual({ key: 'vendor:anthropic', known: true });
    // Neither served nor in the corpus; or retired, the corpus's own snapshot of gpt-4o-mini included.
    expect(corpus.resolveModel('gpt-4o-turbo')).toEqual({ key: 'vendor:openai', known: false });
    expect(corpus.resolveModel('gpt-4-turbo-preview')).toEqual({ key: 'vendor:openai', known: false });
    expect(corpus.resolveModel('gpt-4o-mini-search-preview')).toEqual({ key: 'gpt-4o-mini', known: false });
    expect(corpus.resolveModel('llama-3-70b')).toBeUndefined();
    expect(corpus.fallbackKey).toBe('gpt-4o-mini');
  });

  it('does not let hostile model ids grow the resolution cache without bound', () => {
    for (let i = 0; i < 5000; i++) corpus.resolveModel(`junk-${i}`);
    expect(corpus.resolveModel('gpt-4o-mini')?.key).toBe('gpt-4o-mini');
  });
});

describe('prompt token counts', () => {
  /** A fresh copy of `text`, as each request's parsed body holds its own strings. */
  const fresh = (text: string): string => JSON.parse(JSON.stringify(text)) as string;
  const longText = (n: number, salt: string): string => `${salt} `.repeat(Math.ceil(n / (salt.length + 1))).slice(0, n);

  it('caches a long text (a system prompt every request repeats) as well as short ones', () => {
    const doc = longText(100_000, 'context');
    const before = tokenCacheStats().long;
    const n = countTokens(fresh(doc));
    const after = tokenCacheStats().long;
    expect(after.entries).toBe(before.entries + 1);
    expect(after.chars).toBe(before.chars + doc.length);
    // A hit: the same count, nothing added.
    expect(countTokens(fresh(doc))).toBe(n);
    expect(tokenCacheStats().long).toEqual(after);
    expect(n).toBe(splitTokens(doc).length);
  });

  /** gpt-tokenizer's own count of the whole text, special tokens as text: the ground truth. */
  const wholeCount = (text: string): number => bpeCountWhole(text, { disallowedSpecial: new Set() });

  it('counts a long text paragraph by paragraph to exactly its whole count, whatever follows a blank line', () => {
    // Fragments that meet at blank lines in every way the pre-tokenizer treats differently.
    const fragments = [
      'The deploy failed at 03:14.', 'See https://example.com/a/b?c=1.', '```ts\nconst x = 1;\n```', '- item one\n- item two',
      '/usr/local/bin', "it's", '  indented', '\tTabbed', '123456', '!!!', '«Guillemets»', '日本語のテキスト', 'emoji 🚀🔥',
      'Ünïcödé', '<|endoftext|>', '# Heading', '| a | b |', '.', ' ', '\r\n', 'x/y', "'s", 'ALLCAPS', 'CamelCase',
    ];
    const separators = ['\n\n', '\n\n\n', '\r\n\r\n', '\n \n', ' \n\n', '.\n\n', '\n', '\n\n/', '\n\n ', '\n\n\t', ' '];
    const rng = new SeededRandom(5);
    for (let t = 0; t < 12; t++) {
      let text = '';
      while (text.length < 40_000) text += fragments[rng.int(fragments.length)]! + separators[rng.int(separators.length)]!;
      expect(countTokens(fresh(text))).toBe(wholeCount(text));
    }
  });

  it('reuses the counted paragraphs of known passages in a new prompt', () => {
    const passages = Array.from({ length: 8 }, (_, i) => `Passage ${i}: ${longText(4_000, `fact${i}`)}\n\n`);
    const prompt = (order: number[], question: string): string => order.map((i) => passages[i]).join('') + question;
    const first = prompt([0, 1, 2, 3, 4, 5], 'Question: what is fact 2?');
    expect(countTokens(first)).toBe(wholeCount(first));
    const before = tokenCacheStats().short.misses;
    // Other passages in another order, another question: only the question is counted afresh.
    const second = prompt([5, 3, 0, 4], 'Question: and fact 4?');
    expect(countTokens(second)).toBe(wholeCount(second));
    expect(tokenCacheStats().short.misses).toBe(before + 1);
  });

  it('keeps the long-text cache within its character budget, dropping the oldest texts first', () => {
    // 60 distinct texts of 300,000 characters: 18 M characters against a budget of 8 Mi.
    for (let i = 0; i < 60; i++) countTokens(longText(300_000, `doc${i}`));
    const stats = tokenCacheStats().long;
    expect(stats.chars).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(stats.entries).toBeGreaterThan(20);
    // A text past the largest cached size is counted and not kept.
    countTokens(longText(3 * 1024 * 1024, 'huge'));
    expect(tokenCacheStats().long.chars).toBe(stats.chars);
  });

  it('keeps the short-text cache within 4,096 texts and 4 Mi characters', () => {
    // 600 distinct texts of 15,000 characters: 9 M characters.
    for (let i = 0; i < 600; i++) countTokens(longText(15_000, `m${i}`));
    const stats = tokenCacheStats().short;
    expect(stats.chars).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(stats.entries).toBeGreaterThan(200);
    for (let i = 0; i < 5_000; i++) countTokens(`note ${i}`);
    expect(tokenCacheStats().short.entries).toBe(4096);
  });
});
