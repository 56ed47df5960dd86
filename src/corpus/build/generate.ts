/**
 * The default corpus: `generateDefaultCorpus(seed)` writes a few hundred entries per provider
 * family from the phrase banks in this folder, with no network and no recorded data. Same seed,
 * same entries; every random choice comes from a `SeededRandom` derived from the seed and the
 * entry's position, so changing one composer does not reshuffle every other entry.
 *
 * Rebuild the committed file with `npm run corpus:build` (scripts/build-corpus.ts).
 */
import { SeededRandom, combineSeeds, hashString } from '../../timing/random.js';
import type { CorpusEntry, CorpusToolCall, EntryKind, FinishReason, RecordedTiming } from '../format.js';
import type { Composition } from './answer-builder.js';
import { chance, shuffle } from './choice.js';
import { composeJsonAnswer } from './json-answers.js';
import { LENGTHS, MAX_COMPLETION_TOKENS, sampleLength, sampleTextLength } from './lengths.js';
import { DEFAULT_MODELS, PROVIDER_FAMILIES, type ProviderFamily } from './models.js';
import { composeMultilingualAnswer } from './multilingual.js';
import { recordTiming } from './recorded-timing.js';
import { composeRefusal } from './refusals.js';
import { composeTextAnswer } from './text-answers.js';
import { tokenizeText } from '../tokens.js';
import { composeToolCallAnswer } from './tool-calls.js';

export const DEFAULT_CORPUS_SEED = 20261123;
export const DEFAULT_PER_FAMILY = 300;
/** Constant, not versioned or dated, so the same seed always gives a byte-identical file. */
export const DEFAULT_CORPUS_CREATED_BY = 'llm-understudy corpus:build (src/corpus/build)';

/** What an entry is planned as; `multilingual` entries are `text` entries with non-ASCII content. */
type EntryPlan = 'text' | 'multilingual' | 'tool_call' | 'json' | 'refusal';

/** Share of each plan in every family. */
const MIX = {
  text: 0.7,
  multilingual: 0.03,
  tool_call: 0.12,
  json: 0.1,
  refusal: 0.05,
} as const satisfies Record<EntryPlan, number>;

const RECORDED_TIMING_SHARE = 0.1;

// Independent sub-streams per entry: content, prompt size and timing draw from their own seeds.
const STREAM_PROMPT = 0x70726f6d;
const STREAM_TIMING = 0x74696d65;

export interface GenerateOptions {
  /** Entries per provider family; default 300. */
  readonly perFamily?: number;
}

/**
 * Exact counts per plan for `n` entries (largest remainder), so even a small corpus has the
 * intended mix and, from five entries up, at least one of each plan.
 */
function planCounts(n: number): Record<EntryPlan, number> {
  const plans = Object.keys(MIX) as EntryPlan[];
  const counts = {} as Record<EntryPlan, number>;
  let assigned = 0;
  for (const p of plans) {
    counts[p] = Math.floor(n * MIX[p]);
    assigned += counts[p];
  }
  const byRemainder = plans.slice().sort((a, b) => n * MIX[b] - counts[b] - (n * MIX[a] - counts[a]));
  for (let i = 0; assigned < n; i++, assigned++) counts[byRemainder[i % plans.length]!]++;
  if (n >= plans.length) {
    for (const p of plans) {
      if (counts[p] === 0) {
        counts[p] = 1;
        counts.text--;
      }
    }
  }
  return counts;
}

function planFamily(rng: SeededRandom, n: number): EntryPlan[] {
  const counts = planCounts(n);
  const plans: EntryPlan[] = [];
  for (const p of Object.keys(counts) as EntryPlan[]) for (let i = 0; i < counts[p]; i++) plans.push(p);
  return shuffle(rng, plans);
}

interface DraftEntry {
  readonly kind: EntryKind;
  readonly text: string;
  readonly toolCalls: readonly CorpusToolCall[];
  readonly finishReason: FinishReason;
  /** Completion tokens beyond the text's own (tool-call arguments). */
  readonly extraCompletionTokens: number;
  readonly tags: readonly string[];
}

function fromComposition(kind: EntryKind, c: Composition): DraftEntry {
  return { kind, text: c.text, toolCalls: [], finishReason: 'stop', extraCompletionTokens: 0, tags: c.tags };
}

function draft(plan: EntryPlan, rng: SeededRandom, family: ProviderFamily): DraftEntry {
  switch (plan) {
    case 'text':
      return fromComposition('text', composeTextAnswer(rng, sampleTextLength(rng)));
    case 'multilingual':
      return fromComposition('text', composeMultilingualAnswer(rng, sampleLength(rng, LENGTHS.multilingual)));
    case 'json':
      return fromComposition('json', composeJsonAnswer(rng, sampleLength(rng, LENGTHS.json)));
    case 'refusal':
      return fromComposition('refusal', composeRefusal(rng));
    case 'tool_call': {
      const answer = composeToolCallAnswer(rng, family);
      return {
        kind: 'tool_call',
        text: answer.preamble,
        toolCalls: answer.calls,
        finishReason: 'tool_calls',
        extraCompletionTokens: answer.callTokens,
        tags: answer.tags,
      };
    }
  }
}

/** Anything beyond printable ASCII and the whitespace the generator writes. */
const NON_ASCII = /[^\x20-\x7e\n\t]/;

function finishEntry(id: string, model: string, family: ProviderFamily, d: DraftEntry, entrySeed: number): CorpusEntry {
  const { tokens, tokenIdCount } = tokenizeText(d.text);
  if (tokenIdCount > MAX_COMPLETION_TOKENS) {
    throw new Error(`generateDefaultCorpus: entry ${id} has ${tokenIdCount} tokens, over the ${MAX_COMPLETION_TOKENS} ceiling`);
  }
  const promptRng = new SeededRandom(combineSeeds(entrySeed, STREAM_PROMPT));
  const promptTokens = sampleLength(promptRng, d.kind === 'tool_call' ? LENGTHS.toolPrompt : LENGTHS.prompt);
  const timingRng = new SeededRandom(combineSeeds(entrySeed, STREAM_TIMING));
  const timing: RecordedTiming | undefined = chance(timingRng, RECORDED_TIMING_SHARE)
    ? recordTiming(timingRng, family, model, tokens.length)
    : undefined;
  const tags = NON_ASCII.test(d.text) && !d.tags.includes('non-ascii') ? [...d.tags, 'non-ascii'].sort() : [...d.tags];
  // Field order follows format.ts, so a decoded file and a fresh generation compare equal.
  return {
    id,
    model,
    kind: d.kind,
    tokens,
    toolCalls: d.toolCalls,
    finishReason: d.finishReason,
    usage: { promptTokens, completionTokens: tokenIdCount + d.extraCompletionTokens },
    ...(timing === undefined ? {} : { timing }),
    tags,
  };
}

/**
 * Generates the default corpus: `perFamily` entries for each provider family, spread evenly over
 * that family's models, in a fixed order (family by family).
 *
 * @example
 * const entries = generateDefaultCorpus(DEFAULT_CORPUS_SEED);
 * writeFileSync('corpus/default.msgpack', encodeCorpus(entries, { createdBy: DEFAULT_CORPUS_CREATED_BY, seed: DEFAULT_CORPUS_SEED }));
 */
export function generateDefaultCorpus(seed: number, options: GenerateOptions = {}): CorpusEntry[] {
  const perFamily = options.perFamily ?? DEFAULT_PER_FAMILY;
  if (!Number.isInteger(perFamily) || perFamily < 1) {
    throw new RangeError(`options.perFamily must be a positive integer, got ${String(perFamily)}`);
  }
  const entries: CorpusEntry[] = [];
  for (const family of PROVIDER_FAMILIES) {
    const models = DEFAULT_MODELS[family];
    const plans = planFamily(new SeededRandom(combineSeeds(seed, hashString(`plan:${family}`))), perFamily);
    const counters = new Map<string, number>();
    plans.forEach((plan, index) => {
      const model = models[index % models.length]!;
      const entrySeed = combineSeeds(seed, hashString(`${family}#${index}`));
      const d = draft(plan, new SeededRandom(entrySeed), family);
      const counterKey = `${model}-${d.kind}`;
      const n = (counters.get(counterKey) ?? 0) + 1;
      counters.set(counterKey, n);
      entries.push(finishEntry(`${counterKey}-${String(n).padStart(3, '0')}`, model, family, d, entrySeed));
    });
  }
  return entries;
}
