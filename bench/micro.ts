/**
 * Micro benchmarks of the hot pieces, in-process on the main thread: SSE frame assembly
 * (./micro-frames.ts), corpus sampling (here), the timer wheel (./micro-scheduler.ts), the
 * non-streaming handler (./micro-handler.ts), token counting on a cache miss (./micro-tokens.ts),
 * a stats read (./micro-stats.ts) and an embeddings response body (./micro-embeddings.ts), each as
 * a ratio against a baseline measured in the same run (./micro-harness.ts).
 */
import { readCorpusFile } from '../src/corpus/codec.js';
import { compileCorpus } from '../src/corpus/compiled.js';
import { Corpus } from '../src/corpus/sampler.js';
import { DEFAULT_CORPUS_FILE } from '../src/package-root.js';
import { chooseAnswer } from '../src/server/answer.js';
import { SeededRandom } from '../src/timing/random.js';
import { embeddingPairs } from './micro-embeddings.js';
import { ANSWER_REQUEST, framePairs } from './micro-frames.js';
import { handlerPairs } from './micro-handler.js';
import { measurePair, sink, type Body, type MicroOptions, type MicroResult, type Pair } from './micro-harness.js';
import { schedulerPairs } from './micro-scheduler.js';
import { statsPairs } from './micro-stats.js';
import { tokenPairs } from './micro-tokens.js';
import { progress } from './table.js';

export type { MicroOptions, MicroResult } from './micro-harness.js';

function samplingPairs(corpus: Corpus, seed: number): Pair[] {
  const rng = new SeededRandom(seed);
  const map = new Map(corpus.models.map((m, i) => [m, i]));
  const keys = corpus.models;
  const mapGet: Body = (ops) => {
    for (let i = 0; i < ops; i++) sink.value += map.get(keys[i % keys.length]!) ?? 0;
    return ops;
  };
  return [
    {
      name: "sample: corpus.sample(rng, 'gpt-4o-mini', 'chat', 200)",
      baseline: 'Map.get (string key)',
      note: 'bucket lookup + binary search on length + one draw',
      ops: 2_000_000,
      run: (ops) => {
        for (let i = 0; i < ops; i++) sink.value += corpus.sample(rng, 'gpt-4o-mini', 'chat', 200) ?? 0;
        return ops;
      },
      base: mapGet,
    },
    {
      name: 'sample: chooseAnswer (whole answer choice)',
      baseline: 'Map.get (string key)',
      note: 'group, sample, token budget',
      ops: 1_000_000,
      run: (ops) => {
        for (let i = 0; i < ops; i++) sink.value += chooseAnswer(corpus, ANSWER_REQUEST, rng).contentCount;
        return ops;
      },
      base: mapGet,
    },
  ];
}

/** Every micro case of this build, on the default corpus (also what `./ab.ts` loads from each build). */
export function microPairs(seed: number): Pair[] {
  const corpus = new Corpus(compileCorpus(readCorpusFile(DEFAULT_CORPUS_FILE())), 'gpt-4o-mini');
  return [...framePairs(corpus, seed), ...samplingPairs(corpus, seed), ...schedulerPairs(seed), ...handlerPairs(corpus, seed), ...tokenPairs(seed), ...statsPairs(seed), ...embeddingPairs(seed)];
}

export function runMicro(opts: MicroOptions): MicroResult[] {
  progress('micro: loading the corpus');
  const pairs = microPairs(opts.seed);
  const out: MicroResult[] = [];
  for (const p of pairs) {
    progress(`micro: ${p.name}`);
    out.push(measurePair(p, opts));
  }
  if (sink.value === Number.MIN_SAFE_INTEGER) progress('unreachable');
  return out;
}
