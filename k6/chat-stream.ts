/**
 * Streaming chat completions at a ramping arrival rate. k6 reads a streamed body only when it
 * ends, so time to first token is measured as time to first byte: start the simulator with
 * `--headers-at first-token` and `http_req_waiting` equals TTFT, which this script compares with
 * the TTFT the simulator planned (`x-understudy-ttft-ms`). With the default `--headers-at accept`
 * the first byte goes out on accept, long before the first token, so the script stops the run
 * (`ttft_unmeasured`) rather than pass its TTFT threshold on figures that measure nothing.
 *
 *   npm start -- --port 8787 --headers-at first-token &     # with llm-understudy installed: npx understudy serve … (not in a clone, where npx looks for a registry package named understudy)
 *   k6 run k6/chat-stream.ts -e BASE_URL=http://127.0.0.1:8787/v1
 *
 * Add `-e API_KEY=…` when the simulator checks keys (`--api-keys`); any key passes otherwise.
 * On one host, give the simulator `--threads` of the cores minus k6's share (or `--pacing sleep`):
 * its default threads, one per core, spin while streams are dense and leave k6 waiting for a core,
 * which `ttft_overhead_ms` then counts.
 *
 * The gaps between tokens arrive inside the body, which k6 hands over whole, so the script records
 * the mean gap the simulator planned (`x-understudy-itl-ms`) by corpus entry (`x-understudy-entry`)
 * beside the TTFTs, to read with the server's emission lag (`/_understudy/stats`).
 */
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:8787/v1';
const MODEL = __ENV.MODEL ?? 'claude-sonnet-4-6';

const ttftSeen = new Trend('ttft_seen_ms', true);
const ttftPlanned = new Trend('ttft_planned_ms', true);
/** Seen minus planned TTFT: what the network, the client and the simulator's own lag add. */
const ttftOverhead = new Trend('ttft_overhead_ms', true);
/** Streams whose first byte came well before their planned first token: headers sent on accept. */
const ttftUnmeasured = new Counter('ttft_unmeasured');
const itlPlanned = new Trend('itl_planned_ms', true);
const completed = new Rate('stream_completed');

export const options: Options = {
  scenarios: {
    streams: {
      executor: 'ramping-arrival-rate',
      startRate: 10,
      timeUnit: '1s',
      preAllocatedVUs: 200,
      maxVUs: 5000,
      stages: [
        { target: Number(__ENV.PEAK_RATE ?? '200'), duration: '30s' },
        { target: Number(__ENV.PEAK_RATE ?? '200'), duration: '1m' },
        { target: 0, duration: '10s' },
      ],
    },
  },
  thresholds: {
    stream_completed: ['rate>0.99'],
    ttft_unmeasured: ['count==0'],
    ttft_overhead_ms: ['p(99)<50'],
    http_req_failed: ['rate<0.01'],
  },
};

export default function (): void {
  const res = http.post(
    `${BASE_URL}/chat/completions`,
    JSON.stringify({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Explain backpressure in two paragraphs.' }],
    }),
    { headers: { 'content-type': 'application/json', authorization: `Bearer ${__ENV.API_KEY ?? 'sk-load-test'}` }, timeout: '120s' },
  );
  const body = typeof res.body === 'string' ? res.body : '';
  completed.add(res.status === 200 && body.includes('data: [DONE]'));
  check(res, { 'status 200': (r) => r.status === 200 });
  const planned = Number(res.headers['X-Understudy-Ttft-Ms']);
  if (!Number.isFinite(planned)) return;
  const tags = { entry: res.headers['X-Understudy-Entry'] ?? 'unknown' };
  // With headers sent on first token the first byte never precedes the planned TTFT; on accept it
  // comes within a millisecond or two, whatever the TTFT.
  if (res.timings.waiting < planned / 2) {
    ttftUnmeasured.add(1);
    exec.test.abort(
      `time to first byte ${res.timings.waiting.toFixed(1)} ms against a planned TTFT of ${planned} ms: the simulator sends stream headers on accept, so TTFT cannot be measured. Start it with --headers-at first-token.`,
    );
    return;
  }
  ttftSeen.add(res.timings.waiting, tags);
  ttftPlanned.add(planned, tags);
  ttftOverhead.add(res.timings.waiting - planned, tags);
  const plannedItl = Number(res.headers['X-Understudy-Itl-Ms']);
  if (Number.isFinite(plannedItl)) itlPlanned.add(plannedItl, tags);
}
