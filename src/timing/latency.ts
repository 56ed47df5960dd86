/**
 * Latency models: time to first token and the gap before each later token, drawn from a
 * profile with a seeded source. Heavy tails come from lognormals set by p50 and p95, clamped,
 * plus rare stalls.
 */
import type { LatencyProfile } from './profiles.js';
import type { SeededRandom } from './random.js';

/** z-score of the 95th percentile of a standard normal. */
const Z95 = 1.6448536269514722;

/** A clamped lognormal set by its median and 95th percentile. */
export class Lognormal {
  readonly mu: number;
  readonly sigma: number;
  readonly minMs: number;
  readonly maxMs: number;

  constructor(p50Ms: number, p95Ms: number, minMs: number, maxMs: number) {
    this.mu = Math.log(p50Ms);
    this.sigma = Math.max(0, (Math.log(p95Ms) - Math.log(p50Ms)) / Z95);
    this.minMs = minMs;
    this.maxMs = maxMs;
  }

  sample(rng: SeededRandom): number {
    const v = Math.exp(this.mu + this.sigma * rng.normal());
    return v < this.minMs ? this.minMs : v > this.maxMs ? this.maxMs : v;
  }
}

/** What the timing engine needs from a model: behind an interface so tests can pin it. */
export interface LatencyModel {
  /**
   * Milliseconds from accepting the request to the first token, for a request whose answer
   * reasons `hiddenReasoningTokens` unseen first (0 when it does not, or shows its reasoning).
   */
  ttftMs(rng: SeededRandom, promptTokens: number, hiddenReasoningTokens?: number): number;
  /** Milliseconds before one more output token. */
  tokenGapMs(rng: SeededRandom): number;
  /** How many tokens the next SSE event carries. */
  tokensPerChunk(rng: SeededRandom): number;
}

export class ProfileLatency implements LatencyModel {
  readonly #ttft: Lognormal;
  readonly #itl: Lognormal;
  readonly #stall: Lognormal;
  readonly #stallProbability: number;
  readonly #prefillMsPerToken: number;
  /** The TTFT's scale is `#reasoningBase + R × #reasoningPerToken` for R hidden tokens (1 and 0 without `hiddenReasoning`). */
  readonly #reasoningBase: number;
  readonly #reasoningPerToken: number;
  readonly #ttftMaxMs: number;
  readonly #chunkMin: number;
  readonly #chunkSpan: number;

  constructor(profile: LatencyProfile) {
    const { ttft, itl, stall } = profile;
    this.#ttft = new Lognormal(ttft.p50Ms, ttft.p95Ms, ttft.minMs, ttft.maxMs);
    this.#itl = new Lognormal(itl.p50Ms, itl.p95Ms, itl.minMs, itl.maxMs);
    this.#stall = new Lognormal(stall.p50Ms, stall.p95Ms, 0, stall.p95Ms * 10);
    this.#stallProbability = stall.probability;
    this.#prefillMsPerToken = profile.prefillMsPerToken;
    const hidden = profile.hiddenReasoning;
    this.#reasoningPerToken = hidden ? hidden.msPerToken / ttft.p50Ms : 0;
    this.#reasoningBase = hidden ? 1 - hidden.typicalTokens * this.#reasoningPerToken : 1;
    this.#ttftMaxMs = ttft.maxMs;
    this.#chunkMin = profile.tokensPerChunk.min;
    this.#chunkSpan = profile.tokensPerChunk.max - profile.tokensPerChunk.min + 1;
  }

  ttftMs(rng: SeededRandom, promptTokens: number, hiddenReasoningTokens = 0): number {
    // Scaled rather than added, so the draw's spread follows the reasoning: no extra draw, and the
    // clamp still bounds it.
    const scaled = this.#ttft.sample(rng) * (this.#reasoningBase + hiddenReasoningTokens * this.#reasoningPerToken);
    return (scaled > this.#ttftMaxMs ? this.#ttftMaxMs : scaled) + promptTokens * this.#prefillMsPerToken;
  }

  tokenGapMs(rng: SeededRandom): number {
    const gap = this.#itl.sample(rng);
    return rng.next() < this.#stallProbability ? gap + this.#stall.sample(rng) : gap;
  }

  tokensPerChunk(rng: SeededRandom): number {
    return this.#chunkSpan === 1 ? this.#chunkMin : this.#chunkMin + rng.int(this.#chunkSpan);
  }
}

/** Zero delays and one token per event: `--speed 0` style raw throughput, and tests. */
export const NO_LATENCY: LatencyModel = {
  ttftMs: () => 0,
  tokenGapMs: () => 0,
  tokensPerChunk: () => 1,
};
