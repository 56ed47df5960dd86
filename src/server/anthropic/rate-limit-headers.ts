/**
 * Anthropic's `anthropic-ratelimit-*` headers when no quota is configured: static, generous limits
 * that never run down (with a quota, the engine's headers replace these). Reset times are
 * RFC 3339 timestamps (unlike OpenAI's durations), so the list is rebuilt once per second.
 */
const REQUESTS_LIMIT = 4_000;
const INPUT_TOKENS_LIMIT = 2_000_000;
const OUTPUT_TOKENS_LIMIT = 400_000;
const TOKENS_LIMIT = INPUT_TOKENS_LIMIT + OUTPUT_TOKENS_LIMIT;

let cachedSecond = -1;
let cached: readonly string[] = [];

/** RFC 3339 in whole seconds, as Anthropic sends it: `2025-08-21T12:40:59Z`. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Flat header list (name, value, …) for a response sent at `nowMs` (epoch ms). */
export function rateLimitHeaders(nowMs: number): readonly string[] {
  const second = Math.floor(nowMs / 1000);
  if (second !== cachedSecond) {
    // Limits refill continuously; the reset is when the bucket would be full again.
    const reset = rfc3339((second + 1) * 1000);
    cached = [
      'anthropic-ratelimit-requests-limit', String(REQUESTS_LIMIT),
      'anthropic-ratelimit-requests-remaining', String(REQUESTS_LIMIT - 1),
      'anthropic-ratelimit-requests-reset', reset,
      'anthropic-ratelimit-input-tokens-limit', String(INPUT_TOKENS_LIMIT),
      'anthropic-ratelimit-input-tokens-remaining', String(INPUT_TOKENS_LIMIT),
      'anthropic-ratelimit-input-tokens-reset', reset,
      'anthropic-ratelimit-output-tokens-limit', String(OUTPUT_TOKENS_LIMIT),
      'anthropic-ratelimit-output-tokens-remaining', String(OUTPUT_TOKENS_LIMIT),
      'anthropic-ratelimit-output-tokens-reset', reset,
      'anthropic-ratelimit-tokens-limit', String(TOKENS_LIMIT),
      'anthropic-ratelimit-tokens-remaining', String(TOKENS_LIMIT),
      'anthropic-ratelimit-tokens-reset', reset,
    ];
    cachedSecond = second;
  }
  return cached;
}
