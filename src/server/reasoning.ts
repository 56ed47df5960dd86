/**
 * Hidden reasoning: the tokens OpenAI's reasoning models (o-series, GPT-5) and Gemini's thinking
 * models (2.5, 3) spend before they answer. A client never sees them as text, but they are billed
 * as output, they come out of the same output limit as the answer, and usage reports them
 * (`reasoning_tokens`, `thoughtsTokenCount`). The classic surprise this reproduces: a small
 * `max_completion_tokens` / `maxOutputTokens` spent wholly on reasoning, leaving an empty answer
 * cut with `length` / `MAX_TOKENS`.
 *
 * How many tokens a model reasons is drawn log-uniformly from a range per effort, from the
 * request's seeded source (docs/surfaces.md gives the ranges and why). The profiles' TTFTs for these
 * models are measured times to the first visible token at the default effort, which include its
 * typical reasoning; a profile's `hiddenReasoning` scales the TTFT by how far a request's tokens
 * are from that (`../timing/latency.ts`), so `minimal` answers about as fast as a plain model.
 */
import { effortSupport, geminiAliasTarget, isReasoningModel } from '../corpus/model-catalog.js';
import type { Corpus } from '../corpus/sampler.js';
import type { SeededRandom } from '../timing/random.js';
import type { TokenSource } from './stream-plan.js';
import { chooseAnswer, SPENT_ANSWER, type Answer, type AnswerRequest } from './answer.js';

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high';

/**
 * Tokens reasoned per effort: [least, most]. A Map, so that a request's `"constructor"` finds
 * nothing. Efforts not listed are taken as `medium`: the simulator should not refuse what the
 * provider may accept. `xhigh` (GPT-5.1 Codex Max and later) and `max` (GPT-5.6 Sol) reason more
 * than `high` by definition, by how much no source gives: they draw `high`'s range, a floor
 * (before, they fell to `medium`'s and reasoned less than `high`).
 */
const HIGH: readonly [number, number] = [768, 7_680];
const EFFORT_TOKENS: ReadonlyMap<string, readonly [number, number]> = new Map([
  ...Object.entries({
    none: [0, 0],
    minimal: [0, 0],
    low: [64, 640],
    medium: [192, 1_920],
    high: HIGH,
  } as const satisfies Record<ReasoningEffort, readonly [number, number]>),
  ['xhigh', HIGH],
  ['max', HIGH],
]);
const MEDIUM = EFFORT_TOKENS.get('medium')!;

/** The tokens range of an effort named by a request (medium for any other name). */
const effortRange = (effort: string | null | undefined): readonly [number, number] => EFFORT_TOKENS.get(effort ?? 'medium') ?? MEDIUM;

/** Gemini's dynamic thinking (no budget, or -1): about what a medium effort spends. */
const DYNAMIC_THINKING: readonly [number, number] = [192, 1_920];

/** A log-uniform draw in [lo, hi]: most answers reason briefly, a few at length. */
function draw(rng: SeededRandom, [lo, hi]: readonly [number, number]): number {
  if (hi <= 0) return 0;
  return Math.round(lo * Math.pow(hi / lo, rng.next()));
}

/** An OpenAI reasoning model's hidden tokens at `effort` (default: the model's, else medium); 0 for other models. */
export function openAIReasoningTokens(model: string, effort: string | null | undefined, rng: SeededRandom): number {
  if (!isReasoningModel(model)) return 0;
  // A model's own default where it has one (GPT-5.1 does not reason unless asked), else medium.
  return draw(rng, effortRange(effort ?? effortSupport(model)?.fallback));
}

/**
 * xAI's reasoning models: Grok 3 Mini by its `reasoning_effort` (`low`, the default, or `high`),
 * Grok 4 always (about a medium effort; it takes no effort parameter, as the later 4.x do), and not the
 * `-non-reasoning` variants. 0 for the rest.
 */
export function xaiReasoningTokens(model: string, effort: string | null | undefined, rng: SeededRandom): number {
  if (model.startsWith('grok-3-mini')) return draw(rng, effortRange(effort === 'high' ? 'high' : 'low'));
  // Only the Grok 4.x models that take an effort get past xai-params.ts with one (`none` turns reasoning off).
  if (model.startsWith('grok-4') && !model.includes('non-reasoning')) return draw(rng, effortRange(effort));
  return 0;
}

/** Grok 3 Mini shows its reasoning (`reasoning_content`); Grok 4 keeps it hidden. */
export const xaiShowsReasoning = (model: string): boolean => model.startsWith('grok-3-mini');

/** Gemini 3 and later (Gemini 4 Argon): thinking by `thinkingLevel`. */
export const geminiTakesLevels = (model: string): boolean => model.startsWith('gemini-3') || model.startsWith('gemini-4');

/** Gemini models that can think (2.5, 3 and 4, and the aliases of them); 2.5 Flash and Flash-Lite can be told not to, and Flash-Lite does not by default. */
export function geminiThinks(model: string): boolean {
  const id = geminiAliasTarget(model);
  return id.startsWith('gemini-2.5') || geminiTakesLevels(id);
}

/** The Pro-class models: the `-pro` ids and Gemini 4 Argon, the successor to 3.1 Pro (Google's Gemini 4 guide). */
const isGeminiProClass = (model: string): boolean => model.includes('-pro') || model.startsWith('gemini-4-');

/**
 * Only the Pro-class models refuse a zero budget: they cannot answer without thinking (Gemini 4
 * Argon takes no MINIMAL level, as Pro does not, and the compat route already maps `none` to its least).
 */
export function geminiMustThink(model: string): boolean {
  const id = geminiAliasTarget(model);
  return geminiThinks(id) && isGeminiProClass(id);
}

/**
 * The Flash models from 3.5 on (3.5, 3.6, 3.7, 3.8; not their Flash-Lite): `medium` by default,
 * where 3 Flash defaults to `high` (Google's 3.5 Flash guide), and their own thought ranges.
 */
export const isGeminiFlash35 = (model: string): boolean => /^gemini-3\.[5-9]-flash(?!-lite)/.test(model);

/**
 * Gemini 3's thoughts per `thinkingLevel`, calibrated on its default (`high`, dynamic) against its
 * published medians (docs/latency-profiles.md): 3.1 Pro's 7.6 s TTFT at 122 tokens/s leaves about
 * 800 thoughts past a ~1.1 s base (promptfoo saw 404–800+ at high), so Pro's high is OpenAI's
 * range over 3 (median 809); 3 Flash's 1.1 s at about 5 ms a thought leaves about 130, so Flash's
 * high is [40, 400] (median 126). The lower levels keep OpenAI's ratios to high. OpenAI's own
 * ranges (high's median 2,428) would put Pro's first token at 20 s and Flash's at 13 s.
 */
const GEMINI_3_PRO_LEVELS: ReadonlyMap<string, readonly [number, number]> = new Map(
  Object.entries({
    // No minimal: Pro cannot stop thinking, and both routes refuse the level (./gemini/thinking-levels.ts).
    low: [21, 213],
    medium: [64, 640],
    high: [256, 2_560],
  } as const),
);
const GEMINI_3_FLASH_LEVELS: ReadonlyMap<string, readonly [number, number]> = new Map(
  Object.entries({
    // "Matches no thinking for most queries" (Google's thinking guide).
    minimal: [0, 0],
    low: [3, 33],
    medium: [10, 100],
    high: [40, 400],
  } as const),
);

/**
 * 3.5 Flash's thoughts, from the one published per-level sweep (nipunbatra.github.io, 2026-05-20:
 * low 245–408 thoughts, medium 302–1,619, high 387–2,192 over four prompts, minimal none) and its
 * default's measured TTFT (5.1–5.7 s against about 1.1 s at minimal, at 3.6 ms a token): medium's
 * median is 1,195, low's 300, and high's 1.5 times medium's (high spent 0.65–1.8 times medium's
 * thoughts on the same prompts). Each range spans 10×, as 3 Flash's do. 3.6–3.8 Flash publish no
 * figures of their own and take these (docs/latency-profiles.md).
 */
const GEMINI_35_FLASH_LEVELS: ReadonlyMap<string, readonly [number, number]> = new Map(
  Object.entries({
    minimal: [0, 0],
    low: [95, 950],
    medium: [378, 3_780],
    high: [567, 5_670],
  } as const),
);

/** A Gemini 3 model's range for `level`: an unlisted name as medium, as for OpenAI's efforts. */
function gemini3Range(model: string, level: string): readonly [number, number] {
  const levels = isGeminiProClass(model) ? GEMINI_3_PRO_LEVELS : isGeminiFlash35(model) ? GEMINI_35_FLASH_LEVELS : GEMINI_3_FLASH_LEVELS;
  return levels.get(level) ?? levels.get('medium')!;
}

/**
 * Gemini 3's level when a request names none: `high` (dynamic), but `minimal` for Flash-Lite (the
 * thinking guide's table for 3.1 Flash-Lite; 3.5 Flash-Lite, with no table of its own, as 3.1),
 * `medium` for 3.5 Flash and later and for Gemini 4 Argon (its `-cyber-permissive` variant `high`,
 * Google's Gemini 4 Argon guide).
 */
function gemini3DefaultLevel(model: string): string {
  if (model.includes('flash-lite')) return 'minimal';
  if (isGeminiFlash35(model)) return 'medium';
  if (model.startsWith('gemini-4-')) return model.includes('cyber-permissive') ? 'high' : 'medium';
  return 'high';
}

/**
 * A Gemini thinking model's thought tokens: by `thinkingLevel` (Gemini 3's control, with its own
 * ranges), else by `thinkingBudget`: none for 0, dynamic for -1 or none given (Gemini 3's dynamic
 * is its default level), else up to the budget (at least an eighth of it). 0 for models that do not think.
 */
export function geminiThoughtTokens(alias: string, thinking: { readonly thinkingBudget?: number; readonly thinkingLevel?: string } | undefined, rng: SeededRandom): number {
  const model = geminiAliasTarget(alias);
  if (!geminiThinks(model)) return 0;
  const budget = thinking?.thinkingBudget;
  // Only Gemini 3 and later take a level: both routes refuse one on 2.5 (./gemini/thinking-levels.ts).
  if (geminiTakesLevels(model)) {
    // THINKING_LEVEL_UNSPECIFIED, the enum's zero, is the model's default as no level is.
    const named = thinking?.thinkingLevel?.toLowerCase();
    const level = named !== undefined && named !== 'thinking_level_unspecified' ? named : budget === undefined || budget < 0 ? gemini3DefaultLevel(model) : undefined;
    if (level !== undefined) return draw(rng, gemini3Range(model, level));
  }
  // 2.5 Flash-Lite thinks only when given a budget (its default is off).
  if (budget === 0 || (budget === undefined && model.startsWith('gemini-2.5-flash-lite'))) return 0;
  if (budget === undefined || budget < 0) return draw(rng, DYNAMIC_THINKING);
  return draw(rng, [Math.max(1, Math.ceil(budget / 8)), budget]);
}

/**
 * The answer a reasoning model writes after `hidden` reasoning tokens taken from `req`'s output
 * limit, and the tokens it reasoned; the request's own answer when it reasons none.
 */
export function answerAfterReasoning(corpus: Corpus, req: AnswerRequest, hidden: number, rng: SeededRandom): { readonly answer: Answer; readonly reasoning: number } {
  if (hidden === 0) return { answer: chooseAnswer(corpus, req, rng), reasoning: 0 };
  const spent = spendOnReasoning(hidden, req.maxTokens!);
  return { answer: spent.answerLimit === 0 ? SPENT_ANSWER : chooseAnswer(corpus, { ...req, maxTokens: spent.answerLimit }, rng), reasoning: spent.reasoning };
}

/**
 * Reasoning against an output limit: the tokens reasoned (never more than the limit) and what the
 * limit leaves for the answer, 0 when reasoning spent it all.
 */
export function spendOnReasoning(reasoning: number, limit: number): { readonly reasoning: number; readonly answerLimit: number } {
  return reasoning >= limit ? { reasoning: limit, answerLimit: 0 } : { reasoning, answerLimit: limit - reasoning };
}

/** Shown reasoning text: a thinking block, a reasoning summary, Gemini's thought parts. */
export interface ReasoningText {
  readonly source: TokenSource;
  readonly count: number;
}

/**
 * Reasoning text a client is shown (Anthropic's thinking block, an OpenAI reasoning summary,
 * Gemini's thought parts): another short corpus answer of the same model, cut at `budget` tokens.
 * Real reasoning is not recorded in the corpus; any prose streams with the right timing and size.
 */
export function reasoningText(corpus: Corpus, bucketKey: string, budget: number, rng: SeededRandom): ReasoningText {
  const index = budget > 0 ? corpus.sample(rng, bucketKey, 'chat', budget) : undefined;
  const entry = index === undefined ? undefined : corpus.entries[index]!;
  const source = { bytes: corpus.bytes, offsets: corpus.offsets, first: entry?.tokenStart ?? 0, count: entry?.tokenCount ?? 0 };
  return { source, count: Math.min(source.count, budget) };
}

/** The longest summary of hidden reasoning a client is shown: a few paragraphs. */
const MAX_SUMMARY_TOKENS = 256;

/** A summary of `reasoning` hidden tokens (an OpenAI reasoning summary, Gemini's thoughts), drawn within them; null when there is nothing to show. */
export function reasoningSummary(corpus: Corpus, bucketKey: string, reasoning: number, rng: SeededRandom): ReasoningText | null {
  if (reasoning === 0) return null;
  const text = reasoningText(corpus, bucketKey, Math.min(reasoning, MAX_SUMMARY_TOKENS), rng);
  return text.count > 0 ? text : null;
}
