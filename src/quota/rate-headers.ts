/** Formats of the providers' rate-limit headers. */

/**
 * Go's `time.Duration.String()`, as OpenAI's `x-ratelimit-reset-*` headers use it:
 * `20ms`, `1s`, `6m0s`, `23h55m16.126s` (fractions trimmed to milliseconds).
 */
export function goDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  if (ms < 1000) {
    const v = Math.round(ms * 1000) / 1000;
    return `${v}ms`;
  }
  const totalMs = Math.round(ms);
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor((totalMs % 3_600_000) / 60_000);
  const s = (totalMs % 60_000) / 1000;
  const sText = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sText}`;
  if (m > 0) return `${m}m${sText}`;
  return sText;
}

/** RFC 3339 time `ms` from now, as Anthropic's `anthropic-ratelimit-*-reset` headers carry it. */
export function rfc3339After(nowEpochMs: number, ms: number): string {
  return new Date(nowEpochMs + Math.max(0, Math.ceil(ms))).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
