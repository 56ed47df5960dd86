/**
 * Open-model load test of non-streaming chat completions: a constant arrival rate, with
 * percentile thresholds and an error-rate gate. Point it at llm-understudy (or, to compare, at
 * your own gateway in front of it):
 *
 *   npm start -- --port 8787 &     # with llm-understudy installed: npx understudy serve … (not in a clone, where npx looks for a registry package named understudy)
 *   k6 run k6/chat-load.ts -e BASE_URL=http://127.0.0.1:8787/v1 -e RATE=200
 *
 * Add `-e API_KEY=…` when the simulator checks keys (`--api-keys`); any key passes otherwise.
 *
 * A reply that is not JSON (a chaos fault's empty 200, truncated body or HTML 502) fails the
 * 'has a choice' check, which the `checks` threshold counts. k6 runs TypeScript directly
 * (k6 ≥ 0.57); this file is type-checked by `npm test`.
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:8787/v1';
const MODEL = __ENV.MODEL ?? 'gpt-4o-mini';
const RATE = Number(__ENV.RATE ?? '100');

/** The time to first token the simulator planned (ground truth). */
const plannedTtft = new Trend('understudy_planned_ttft_ms', true);
/** The time to the whole reply it planned (`openai-processing-ms`), when the reply is sent. */
const plannedReply = new Trend('understudy_planned_reply_ms', true);
/** Time to first byte minus the planned reply time: what the network, k6 and the simulator's lag add. */
const replyOverhead = new Trend('reply_overhead_ms', true);

export const options: Options = {
  scenarios: {
    chat: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION ?? '1m',
      preAllocatedVUs: Math.max(10, RATE * 2),
      maxVUs: RATE * 20,
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<15000', 'p(99)<30000'],
    checks: ['rate>0.99'],
  },
};

/** Whether the body is a reply with a choice: k6's `res.json()` throws on a body that does not parse. */
function hasChoice(res: http.RefinedResponse<http.ResponseType | undefined>): boolean {
  try {
    const body = res.json() as { choices?: unknown[] } | null;
    return Array.isArray(body?.choices) && body.choices.length > 0;
  } catch {
    return false;
  }
}

export default function (): void {
  const res = http.post(
    `${BASE_URL}/chat/completions`,
    JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'Summarize the benefits of load testing in three bullet points.' }],
      max_tokens: 200,
    }),
    { headers: { 'content-type': 'application/json', authorization: `Bearer ${__ENV.API_KEY ?? 'sk-load-test'}` } },
  );
  const answered = res.status === 200 && hasChoice(res);
  check(res, { 'status 200': (r) => r.status === 200, 'has a choice': () => answered });
  const planned = res.headers['X-Understudy-Ttft-Ms'];
  if (planned !== undefined) plannedTtft.add(Number(planned));
  const plannedMs = Number(res.headers['Openai-Processing-Ms']);
  if (answered && Number.isFinite(plannedMs)) {
    plannedReply.add(plannedMs);
    replyOverhead.add(res.timings.waiting - plannedMs);
  }
}
