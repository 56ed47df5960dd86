/**
 * `--timing recorded` keeps the scheduler's promise: the same seed and requests, sent one after
 * another, get the same entries, schedules and ground-truth headers on one thread or two (each
 * request on a new connection, which the kernel gives to either thread), and an entry's recording
 * is what the headers report on every surface, its recorded events the stream's.
 */
import { describe, expect, it } from 'vitest';
import type { CorpusEntry } from '../src/corpus/format.js';
import { splitTokens } from '../src/corpus/tokens.js';
import { entry, recorded, writeTempCorpus } from './fixtures/corpus.js';
import { useSimulator } from './fixtures/sim.js';

const SPEED = 0.05;
const TEXT = 'The capital of France is Paris, a city on the Seine.';

/** Gaps of 30 ms, every third token recorded with the one before it (one event). */
const timedEntry = (id: string, model: string, ttftMs: number): CorpusEntry => recorded(entry(id, model, 'text', TEXT), ttftMs, (i) => (i % 3 === 2 ? 0 : 30));
const unrecorded = (id: string, model: string): CorpusEntry => entry(id, model, 'text', TEXT);

const ENTRIES = [
  timedEntry('oa-rec', 'gpt-4o-mini', 200),
  unrecorded('oa-plain', 'gpt-4o-mini'),
  timedEntry('cl-rec', 'claude-haiku-4-5', 300),
  unrecorded('cl-plain', 'claude-haiku-4-5'),
  timedEntry('ge-rec', 'gemini-2.0-flash', 400),
  unrecorded('ge-plain', 'gemini-2.0-flash'),
];
const TTFT: Record<string, number> = { 'oa-rec': 200, 'cl-rec': 300, 'ge-rec': 400 };
const tokenCount = splitTokens(TEXT).length;
const RECORDED_ITL = (tokenCount - 1 - Math.floor((tokenCount - 1) / 3)) * 30 / (tokenCount - 1);

const CALLS: readonly { path: string; headers: Record<string, string>; body: unknown }[] = [
  { path: '/v1/chat/completions', headers: { authorization: 'Bearer sk' }, body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Capital?' }] } },
  { path: '/v1/responses', headers: { authorization: 'Bearer sk' }, body: { model: 'gpt-4o-mini', stream: true, input: 'Capital?' } },
  { path: '/v1/messages', headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: { model: 'claude-haiku-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Capital?' }] } },
  { path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', headers: { 'x-goog-api-key': 'k' }, body: { contents: [{ role: 'user', parts: [{ text: 'Capital?' }] }] } },
];

interface Truth {
  readonly entry: string;
  readonly ttft: string;
  readonly itl: string;
  readonly trace: string;
}

async function run(url: string): Promise<Truth[]> {
  const out: Truth[] = [];
  for (let round = 0; round < 4; round++) {
    for (const call of CALLS) {
      const res = await fetch(`${url}${call.path}`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close', ...call.headers }, body: JSON.stringify(call.body) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const h = (name: string): string => res.headers.get(name) ?? '';
      out.push({ entry: h('x-understudy-entry'), ttft: h('x-understudy-ttft-ms'), itl: h('x-understudy-itl-ms'), trace: h('x-understudy-trace-id') });
    }
  }
  return out;
}

describe('--timing recorded across threads', () => {
  const one = useSimulator({ corpus: writeTempCorpus(ENTRIES), timing: 'recorded', speed: SPEED, seed: 21, threads: 1 });
  const two = useSimulator({ corpus: writeTempCorpus(ENTRIES), timing: 'recorded', speed: SPEED, seed: 21, threads: 2 });

  it('gives requests sent one after another the same entries, schedules and headers on 1 or 2 threads', async () => {
    const a = await run(one().url);
    expect(await run(two().url)).toEqual(a);
    // A recorded entry reports its recording (× --speed); both kinds were drawn.
    const recordedOnes = a.filter((t) => t.entry in TTFT);
    expect(recordedOnes.length).toBeGreaterThan(0);
    expect(a.length - recordedOnes.length).toBeGreaterThan(0);
    for (const t of recordedOnes) expect(t, t.entry).toMatchObject({ ttft: (TTFT[t.entry]! * SPEED).toFixed(1), itl: (RECORDED_ITL * SPEED).toFixed(2) });
  });
});
