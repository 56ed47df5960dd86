/**
 * Synthetic "recorded" timing for the entries that carry one, so `--timing recorded` has data to
 * replay. Time to first token is lognormal per family (several times longer for thinking
 * models); gaps between tokens are lognormal around a per-family median with rare stalls, the
 * pattern seen when a provider's batch is preempted mid-stream.
 */
import type { SeededRandom } from '../../timing/random.js';
import type { RecordedTiming } from '../format.js';
import { chance } from './choice.js';
import { THINKING_MODELS, type ProviderFamily } from './models.js';

interface FamilyTiming {
  readonly ttftMedianMs: number;
  readonly ttftSigma: number;
  readonly gapMedianMs: number;
  readonly gapSigma: number;
}

const FAMILY_TIMING = {
  openai: { ttftMedianMs: 420, ttftSigma: 0.45, gapMedianMs: 11, gapSigma: 0.35 },
  anthropic: { ttftMedianMs: 650, ttftSigma: 0.4, gapMedianMs: 16, gapSigma: 0.4 },
  google: { ttftMedianMs: 520, ttftSigma: 0.5, gapMedianMs: 9, gapSigma: 0.5 },
  xai: { ttftMedianMs: 480, ttftSigma: 0.5, gapMedianMs: 13, gapSigma: 0.4 },
} as const satisfies Record<ProviderFamily, FamilyTiming>;

/** Thinking models spend this many times longer before their first visible token. */
const THINKING_TTFT_FACTOR = 5;
const GAP_MIN_MS = 3;
const GAP_MAX_MS = 60;
const STALL_PROBABILITY = 0.004;
const STALL_MIN_MS = 120;
const STALL_SPREAD_MS = 700;

/** Milliseconds kept to 0.1 ms, the resolution a client-side recorder gives. */
const tenths = (ms: number): number => Math.round(ms * 10) / 10;

export function recordTiming(rng: SeededRandom, family: ProviderFamily, model: string, tokenCount: number): RecordedTiming {
  const f: FamilyTiming = FAMILY_TIMING[family];
  const thinking = THINKING_MODELS.has(model) ? THINKING_TTFT_FACTOR : 1;
  const ttftMs = tenths(Math.min(60_000, f.ttftMedianMs * thinking * Math.exp(f.ttftSigma * rng.normal())));
  const tokenGapsMs: number[] = [];
  for (let i = 1; i < tokenCount; i++) {
    const gap = chance(rng, STALL_PROBABILITY)
      ? STALL_MIN_MS + rng.next() * STALL_SPREAD_MS
      : Math.min(GAP_MAX_MS, Math.max(GAP_MIN_MS, f.gapMedianMs * Math.exp(f.gapSigma * rng.normal())));
    tokenGapsMs.push(tenths(gap));
  }
  return { ttftMs, tokenGapsMs };
}
