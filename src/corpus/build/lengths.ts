/**
 * Length distributions of the default corpus. Real output lengths are heavy-tailed: most
 * answers are a few paragraphs, a few are essays or long code, so each kind draws its target
 * from a lognormal truncated to a range (resampled, not clamped, so no spike at the bounds).
 */
import type { SeededRandom } from '../../timing/random.js';

export interface LengthSpec {
  /** Median of the untruncated lognormal, in o200k tokens. */
  readonly medianTokens: number;
  /** Standard deviation of ln(length). */
  readonly sigma: number;
  readonly minTokens: number;
  readonly maxTokens: number;
}

/**
 * Refusals and tool-call preambles are not listed: their templates are short by nature
 * (about 8–70 tokens), as they are in real traffic.
 */
export type LengthKind = 'text' | 'oneLiner' | 'multilingual' | 'json' | 'prompt' | 'toolPrompt';

/**
 * Text answers dominate the corpus, so their spec sets the overall shape: with ~70% of entries
 * drawn from it (a tenth of those as one-liners), the whole corpus lands near p50 ≈ 160 and
 * p90 ≈ 700 tokens.
 */
export const LENGTHS = {
  text: { medianTokens: 270, sigma: 1.0, minTokens: 5, maxTokens: 1980 },
  // Direct answers ("The default PostgreSQL port is 5432.") are common enough to need their own mode.
  oneLiner: { medianTokens: 16, sigma: 0.45, minTokens: 5, maxTokens: 35 },
  multilingual: { medianTokens: 140, sigma: 0.8, minTokens: 12, maxTokens: 700 },
  json: { medianTokens: 120, sigma: 0.7, minTokens: 20, maxTokens: 900 },
  // Recorded prompt sizes: a system prompt plus a turn or two; tool prompts carry tool schemas.
  prompt: { medianTokens: 140, sigma: 0.8, minTokens: 20, maxTokens: 800 },
  toolPrompt: { medianTokens: 380, sigma: 0.4, minTokens: 120, maxTokens: 800 },
} as const satisfies Record<LengthKind, LengthSpec>;

/** Share of text answers drawn from `oneLiner` rather than `text`. */
export const ONE_LINER_SHARE = 0.1;

/** Hard ceiling on any entry's completion tokens; the generator fails rather than exceed it. */
export const MAX_COMPLETION_TOKENS = 2100;

/** An integer length from `spec`; after 64 misses (never in practice) it clamps instead. */
export function sampleLength(rng: SeededRandom, spec: LengthSpec): number {
  const mu = Math.log(spec.medianTokens);
  for (let attempt = 0; attempt < 64; attempt++) {
    const n = Math.round(Math.exp(mu + spec.sigma * rng.normal()));
    if (n >= spec.minTokens && n <= spec.maxTokens) return n;
  }
  return Math.min(spec.maxTokens, Math.max(spec.minTokens, Math.round(spec.medianTokens)));
}

/** A text answer's target: a one-liner now and then, otherwise the heavy-tailed `text` spec. */
export function sampleTextLength(rng: SeededRandom): number {
  return sampleLength(rng, rng.next() < ONE_LINER_SHARE ? LENGTHS.oneLiner : LENGTHS.text);
}
