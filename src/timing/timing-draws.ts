/**
 * Timing's own random streams. A request's timing (TTFT, token gaps, chunk sizes) draws from
 * streams forked from the request's source with one draw, never from that source itself: how many
 * values timing takes depends on the run's timing settings (`--speed 0` skips the gaps, `--timing
 * recorded` replays them, profiles differ in stalls and chunk ranges), and what the request draws
 * after it (ids, log probabilities, trace ids) must not. The content of a run is then the same at
 * any speed, profile or timing mode; only when it arrives differs.
 *
 * Chunk sizes draw from a stream of their own, apart from the TTFT and gaps, so a stream's events
 * carry the same tokens whether or not the gaps between them are drawn.
 */
import type { LatencyModel } from './latency.js';
import { combineSeeds, SeededRandom } from './random.js';

/**
 * A latency model whose chunk sizes come from their own stream; the TTFT and gaps come from
 * `rng`, which callers hand to it (and to the schedule). `fork` re-seeds both streams per
 * request, so one instance per thread serves every request without allocating: planning is
 * synchronous, and a schedule keeps no source.
 *
 * @example
 * const draws = new TimingDraws(NO_LATENCY); // once per thread
 * const timing = draws.fork(requestRng, ctx.latencyFor(model)); // per request
 * const ttftMs = timing.ttftMs(timing.rng, promptTokens);
 */
export class TimingDraws implements LatencyModel {
  /** The stream the TTFT and gaps draw from. */
  readonly rng: SeededRandom;
  readonly #chunks: SeededRandom;
  #latency: LatencyModel;

  constructor(latency: LatencyModel) {
    this.rng = new SeededRandom(0);
    this.#chunks = new SeededRandom(0);
    this.#latency = latency;
  }

  /** Seeds this request's timing streams from one draw of `source`, for `latency`. */
  fork(source: SeededRandom, latency: LatencyModel): this {
    const seed = source.nextUint32();
    this.rng.reseed(seed);
    this.#chunks.reseed(combineSeeds(seed, 1));
    this.#latency = latency;
    return this;
  }

  ttftMs(rng: SeededRandom, promptTokens: number, hiddenReasoningTokens = 0): number {
    return this.#latency.ttftMs(rng, promptTokens, hiddenReasoningTokens);
  }

  tokenGapMs(rng: SeededRandom): number {
    return this.#latency.tokenGapMs(rng);
  }

  /** Draws from the chunk stream, whatever source it is handed. */
  tokensPerChunk(_rng: SeededRandom): number {
    return this.#latency.tokensPerChunk(this.#chunks);
  }
}
