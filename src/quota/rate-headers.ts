/** Formats of the providers' rate-limit headers. */

/**
 * A fraction in thousandths as text: '' for 0, else '.' and up to three digits without trailing
 * zeros ('.5', '.25', '.125'). A table, because formatting a fractional number (or `toFixed` and a
 * regex) cost about 160 ns per header, and two of these headers go out on every response.
 */
const THOUSANDTHS: readonly string[] = Array.from({ length: 1000 }, (_, f) => (f === 0 ? '' : `.${String(f).padStart(3, '0')}`.replace(/0+$/, '')));

/**
 * Go's `time.Duration.String()` of a duration rounded to the millisecond, as OpenAI's
 * `x-ratelimit-reset-*` headers carry it: `20ms`, `1s`, `6m0s`, `23h55m16.126s`, and `0s` under
 * half a millisecond. Every recorded value is whole milliseconds (`120ms`, `9ms`, `0s`, and a
 * `16.126s` where an unrounded Go duration would print nanoseconds), so a wait under a millisecond
 * never turns into `216µs`, whose micro sign also reaches clients that decode headers as Latin-1
 * as `216Âµs`.
 */
export function goDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  const totalMs = Math.round(ms);
  if (totalMs === 0) return '0s';
  if (totalMs < 1000) return `${totalMs}ms`;
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor((totalMs % 3_600_000) / 60_000);
  const rem = totalMs % 60_000;
  const sText = `${Math.floor(rem / 1000)}${THOUSANDTHS[rem % 1000]!}s`;
  if (h > 0) return `${h}h${m}m${sText}`;
  if (m > 0) return `${m}m${sText}`;
  return sText;
}

/** Reset times by whole second: the three Anthropic reset headers of a response, and the responses of the same second, share them. */
const rfc3339BySecond = new Map<number, string>();
const RFC3339_CACHE_LIMIT = 64;

/** RFC 3339 time `ms` from now, as Anthropic's `anthropic-ratelimit-*-reset` headers carry it (whole seconds, UTC). */
export function rfc3339After(nowEpochMs: number, ms: number): string {
  const second = Math.floor((nowEpochMs + Math.max(0, Math.ceil(ms))) / 1000);
  let text = rfc3339BySecond.get(second);
  if (text === undefined) {
    if (rfc3339BySecond.size >= RFC3339_CACHE_LIMIT) rfc3339BySecond.clear();
    text = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    rfc3339BySecond.set(second, text);
  }
  return text;
}
