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
  /** Timed writes and those later than `lateEmissionMs`, since the server started (a reset leaves them); absent on builds before the seventh session. */
  readonly emissions?: number;
  readonly lateEmissions?: number;
  readonly lateEmissionMs?: number;
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

/** Zeroes the server's histograms; `ok` when the server acknowledged it, `before` the figures it handed back. */
export async function resetServerStats(baseUrl: string): Promise<{ ok: boolean; before: ServerStats | undefined }> {
  try {
    const r = await fetch(`${baseUrl}/_understudy/stats/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    const ok = r.status >= 200 && r.status < 300;
    const body: unknown = ok ? await r.json().catch(() => undefined) : await r.body?.cancel();
    return { ok, before: isStats(body) ? body : undefined };
  } catch {
    return { ok: false, before: undefined };
  }
}

/**
 * The share of a window's timed writes later than the server's `lateEmissionMs`: what its fidelity
 * watch reads (it warns past 1%). Undefined when either read lacks the counters.
 */
export function lateShare(start: ServerStats | undefined, end: ServerStats | undefined): { share: number; thresholdMs: number } | undefined {
  if (start?.emissions === undefined || end?.emissions === undefined || end.lateEmissions === undefined || end.lateEmissionMs === undefined) return undefined;
  const writes = end.emissions - start.emissions;
  if (writes <= 0) return undefined;
  return { share: (end.lateEmissions - (start.lateEmissions ?? 0)) / writes, thresholdMs: end.lateEmissionMs };
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
