/**
 * `/metrics` read as a Prometheus server reads it: every line parsed strictly against the text
 * exposition format 0.0.4, the families checked against Prometheus's naming conventions (base
 * units, so durations in seconds; counters end in `_total`), and the timing summaries checked
 * against the ms figures of `/_understudy/stats`, which they export in seconds.
 */
import { describe, expect, it } from 'vitest';
import type { HistogramName, HistogramSummary } from '../src/metrics/histograms.js';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Family {
  help?: string;
  type?: string;
  readonly samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
// A label value: any character but `"`, `\` and newline, or one of the three escapes.
const LABEL_VALUE = String.raw`"(?:[^"\\\n]|\\[\\"n])*"`;
const VALUE = String.raw`(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)`;
const HELP_LINE = new RegExp(String.raw`^# HELP (${NAME}) ((?:[^\\\n]|\\[\\n])*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|summary|histogram|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL_NAME}=${LABEL_VALUE})(?:,${LABEL_NAME}=${LABEL_VALUE})*)?\\})? (${VALUE})$`);
const LABEL = new RegExp(`(${LABEL_NAME})=(${LABEL_VALUE})`, 'g');

/** The samples of a summary family: the family's own name (with a quantile) and its `_sum` and `_count`. */
function familyOf(name: string, families: ReadonlyMap<string, Family>): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(/_(?:sum|count|bucket)$/, '');
  return base !== name && ['summary', 'histogram'].includes(families.get(base)?.type ?? '') ? base : undefined;
}

/** Parses the exposition strictly: any line the format does not allow fails the test. */
function parseExposition(text: string): Map<string, Family> {
  expect(text.endsWith('\n')).toBe(true);
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { samples: [] }));
    return f;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const help = HELP_LINE.exec(line);
    const type = TYPE_LINE.exec(line);
    if (help !== null) {
      const f = family(help[1]!);
      expect(f.help, `a second HELP for ${help[1]}`).toBeUndefined();
      expect(f.samples, `HELP after the samples of ${help[1]}`).toHaveLength(0);
      f.help = help[2]!;
    } else if (type !== null) {
      const f = family(type[1]!);
      expect(f.type, `a second TYPE for ${type[1]}`).toBeUndefined();
      expect(f.samples, `TYPE after the samples of ${type[1]}`).toHaveLength(0);
      f.type = type[2]!;
    } else {
      const sample = SAMPLE_LINE.exec(line);
      expect(sample, `not a line of the text format: ${JSON.stringify(line)}`).not.toBeNull();
      const name = sample![1]!;
      const labels: Record<string, string> = {};
      for (const [, key, quoted] of (sample![2] ?? '').matchAll(LABEL)) {
        expect(labels[key!], `label ${key} twice in ${line}`).toBeUndefined();
        labels[key!] = (JSON.parse(quoted!) as string);
      }
      const owner = familyOf(name, families);
      expect(owner, `${name} has no HELP and TYPE before it`).toBeDefined();
      const raw = sample![3]!;
      families.get(owner!)!.samples.push({ name, labels, value: raw === 'NaN' ? Number.NaN : raw.endsWith('Inf') ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw) });
    }
  }
  return families;
}

/** A duration in ms (three decimals, as the stats JSON has it) in seconds, as `/metrics` writes it. */
const seconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

type Histograms = Record<HistogramName, HistogramSummary>;

const SUMMARIES = {
  emissionLagMs: 'understudy_emission_lag_seconds',
  ttftMs: 'understudy_ttft_sent_seconds',
  itlMs: 'understudy_itl_sent_seconds',
  gcPauseMs: 'understudy_gc_pause_seconds',
} as const satisfies Record<HistogramName, string>;

const QUANTILES = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
  ['1', 'max'],
] as const;

describe('/metrics in base units', () => {
  const sim = useSimulator({ threads: 2, speed: 1, seed: 5, profiles: oneProfileFile(20, 2) });

  async function stream(i: number): Promise<void> {
    const res = await fetch(`${sim().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `units ${i}` }], max_tokens: 8, stream: true }),
    });
    expect(res.status).toBe(200);
    await res.text();
  }

  const histograms = async (): Promise<Histograms> => ((await (await fetch(`${sim().url}/_understudy/stats`)).json()) as { histograms: Histograms }).histograms;

  async function scrape(): Promise<{ readonly contentType: string | null; readonly families: Map<string, Family> }> {
    const res = await fetch(`${sim().url}/metrics`);
    expect(res.status).toBe(200);
    return { contentType: res.headers.get('content-type'), families: parseExposition(await res.text()) };
  }

  /**
   * A scrape and the stats it is to match. A server thread may collect garbage between the two
   * reads, so the pair is taken again until the stats read before and after the scrape agree.
   */
  async function scrapeWithStats(): Promise<{ readonly families: Map<string, Family>; readonly stats: Histograms }> {
    for (let attempt = 0; ; attempt++) {
      const before = await histograms();
      const { families } = await scrape();
      const after = await histograms();
      if (JSON.stringify(before) === JSON.stringify(after) || attempt === 9) {
        expect(after).toEqual(before);
        return { families, stats: after };
      }
    }
  }

  it('exports the timing summaries in seconds, equal to the stats in ms / 1000', async () => {
    await fetch(`${sim().url}/_understudy/stats/reset`, { method: 'POST' });
    await Promise.all([0, 1, 2, 3].map(stream));
    const { families, stats } = await scrapeWithStats();
    expect(stats.ttftMs.count).toBe(4);
    expect(stats.ttftMs.min).toBeGreaterThan(5);

    for (const [key, name] of Object.entries(SUMMARIES) as [HistogramName, string][]) {
      const f = families.get(name);
      expect(f, name).toBeDefined();
      expect(f!.type).toBe('summary');
      expect(f!.help).toMatch(/\(seconds\)/);
      const h = stats[key];
      const value = (sample: string, quantile?: string): number | undefined =>
        f!.samples.find((s) => s.name === sample && s.labels.quantile === quantile)?.value;
      for (const [quantile, field] of QUANTILES) {
        const v = value(name, quantile);
        if (h.count === 0) expect(v, `${name}{quantile="${quantile}"}`).toBeNaN();
        else {
          expect(v, `${name}{quantile="${quantile}"}`).toBe(seconds(h[field]));
          expect(v).toBeCloseTo(h[field] / 1000, 9);
        }
      }
      // The exact sum, µs by µs: a sum that moved down between scrapes would read as a counter reset.
      expect(value(`${name}_sum`)).toBe(seconds(h.sum));
      expect(value(`${name}_count`)).toBe(h.count);
    }
    // The TTFT as sent, some 10-60 ms at this profile: seconds, not ms.
    const ttftMax = families.get('understudy_ttft_sent_seconds')!.samples.find((s) => s.labels.quantile === '1')!.value;
    expect(ttftMax).toBeGreaterThan(0.005);
    expect(ttftMax).toBeLessThan(1);
  });

  it('follows the exposition format and the naming conventions in every family', async () => {
    await stream(10);
    // A request the simulator refuses, so that the requests counter carries an error status too.
    await (await fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })).text();
    // A scrape counts itself once answered: after this one, the next two carry the same series.
    await scrape();
    const { contentType, families } = await scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(families.size).toBeGreaterThan(10);
    for (const [name, f] of families) {
      expect(name).toMatch(/^understudy_/);
      expect(f.help, `HELP of ${name}`).toMatch(/\S/);
      expect(f.type, `TYPE of ${name}`).toBeDefined();
      // Base units: no milliseconds in a name, and every duration in seconds.
      expect(name).not.toMatch(/_(?:ms|milliseconds|us|microseconds)(?:_|$)/);
      if (f.type === 'summary' || f.type === 'histogram' || /_(?:lag|ttft|itl|pause|latency|duration|time)_/.test(name)) expect(name).toMatch(/_seconds$/);
      expect(f.help).not.toMatch(/\(ms\)/);
      if (f.type === 'counter') {
        expect(name).toMatch(/_total$/);
        for (const s of f.samples) expect(s.value, `${name} ${JSON.stringify(s.labels)}`).toBeGreaterThanOrEqual(0);
      } else expect(name).not.toMatch(/_total$/);
      if (f.type === 'summary') {
        expect(new Set(f.samples.map((s) => s.name))).toEqual(new Set([name, `${name}_sum`, `${name}_count`]));
        for (const s of f.samples.filter((x) => x.name === name)) expect(Object.keys(s.labels)).toEqual(['quantile']);
      }
      // No two samples of a family carry the same name and labels.
      const series = f.samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`);
      expect(new Set(series).size, name).toBe(series.length);
    }
    expect(families.get('understudy_requests_total')!.samples).toContainEqual({ name: 'understudy_requests_total', labels: { route: 'chat_completions', status: '400', model: '(other)' }, value: 1 });
    expect(families.get('understudy_active_streams')!.type).toBe('gauge');

    // With no traffic between them, two scrapes carry the same series: label sets do not come and go.
    const again = (await scrape()).families;
    const seriesOf = (fs: Map<string, Family>): string[] => [...fs.values()].flatMap((f) => f.samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`)).sort();
    expect(seriesOf(again)).toEqual(seriesOf(families));
  });
});
