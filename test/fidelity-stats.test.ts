/**
 * The simulator's own timing-fidelity figures, read the way users read them: streams through the
 * real server on two threads, then `/_understudy/stats` (JSON, ms) and `/metrics` (Prometheus
 * summaries, seconds). A profile with one token per event makes every count exact.
 */
import { describe, expect, it } from 'vitest';
import type { HistogramName, HistogramSummary } from '../src/metrics/histograms.js';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

const STREAMS = 16;

interface Stats {
  readonly threads: number;
  readonly histograms: Record<HistogramName, HistogramSummary>;
  readonly activeStreams: number;
}

interface Streamed {
  readonly headerTtftMs: number;
  readonly tokens: number;
  readonly contentFrames: number;
}

describe('timing fidelity in /_understudy/stats and /metrics', () => {
  const sim = useSimulator({ threads: 2, speed: 1, seed: 11, profiles: oneProfileFile(20, 2) });

  async function stream(i: number): Promise<Streamed> {
    const res = await fetch(`${sim().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `stream ${i}` }],
        max_tokens: 12,
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(res.status).toBe(200);
    let tokens = -1;
    let contentFrames = 0;
    for (const line of (await res.text()).split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const chunk = JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[]; usage?: { completion_tokens: number } | null };
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
      if ((chunk.choices[0]?.delta.content ?? '') !== '') contentFrames++;
    }
    return { headerTtftMs: Number(res.headers.get('x-understudy-ttft-ms')), tokens, contentFrames };
  }

  async function stats(): Promise<Stats> {
    return (await (await fetch(`${sim().url}/_understudy/stats`)).json()) as Stats;
  }

  async function scrape(): Promise<Map<string, string>> {
    const text = await (await fetch(`${sim().url}/metrics`)).text();
    const lines = new Map<string, string>();
    for (const line of text.split('\n')) {
      const at = line.lastIndexOf(' ');
      if (at > 0) lines.set(line.slice(0, at), line.slice(at + 1));
    }
    return lines;
  }

  it('counts every event, first token and gap of concurrent streams, merged over threads', async () => {
    await fetch(`${sim().url}/_understudy/stats/reset`, { method: 'POST' });
    // Concurrent requests take a connection each, and the kernel spreads connections over both threads.
    const done = await Promise.all(Array.from({ length: STREAMS }, (_, i) => stream(i)));
    const tokens = done.reduce((n, s) => n + s.tokens, 0);
    for (const s of done) {
      expect(s.tokens).toBeGreaterThan(1);
      // One token per event: every content frame is one event, one token.
      expect(s.contentFrames).toBe(s.tokens);
    }

    const { threads, histograms, activeStreams } = await stats();
    expect(threads).toBe(2);
    expect(activeStreams).toBe(0);
    expect(histograms.ttftMs.count).toBe(STREAMS);
    expect(histograms.emissionLagMs.count).toBe(tokens);
    expect(histograms.itlMs.count).toBe(tokens - STREAMS);
    // Nothing goes out before its planned time: the first token as sent is never earlier than the
    // TTFT the header announced (rounded there to 0.1 ms).
    expect(histograms.ttftMs.min).toBeGreaterThanOrEqual(Math.min(...done.map((s) => s.headerTtftMs)) - 0.05);
    expect(histograms.emissionLagMs.min).toBeGreaterThanOrEqual(0);
    expect(histograms.itlMs.min).toBeGreaterThanOrEqual(0);

    // /metrics exports the same merged figures as Prometheus summaries, in seconds.
    const m = await scrape();
    const seconds = (ms: number): number => Math.round(ms * 1000) / 1e6;
    expect(m.get('# TYPE understudy_ttft_sent_seconds')).toBe('summary');
    expect(m.get('# TYPE understudy_emission_lag_seconds')).toBe('summary');
    expect(m.get('# TYPE understudy_itl_sent_seconds')).toBe('summary');
    expect(Number(m.get('understudy_ttft_sent_seconds_count'))).toBe(STREAMS);
    expect(Number(m.get('understudy_emission_lag_seconds_count'))).toBe(tokens);
    expect(Number(m.get('understudy_itl_sent_seconds_count'))).toBe(tokens - STREAMS);
    expect(Number(m.get('understudy_ttft_sent_seconds{quantile="0.5"}'))).toBe(seconds(histograms.ttftMs.p50));
    expect(Number(m.get('understudy_ttft_sent_seconds{quantile="0.99"}'))).toBe(seconds(histograms.ttftMs.p99));
    expect(Number(m.get('understudy_ttft_sent_seconds{quantile="1"}'))).toBe(seconds(histograms.ttftMs.max));
    expect(Number(m.get('understudy_ttft_sent_seconds_sum'))).toBe(seconds(histograms.ttftMs.sum));
  });

  it('reset hands back the figures it clears, and an empty summary has NaN quantiles', async () => {
    await fetch(`${sim().url}/_understudy/stats/reset`, { method: 'POST' });
    await Promise.all([stream(100), stream(101)]);
    const cleared = (await (await fetch(`${sim().url}/_understudy/stats/reset`, { method: 'POST' })).json()) as Stats;
    expect(cleared.histograms.ttftMs.count).toBe(2);
    const after = await stats();
    expect(after.histograms.ttftMs.count).toBe(0);
    expect(after.histograms.emissionLagMs.count).toBe(0);
    const m = await scrape();
    expect(m.get('understudy_ttft_sent_seconds_count')).toBe('0');
    // Spelled as the exposition format spells it (prom-client writes `Nan`).
    expect(m.get('understudy_ttft_sent_seconds{quantile="0.5"}')).toBe('NaN');
    expect(m.get('understudy_ttft_sent_seconds{quantile="1"}')).toBe('NaN');
  });
});

describe('the inter-token gap summary with several tokens an event', () => {
  // Three tokens an event: the first event's tokens are covered by the TTFT and record no gap.
  const CHUNK = 3;
  const profiles = oneProfileFile(20, 2, { min: CHUNK, max: CHUNK });
  const sim = useSimulator({ threads: 1, speed: 1, seed: 11, profiles });

  it('counts one gap per token after the first event, not per token after the first', async () => {
    await fetch(`${sim().url}/_understudy/stats/reset`, { method: 'POST' });
    let expected = 0;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${sim().url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `chunked ${i}` }], max_tokens: 12, stream: true, stream_options: { include_usage: true } }),
      });
      const tokens = Number(/"completion_tokens":(\d+)/.exec(await res.text())![1]);
      expected += tokens - Math.min(CHUNK, tokens);
    }
    const { histograms } = (await (await fetch(`${sim().url}/_understudy/stats`)).json()) as Stats;
    expect(expected).toBeGreaterThan(0);
    expect(histograms.itlMs.count).toBe(expected);
  });
});

describe('the least and greatest values as recorded', () => {
  // A TTFT of 75-450 ms: past the 32.768 ms that are counted exactly, into hdr's buckets (64-256 µs wide there).
  const sim = useSimulator({ threads: 2, speed: 1, seed: 11, profiles: oneProfileFile(150, 2) });

  it('a single TTFT is its own minimum, maximum and sum, not the edges of its bucket', async () => {
    await fetch(`${sim().url}/_understudy/stats/reset`, { method: 'POST' });
    const res = await fetch(`${sim().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one' }], max_tokens: 2, stream: true }),
    });
    await res.text();
    const { histograms } = (await (await fetch(`${sim().url}/_understudy/stats`)).json()) as Stats;
    const ttft = histograms.ttftMs;
    expect(ttft.count).toBe(1);
    expect(ttft.sum).toBeGreaterThan(32.768);
    // Nothing goes out before it is due: the least TTFT sent is not below the one announced.
    expect(ttft.min).toBeGreaterThanOrEqual(Number(res.headers.get('x-understudy-ttft-ms')) - 0.05);
    expect(ttft.min).toBe(ttft.sum);
    expect(ttft.max).toBe(ttft.sum);
    for (const q of [ttft.p50, ttft.p90, ttft.p99, ttft.p999]) expect(q).toBe(ttft.sum);
    const text = await (await fetch(`${sim().url}/metrics`)).text();
    // The same µs in seconds, written as the decimal it is.
    expect(text).toContain(`understudy_ttft_sent_seconds{quantile="1"} ${Math.round(ttft.sum * 1000) / 1e6}\n`);
  });
});
