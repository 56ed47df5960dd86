/**
 * What each fault does, by kind. `satisfies Record<FaultKind, …>` makes the compiler prove that
 * every kind in the scenario schema has an entry.
 *
 * - `reply`: the request is answered at once with a provider error (status in the dialect's
 *   error shape), before any work.
 * - `hold`: the exchange holds the request (no answer, or a late one).
 * - `stream`: the answer starts normally and the fault strikes mid-stream (or mid-body).
 * - `latency`: the answer's timing is scaled.
 * - `socket`: the connection is cut before any byte.
 */
import type { FaultKind } from './scenario.js';

export type FaultEffect = 'reply' | 'hold' | 'stream' | 'latency' | 'socket';

export interface FaultSpec {
  readonly effect: FaultEffect;
  /** HTTP status for `reply` faults. */
  readonly status: number;
  /** What it exercises in an app, for docs and `/metrics` help. */
  readonly summary: string;
}

/**
 * The wait an injected rate limit names when its fault sets none. A per-minute limit's 429 always
 * says when to retry (OpenAI in its message, Anthropic and Azure in retry-after, Gemini in
 * RetryInfo), and clients decide on it: LangChain gives up on a 429 that says nothing.
 */
export const INJECTED_RETRY_AFTER_MS = 1000;

export const FAULTS = {
  rate_limit: { effect: 'reply', status: 429, summary: '429 rate limit in the provider\'s shape, saying when to retry (1 s unless retryAfterMs is set; SDKs retry it)' },
  quota_exhausted: { effect: 'reply', status: 429, summary: '429 insufficient_quota / billing limit: retrying cannot help (Anthropic says x-should-retry: false; OpenAI says nothing, so SDKs retry it)' },
  server_error_500: { effect: 'reply', status: 500, summary: '500 internal error' },
  bad_gateway_502: { effect: 'reply', status: 502, summary: '502 from an edge proxy, as an HTML page the SDK cannot parse' },
  unavailable_503: { effect: 'reply', status: 503, summary: '503 overloaded / slow down' },
  gateway_timeout_504: { effect: 'reply', status: 504, summary: '504 gateway timeout' },
  overloaded_529: { effect: 'reply', status: 529, summary: 'Anthropic 529 overloaded_error (other dialects get 503)' },
  stream_overloaded: { effect: 'stream', status: 200, summary: 'a 200 stream that fails mid-way with an in-stream error event (Anthropic overloaded_error)' },
  timeout_no_answer: { effect: 'hold', status: 0, summary: 'the request is accepted and never answered: client timeouts must fire' },
  timeout_slow_answer: { effect: 'hold', status: 0, summary: 'the answer is held back delayMs before it starts' },
  ttft_brownout: { effect: 'latency', status: 0, summary: 'time to first token multiplied, ramping from factorFrom to factorTo over the phase' },
  slow_tokens: { effect: 'latency', status: 0, summary: 'inter-token gaps multiplied, ramping from factorFrom to factorTo' },
  disconnect_after_tokens: { effect: 'stream', status: 200, summary: 'the connection drops after afterTokens tokens' },
  malformed_frame: { effect: 'stream', status: 200, summary: 'a frame that is not valid JSON after afterTokens tokens' },
  truncated_json: { effect: 'stream', status: 200, summary: 'a non-streaming body cut in half, then the connection closes' },
  missing_done: { effect: 'stream', status: 200, summary: 'the stream ends after its last tokens without what closes it: [DONE] and the finish chunk, message_stop, response.completed; on Gemini the finishReason' },
  empty_200: { effect: 'reply', status: 200, summary: 'a 200 with an empty body' },
  reset_before_headers: { effect: 'socket', status: 0, summary: 'the connection is reset before any response byte' },
} as const satisfies Record<FaultKind, FaultSpec>;
