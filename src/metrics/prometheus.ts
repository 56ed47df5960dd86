/**
 * Prometheus text exposition through prom-client. The registry's collectors read the shared
 * counters at scrape time, so the hot path never touches prom-client.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { readCounters, type CounterLayout, type CounterSnapshot } from './counters.js';

export class MetricsExporter {
  readonly #registry: Registry;
  #snapshot: CounterSnapshot | null;

  constructor(sab: SharedArrayBuffer, layout: CounterLayout) {
    this.#registry = new Registry();
    this.#snapshot = null;
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
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  async render(): Promise<string> {
    this.#snapshot = null;
    try {
      return await this.#registry.metrics();
    } finally {
      this.#snapshot = null;
    }
  }
}
