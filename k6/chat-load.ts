/**
 * Open-model load test of non-streaming chat completions: a constant arrival rate, with
 * percentile thresholds and an error-rate gate. Point it at llm-understudy (or, to compare, at
 * your own gateway in front of it):
 *
 *   understudy serve --port 8787 &
 *   k6 run k6/chat-load.ts -e BASE_URL=http://127.0.0.1:8787/v1 -e RATE=200
 *
 * k6 runs TypeScript directly (k6 ≥ 0.57); this file is type-checked by `npm test`.
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:8787/v1';
const MODEL = __ENV.MODEL ?? 'gpt-4o-mini';
const RATE = Number(__ENV.RATE ?? '100');

/** The generation time the simulator meant (ground truth), next to what k6 measured. */
const plannedTtft = new Trend('understudy_planned_ttft_ms', true);

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
  check(res, {
    'status 200': (r) => r.status === 200,
    'has a choice': (r) => {
      const body = r.json() as { choices?: unknown[] } | null;
      return Array.isArray(body?.choices) && body.choices.length > 0;
    },
  });
  const planned = res.headers['X-Understudy-Ttft-Ms'];
  if (planned !== undefined) plannedTtft.add(Number(planned));
}
