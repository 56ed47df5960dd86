/**
 * Seeded structural fuzz of every POST route the README lists (`./fixtures/fuzz-routes.ts`),
 * against the real server on one thread with no delays and no chaos: each route's valid body
 * (streamed too, where the route streams) is mutated a few dozen ways, or its path is
 * (`./fixtures/fuzz-mutations.ts`), and every answer must be a 2xx that is valid JSON or a
 * complete SSE stream, or a 4xx in the route's provider error shape (`./fixtures/fuzz-oracle.ts`);
 * never a 5xx, a hang or a dropped connection. Afterwards the server answers health checks with
 * no stream left open.
 *
 * A failure names the seed, route and case, and shows the body. Rerun one case with
 * `FUZZ_SEED=<seed> FUZZ_ROUTE='<route>' FUZZ_CASE=<n> npx vitest run test/route-fuzz.test.ts`;
 * `FUZZ_CASES` sets the cases per route (default 70).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { combineSeeds, hashString, SeededRandom } from '../src/timing/random.js';
import { multipart, mutateJson, mutateMultipart, mutatePath, type FuzzBody } from './fixtures/fuzz-mutations.js';
import { isJson, problem, type Outcome } from './fixtures/fuzz-oracle.js';
import { ANTHROPIC, CLAUDE, FLASH, GEMINI, GPT, makeObjects, OPENAI, ROUTES, type Made, type Route } from './fixtures/fuzz-routes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 1);
const CASES = Number(process.env.FUZZ_CASES ?? 70);
const ONLY_ROUTE = process.env.FUZZ_ROUTE;
const ONLY_CASE = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);
/** Requests in flight at once: enough to keep the one server thread busy. */
const CONCURRENCY = 8;

interface Failure {
  readonly report: string;
}

const excerpt = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n)}… (${s.length} chars)`);

async function runCase(sim: Simulator, made: Made, route: Route, index: number): Promise<Failure | null> {
  const rng = new SeededRandom(combineSeeds(SEED, hashString(`${route.name}#${index}`)));
  let path: string;
  let fuzz: FuzzBody;
  if (route.custom) ({ path, fuzz } = await route.custom(rng, sim));
  else {
    const base = route.target(made);
    const target = route.stream !== undefined && rng.int(3) === 0 ? route.stream(base, rng) : base;
    path = target.path;
    fuzz = route.parts ? mutateMultipart(rng, route.parts) : mutateJson(rng, target.body);
    if (rng.int(8) === 0) {
      // The path instead: a hostile id, model or deployment, with the valid body.
      const mutated = mutatePath(rng, path);
      path = mutated.path;
      const valid = route.parts ? multipart(route.parts, 'validBoundary') : Buffer.from(JSON.stringify(target.body));
      fuzz = { bytes: valid, contentType: route.parts ? 'multipart/form-data; boundary=validBoundary' : 'application/json', what: mutated.what, headers: {} };
    }
  }
  const headers: Record<string, string> = { ...route.headers, ...fuzz.headers };
  if (fuzz.contentType !== null) headers['content-type'] = fuzz.contentType;
  const report = (got: string): Failure => ({
    report: [
      `seed ${SEED}, route '${route.name}', case ${index}: ${got}`,
      `  rerun: FUZZ_SEED=${SEED} FUZZ_ROUTE='${route.name}' FUZZ_CASE=${index} npx vitest run test/route-fuzz.test.ts`,
      `  ${route.method ?? 'POST'} ${path}  content-type: ${fuzz.contentType ?? '(none)'}`,
      `  mutation: ${fuzz.what}`,
      `  body: ${excerpt(fuzz.bytes.toString('latin1'), 400)}`,
    ].join('\n'),
  });
  let outcome: Outcome;
  try {
    const res = await fetch(`${sim.url}${path}`, { method: route.method ?? 'POST', headers, body: fuzz.bytes, signal: AbortSignal.timeout(10_000) });
    outcome = { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  } catch (err) {
    // fetch's own error says only 'fetch failed'; its cause says why (a reset, a timeout).
    const cause: unknown = err instanceof Error ? err.cause : undefined;
    return report(`the request failed: ${String(err)}${cause instanceof Error ? ` (${cause.message})` : ''}`);
  }
  const json = route.parts === undefined && route.custom === undefined ? isJson(route, fuzz.bytes) : undefined;
  const wrong = problem(route, outcome, json);
  return wrong === null ? null : report(`${wrong}\n  answer: ${excerpt(outcome.text, 400)}`);
}

/** The route's valid body (and its streamed variant) answers 2xx: the cases start from a body the route takes. */
async function validProblems(sim: Simulator, made: Made, route: Route): Promise<string[]> {
  if (route.custom) return [];
  const base = route.target(made);
  const targets = route.stream ? [base, route.stream(base, new SeededRandom(2))] : [base];
  const out: string[] = [];
  for (const t of targets) {
    const boundary = 'validBoundary';
    const [bytes, type] = route.parts ? [multipart(route.parts, boundary), `multipart/form-data; boundary=${boundary}`] : [Buffer.from(JSON.stringify(t.body)), 'application/json'];
    const res = await fetch(`${sim.url}${t.path}`, { method: route.method ?? 'POST', headers: { ...route.headers, 'content-type': type }, body: bytes });
    const o = { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
    const wrong = o.status === route.validStatus ? problem(route, o, true) : o.status >= 300 ? `status ${o.status}` : problem(route, o, true);
    if (wrong !== null) out.push(`route '${route.name}', the valid body to ${t.path}: ${wrong}\n  answer: ${excerpt(o.text, 400)}`);
  }
  return out;
}

/** Runs CASES cases of a route (or FUZZ_CASE's one), CONCURRENCY at a time, and returns the failures in case order. */
async function fuzzRoute(sim: Simulator, made: Made, route: Route): Promise<string[]> {
  const indexes = ONLY_CASE === undefined ? Array.from({ length: CASES }, (_, i) => i) : [ONLY_CASE];
  const failures = new Map<number, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < indexes.length) {
      const i = indexes[next++]!;
      const f = await runCase(sim, made, route, i);
      if (f !== null) failures.set(i, f.report);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return [...failures.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

describe(`route fuzz (seed ${SEED}, ${CASES} cases per route)`, () => {
  let sim: Simulator;
  let made: Made;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, seed: SEED, logLevel: 'silent' });
    made = await makeObjects(sim);
  });
  afterAll(() => sim?.stop());

  const routes = ROUTES.filter((r) => ONLY_ROUTE === undefined || r.name === ONLY_ROUTE);
  it.each(routes.map((r) => [r.name, r] as const))('%s', async (_name, route) => {
    const failures = [...(await validProblems(sim, made, route)), ...(await fuzzRoute(sim, made, route))];
    // Every failing case is listed, each with what reproduces it.
    expect(failures.length, `${failures.length} failing cases:\n${failures.join('\n\n')}\n`).toBe(0);
  });

  it('leaves the server healthy, with no stream open', async () => {
    const health = await fetch(`${sim.url}/_understudy/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const stats = async (): Promise<number> => ((await (await fetch(`${sim.url}/_understudy/stats`)).json()) as { activeStreams: number }).activeStreams;
    await expect.poll(stats, { timeout: 5000 }).toBe(0);
    // A valid request on each surface still succeeds.
    expect((await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { ...OPENAI, 'content-type': 'application/json' }, body: JSON.stringify({ model: GPT, messages: [{ role: 'user', content: 'Hi' }] }) })).status).toBe(200);
    expect((await fetch(`${sim.url}/v1/messages`, { method: 'POST', headers: { ...ANTHROPIC, 'content-type': 'application/json' }, body: JSON.stringify({ model: CLAUDE, max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }) })).status).toBe(200);
    expect((await fetch(`${sim.url}/v1beta/models/${FLASH}:generateContent`, { method: 'POST', headers: { ...GEMINI, 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }) })).status).toBe(200);
  });
});
