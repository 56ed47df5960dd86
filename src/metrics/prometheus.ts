/**
 * Prometheus text exposition through prom-client. The registry's collectors read the shared
 * counters at scrape time, so the hot path never touches prom-client.
 */
import { Counter, Gauge, Registry, Summary } from 'prom-client';
import { readCounters, type CounterLayout, type CounterSnapshot } from './counters.js';
import { HISTOGRAMS, type HistogramName, type HistogramSummary } from './histograms.js';

const QUANTILES = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
  ['1', 'max'],
] as const satisfies readonly (readonly [string, keyof HistogramSummary])[];

// Seconds, Prometheus's base unit for time, so the summaries sit beside other exporters' durations
// (`http_request_duration_seconds`) without a factor of 1000; the stats JSON keeps ms.
const HISTOGRAM_METRICS = {
  emissionLagMs: ['understudy_emission_lag_seconds', 'Scheduled-versus-actual emission lag of timed writes (seconds), merged over threads.'],
  ttftMs: ['understudy_ttft_sent_seconds', 'Time to first token as actually sent (seconds), merged over threads.'],
  itlMs: ['understudy_itl_sent_seconds', 'Inter-token gap as actually sent (seconds), merged over threads.'],
  gcPauseMs: ['understudy_gc_pause_seconds', 'Garbage-collection pauses of the server threads (seconds), merged over threads: each delays every stream of its thread.'],
} as const satisfies Record<HistogramName, readonly [string, string]>;

/**
 * A summary's ms (three decimals, whole µs) in seconds: the whole µs over 10^6, so the figure is
 * the double nearest the decimal (0.000018, where 0.018 / 1000 gives 0.000017999999999999997) and
 * never moves down while the µs grow (a `_sum` that did would read as a counter reset).
 */
const toSeconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

type SummaryValues = Awaited<ReturnType<Summary['get']>>;

/**
 * A Prometheus summary whose quantiles, sum and count come from the threads' merged HDR
 * histograms at scrape time. prom-client's own Summary computes quantiles from observations it
 * is given, which would put it on the hot path; this one only overrides what it exports.
 */
class HdrSummary extends Summary {
  readonly #name: string;
  readonly #read: () => HistogramSummary | undefined;

  constructor(name: string, help: string, registry: Registry, read: () => HistogramSummary | undefined) {
    super({ name, help, registers: [registry] });
    this.#name = name;
    this.#read = read;
  }

  override async get(): Promise<SummaryValues> {
    // The base's name, help, type and aggregator, with values of our own.
    const base = await super.get();
    const h = this.#read();
    const values: SummaryValues['values'] = [];
    if (h !== undefined) {
      // An empty summary reports NaN quantiles, as prom-client's and the Go client's do.
      for (const [quantile, key] of QUANTILES) values.push({ labels: { quantile }, value: h.count === 0 ? Number.NaN : toSeconds(h[key]) });
      // The exact sum of the values recorded (to the µs the histograms keep): a sum estimated from
      // hdr's mean moved down between scrapes, which rate() reads as a counter reset.
      values.push({ metricName: `${this.#name}_sum`, labels: {}, value: toSeconds(h.sum) });
      values.push({ metricName: `${this.#name}_count`, labels: {}, value: h.count });
    }
    return { ...base, values };
  }
}

export class MetricsExporter {
  readonly #registry: Registry;
  #snapshot: CounterSnapshot | null;
  #histograms: Record<HistogramName, HistogramSummary> | null;
  readonly #fetchHistograms: () => Promise<Record<HistogramName, HistogramSummary>>;

  constructor(sab: SharedArrayBuffer, layout: CounterLayout, lateEmissionMs: number, fetchHistograms: () => Promise<Record<HistogramName, HistogramSummary>>) {
    this.#registry = new Registry();
    this.#snapshot = null;
    this.#histograms = null;
    this.#fetchHistograms = fetchHistograms;
    const hist = (): Record<HistogramName, HistogramSummary> | null => this.#histograms;
    for (const name of HISTOGRAMS) {
      const [metric, help] = HISTOGRAM_METRICS[name];
      new HdrSummary(metric, help, this.#registry, () => hist()?.[name]);
    }
    // prom-client calls collect() before rendering each metric; one shared read per scrape.
    const snap = (): CounterSnapshot => (this.#snapshot ??= readCounters(sab, layout));
    new Counter({
      name: 'understudy_requests_total',
      help: 'Requests answered, by route, HTTP status and corpus model.',
      labelNames: ['route', 'status', 'model'] as const,
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const r of snap().requests) this.inc({ route: r.route, status: r.status === 0 ? 'other' : String(r.status), model: r.model }, r.value);
      },
    });
    new Counter({
      name: 'understudy_tokens_out_total',
      help: 'Completion tokens sent, by corpus model.',
      labelNames: ['model'] as const,
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const t of snap().tokensOut) this.inc({ model: t.model }, t.value);
      },
    });
    new Counter({
      name: 'understudy_errors_total',
      help: 'Error responses and client disconnects, by kind.',
      labelNames: ['kind'] as const,
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const e of snap().errors) this.inc({ kind: e.kind }, e.value);
      },
    });
    new Gauge({
      name: 'understudy_active_streams',
      help: 'Streaming responses in flight, across all server threads.',
      registers: [this.#registry],
      collect() {
        this.set(snap().activeStreams);
      },
    });
    new Counter({
      name: 'understudy_faults_injected_total',
      help: 'Faults injected by the chaos scenario or override headers, by kind.',
      labelNames: ['kind'] as const,
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const f of snap().faults) this.inc({ kind: f.kind }, f.value);
      },
    });
    new Counter({
      name: 'understudy_quota_rejections_total',
      help: 'Requests refused by the rate limits, by the dimension that ran out.',
      labelNames: ['dimension'] as const,
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const q of snap().quotaRejections) this.inc({ dimension: q.dimension }, q.value);
      },
    });
    new Counter({
      name: 'understudy_emissions_total',
      help: 'Timed writes (SSE events, held non-streaming replies), each with a scheduled time.',
      registers: [this.#registry],
      collect() {
        this.reset();
        this.inc(snap().emissions);
      },
    });
    new Counter({
      name: 'understudy_late_emissions_total',
      help: `Timed writes sent more than lateEmissionMs (${lateEmissionMs} ms) after their scheduled time.`,
      registers: [this.#registry],
      collect() {
        this.reset();
        this.inc(snap().lateEmissions);
      },
    });
    new Gauge({
      name: 'understudy_paused_streams',
      help: 'Streams paused because the client reads slower than the stream is paced (backpressure).',
      registers: [this.#registry],
      collect() {
        this.set(snap().pausedStreams);
      },
    });
    new Gauge({
      name: 'understudy_held_requests',
      help: 'Requests a chaos fault holds before any response byte (timeout_no_answer until the client leaves, timeout_slow_answer until its answer starts), across all server threads.',
      registers: [this.#registry],
      collect() {
        this.set(snap().heldRequests);
      },
    });
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  async render(): Promise<string> {
    this.#snapshot = null;
    this.#histograms = await this.#fetchHistograms();
    try {
      // prom-client writes an empty summary's quantiles as `Nan`; the exposition format spells it
      // `NaN`, and stricter parsers than Prometheus's own refuse the other.
      return (await this.#registry.metrics()).replace(/ Nan$/gm, ' NaN');
    } finally {
      this.#snapshot = null;
      this.#histograms = null;
    }
  }
}
