/**
 * Reads the simulator's own view of a run: `GET /_understudy/stats` (server-side histograms of
 * emission lag, TTFT and inter-token gap, and GC pauses, merged across threads) and `POST /_understudy/stats/reset`
 * between phases. A simulator without the endpoint gives `undefined`, which tables print as n/a.
 */
import type { Summary } from './percentiles.js';

export interface ServerStats {
  readonly threads: number;
  readonly histograms: {
    readonly emissionLagMs: Summary;
    readonly ttftMs: Summary;
    readonly itlMs: Summary;
    /** The server threads' GC pauses; absent on builds before it was recorded. */
    readonly gcPauseMs?: Summary;
  };
  readonly activeStreams: number;
}

function isSummary(v: unknown): v is Summary {
  return typeof v === 'object' && v !== null && typeof (v as Summary).count === 'number' && typeof (v as Summary).p99 === 'number';
}

function isStats(v: unknown): v is ServerStats {
  if (typeof v !== 'object' || v === null) return false;
  const h = (v as { histograms?: unknown }).histograms;
  if (typeof h !== 'object' || h === null) return false;
  const hs = h as Record<string, unknown>;
  return isSummary(hs.emissionLagMs) && isSummary(hs.ttftMs) && isSummary(hs.itlMs);
}

export async function readServerStats(baseUrl: string): Promise<ServerStats | undefined> {
  try {
    const r = await fetch(`${baseUrl}/_understudy/stats`, { signal: AbortSignal.timeout(10_000) });
    if (r.status !== 200) {
      await r.body?.cancel();
      return undefined;
    }
    const body: unknown = await r.json();
    return isStats(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

/** True when the server acknowledged the reset. */
export async function resetServerStats(baseUrl: string): Promise<boolean> {
  try {
    const r = await fetch(`${baseUrl}/_understudy/stats/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    await r.body?.cancel();
    return r.status >= 200 && r.status < 300;
  } catch {
    return false;
  }
}

/** `understudy_active_streams` from /metrics, or undefined. */
export async function readActiveStreams(baseUrl: string): Promise<number | undefined> {
  try {
    const r = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    const m = /^understudy_active_streams(?:\{[^}]*\})? (\d+)/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
