/**
 * The lag-vs-concurrency chart as a hand-written SVG (no dependencies): server emission lag p50
 * and p99 against concurrent realistic streams, both axes logarithmic, with the targets marked.
 * `run.ts` writes it after a streaming run; `node dist/bench/chart.js [results.json]` redraws it
 * from saved results.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/package-root.js';

export interface LagPoint {
  readonly concurrency: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface LagTarget {
  readonly concurrency: number;
  readonly p99Ms: number;
}

export const LAG_TARGETS: readonly LagTarget[] = [
  { concurrency: 2000, p99Ms: 2 },
  { concurrency: 10_000, p99Ms: 10 },
];

const W = 640;
const H = 400;
const M = { left: 64, right: 150, top: 36, bottom: 52 };
const FLOOR_MS = 0.01;

const decadesAround = (lo: number, hi: number): number[] => {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function tickLabel(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

export function lagChartSvg(points: readonly LagPoint[], targets: readonly LagTarget[], subtitle: string): string {
  const pts = [...points].sort((a, b) => a.concurrency - b.concurrency);
  const xs = [...pts.map((p) => p.concurrency), ...targets.map((t) => t.concurrency)];
  const ys = [...pts.flatMap((p) => [p.p50Ms, p.p99Ms]), ...targets.map((t) => t.p99Ms)].map((v) => Math.max(FLOOR_MS, v));
  const xTicks = decadesAround(Math.min(...xs, 1000) * 0.99, Math.max(...xs, 1000) * 1.01);
  const yTicks = decadesAround(Math.min(...ys, 0.1), Math.max(...ys, 10));
  const x0 = Math.log10(Math.min(...xs) / 1.25);
  const x1 = Math.log10(Math.max(...xs) * 1.25);
  const y0 = Math.log10(yTicks[0]!);
  const y1 = Math.log10(yTicks[yTicks.length - 1]!);
  const px = (c: number): number => M.left + ((Math.log10(c) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (ms: number): number => H - M.bottom - ((Math.log10(Math.max(FLOOR_MS, ms)) - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const f = (v: number): string => v.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${M.left}" y="18" font-size="14" font-weight="600">Server emission lag vs concurrent streams (one server thread, speed 1)</text>`);
  out.push(`<text x="${M.left}" y="32" fill="#555">${esc(subtitle)}</text>`);
  for (const t of yTicks) {
    const y = f(py(t));
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#444">${tickLabel(t)}</text>`);
  }
  // Decade ticks only where no measured level sits close by, so labels never overlap.
  const inRange = xTicks.filter((t) => Math.log10(t) >= x0 && Math.log10(t) <= x1 && pts.every((p) => Math.abs(Math.log10(p.concurrency / t)) > 0.12));
  const xLabels = [...new Set([...pts.map((p) => p.concurrency), ...inRange])].sort((a, b) => a - b);
  for (const c of xLabels) {
    const x = f(px(c));
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#444">${c.toLocaleString('en-US')}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#888"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#888"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">concurrent streams (log scale)</text>`);
  out.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">emission lag (log scale)</text>`);

  const series = [
    { name: 'p50', color: '#2563eb', value: (p: LagPoint) => p.p50Ms },
    { name: 'p99', color: '#dc2626', value: (p: LagPoint) => p.p99Ms },
  ];
  series.forEach((s, i) => {
    const path = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${f(px(p.concurrency))},${f(py(s.value(p)))}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of pts) {
      out.push(`<circle cx="${f(px(p.concurrency))}" cy="${f(py(s.value(p)))}" r="3.5" fill="${s.color}"><title>${s.name} at ${p.concurrency}: ${s.value(p)} ms</title></circle>`);
    }
    const ly = M.top + 12 + i * 20;
    out.push(`<line x1="${W - M.right + 14}" x2="${W - M.right + 34}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${W - M.right + 40}" y="${ly}" dominant-baseline="middle">lag ${s.name}</text>`);
  });
  for (const t of targets) {
    const x = px(t.concurrency);
    const y = py(t.p99Ms);
    out.push(`<path d="M${f(x - 6)},${f(y)} L${f(x + 6)},${f(y)} M${f(x)},${f(y - 6)} L${f(x)},${f(y + 6)}" stroke="#111" stroke-width="2"/>`);
  }
  const ty = M.top + 52;
  out.push(`<path d="M${W - M.right + 18},${ty} L${W - M.right + 30},${ty} M${W - M.right + 24},${ty - 6} L${W - M.right + 24},${ty + 6}" stroke="#111" stroke-width="2"/>`);
  out.push(`<text x="${W - M.right + 40}" y="${ty}" dominant-baseline="middle">p99 target</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export const RESULTS_DIR = (): string => join(packageRoot(), 'bench', 'results');
export const CHART_FILE = (dir = RESULTS_DIR()): string => join(dir, 'lag-vs-concurrency.svg');

/** Minimal shape of saved results that the chart needs. */
export interface SavedResults {
  readonly meta?: { readonly date?: string; readonly cpu?: string; readonly node?: string };
  readonly stream?: {
    readonly levels?: readonly {
      readonly concurrency: number;
      readonly server: { readonly stats?: { readonly histograms: { readonly emissionLagMs: { readonly p50: number; readonly p99: number } } } };
    }[];
  };
}

/** Chart points from saved results; levels without server stats are left out. */
export function lagPoints(results: SavedResults): LagPoint[] {
  const out: LagPoint[] = [];
  for (const l of results.stream?.levels ?? []) {
    const lag = l.server.stats?.histograms.emissionLagMs;
    if (lag !== undefined) out.push({ concurrency: l.concurrency, p50Ms: lag.p50, p99Ms: lag.p99 });
  }
  return out;
}

export function writeLagChart(results: SavedResults, file = CHART_FILE()): boolean {
  const points = lagPoints(results);
  if (points.length === 0) return false;
  const m = results.meta;
  writeFileSync(file, lagChartSvg(points, LAG_TARGETS, `${m?.cpu ?? ''}, Node ${m?.node ?? ''}, ${m?.date ?? ''}`));
  return true;
}

/** The sections a results file can hold, each measured by one run. */
const SECTIONS = ['nonstream', 'stream', 'micro', 'policy', 'scaling', 'streamScaling'] as const;

/** Which run measured a section kept from an earlier results file. */
export interface KeptFrom {
  readonly commit?: string;
  readonly date?: string;
}

/**
 * What a run writes. To `latest.json` (no `jsonFile`): its own sections, and those it did not run
 * kept from the file, each named in `meta.kept` with the commit and date of the run that measured
 * it. To a `--json` file (A/B rounds, scratch runs): its own sections alone. Until this, a scratch
 * `--only stream --json` file held latest.json's non-streaming, micro and policy sections under
 * the scratch run's commit and date, and its targets table judged them as that run's.
 */
export function resultsToWrite<R extends { readonly meta: object }>(previous: Record<string, unknown>, run: R, jsonFile: string | undefined): R & { readonly meta: { readonly kept?: Record<string, KeptFrom> } } {
  if (jsonFile !== undefined) return run;
  const prevMeta = (previous.meta ?? {}) as KeptFrom & { readonly kept?: Record<string, KeptFrom> };
  const kept: Record<string, KeptFrom> = {};
  const out: Record<string, unknown> = {};
  for (const section of SECTIONS) {
    if ((run as Record<string, unknown>)[section] !== undefined || previous[section] === undefined) continue;
    out[section] = previous[section];
    kept[section] = prevMeta.kept?.[section] ?? { commit: prevMeta.commit, date: prevMeta.date };
  }
  const meta = Object.keys(kept).length > 0 ? { ...run.meta, kept } : run.meta;
  return { ...out, ...run, meta };
}

/**
 * Where a run's results go: `jsonFile` alone when given (an A/B round, a scratch measurement:
 * once such a partial run was committed as latest.json by mistake), else `latest.json` and, with
 * streaming levels, the chart, in `dir`. Returns the files written.
 */
export function saveResults(results: SavedResults, jsonFile: string | undefined, dir = RESULTS_DIR()): string[] {
  const text = JSON.stringify(results, null, 2) + '\n';
  if (jsonFile !== undefined) {
    writeFileSync(jsonFile, text);
    return [jsonFile];
  }
  mkdirSync(dir, { recursive: true });
  const latest = join(dir, 'latest.json');
  writeFileSync(latest, text);
  const chart = CHART_FILE(dir);
  return writeLagChart(results, chart) ? [latest, chart] : [latest];
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? join(RESULTS_DIR(), 'latest.json');
  const ok = writeLagChart(JSON.parse(readFileSync(file, 'utf8')) as SavedResults);
  process.stdout.write(ok ? `wrote ${CHART_FILE()}\n` : `no streaming levels with server stats in ${file}\n`);
}
