/**
 * Micro cases of token work on a cache miss: counting a prompt the thread has not seen, and
 * splitting a generated value into the tokens it streams. The baseline is gpt-tokenizer as
 * shipped, its merge cache warm, which the simulator used until decision 0014.
 */
import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { o200k } from '../src/corpus/o200k.js';
import { tokenizeText } from '../src/corpus/tokens.js';
import { SeededRandom } from '../src/timing/random.js';
import { sink, type Pair } from './micro-harness.js';

const ORDINARY = { disallowedSpecial: new Set<string>() };

const WORDS = ['the', 'request', 'latency', 'token', 'stream', 'model', 'answer', 'customer', 'refund', 'policy', 'weather', 'Paris', 'invoice', 'schema', 'JSON', 'function', 'retrieval', 'context', 'summarize', 'translate', 'café', 'naïve', '東京', 'déjà', '2026-12-06', '42', '3.14', '{"id":', '});', '\n\n'];

/** Prompts of about 600 characters, each different (a load test's templated prompts). */
function prompts(seed: number, n: number): string[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    let s = `Request ${i}: `;
    while (s.length < 600) s += WORDS[rng.int(WORDS.length)]! + (rng.int(8) === 0 ? '. ' : ' ');
    return s;
  });
}

export function tokenPairs(seed: number): Pair[] {
  const texts = prompts(seed, 256);
  const enc = o200k();
  return [
    {
      name: 'tokens: count a new 600-character prompt (o200k over the shared table)',
      baseline: 'gpt-tokenizer countTokens',
      note: 'every prompt differs; no count cache in either',
      ops: 20_000,
      run: (ops) => {
        for (let i = 0; i < ops; i++) sink.value += enc.count(texts[i & 255]!);
        return ops;
      },
      base: (ops) => {
        for (let i = 0; i < ops; i++) sink.value += countTokens(texts[i & 255]!, ORDINARY);
        return ops;
      },
    },
    {
      name: 'tokens: split a 600-character value into streamed tokens (tokenizeText)',
      baseline: 'gpt-tokenizer encode (ids only)',
      note: 'ids, then slices of the text where tokens end on whole characters',
      ops: 10_000,
      run: (ops) => {
        for (let i = 0; i < ops; i++) sink.value += tokenizeText(texts[i & 255]!).tokens.length;
        return ops;
      },
      base: (ops) => {
        for (let i = 0; i < ops; i++) sink.value += encode(texts[i & 255]!, ORDINARY).length;
        return ops;
      },
    },
  ];
}
