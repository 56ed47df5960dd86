/**
 * Prompt counts of large bodies made in the thread's count pool: the handler finds them as counted,
 * the figures are the ones counting on the thread gives, and the thread answers other requests
 * while the pool counts.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { countingPieces, countPieceUncached, countTokens, withPrefetchedCounts, type PrefetchedCounts } from '../src/corpus/tokens.js';
import { countPieces } from '../src/workers/count-task.js';
import { longStrings, OFF_THREAD_BODY_CHARS } from '../src/workers/count-pool.js';
import { SeededRandom } from '../src/timing/random.js';
import { healthChecksWhile, postJson, useSimulator } from './fixtures/sim.js';

/** Text no count cache has seen: seeded random words, in paragraphs; each paragraph starts with the seed, so no two seeds share one. */
function freshText(chars: number, seed: number): string {
  const rng = new SeededRandom(seed);
  let text = '';
  let paragraphStart = true;
  while (text.length < chars) {
    let word = '';
    for (let i = 2 + rng.int(8); i > 0; i--) word += String.fromCharCode(97 + rng.int(26));
    if (paragraphStart) text += `s${seed} `;
    paragraphStart = rng.int(12) === 0;
    text += word + (paragraphStart ? '.\n\n' : ' ');
  }
  return text;
}

describe('counts made elsewhere', () => {
  it('are what countTokens gives, piece for piece', () => {
    const text = freshText(60_000, 1);
    const [counts] = countPieces([text]);
    expect(counts!.length).toBe(countingPieces(text).length);
    expect(counts!.reduce((a, b) => a + b, 0)).toBe(countTokens(text));
  });

  it('are taken as counted while the handler runs, and only then', () => {
    const whole = freshText(40_000, 2);
    const joined = `${freshText(20_000, 3)}\n\n${whole}`;
    const calls: string[] = [];
    // Counts go into the thread's caches, so pieces get their true figures here; only the whole
    // text, which nothing else counts, gets a figure that shows where it came from.
    const made: PrefetchedCounts = {
      whole: (t) => (t === whole ? 7 : undefined),
      piece: (p) => {
        calls.push(p);
        return countPieceUncached(p);
      },
    };
    const [inside, built] = withPrefetchedCounts(made, () => [countTokens(whole), countTokens(joined)]);
    // A text counted whole is found whole; a text built from counted ones, piece by piece.
    expect(inside).toBe(7);
    expect(built).toBe(countPieces([joined])[0]!.reduce((a, b) => a + b, 0));
    expect(calls).toEqual(countingPieces(joined));
    // Afterwards the cache holds the figure for the whole text, and a new text is counted.
    const other = freshText(40_000, 4);
    expect(countTokens(other)).toBe(countPieces([other])[0]!.reduce((a, b) => a + b, 0));
  });

  it('start from every long string of a body, however deep', () => {
    const long = 'word '.repeat(400);
    const deep = `${'['.repeat(50_000)}"${long}"${']'.repeat(50_000)}`;
    expect(longStrings(deep)).toEqual([long]);
    expect(longStrings(JSON.stringify({ a: 'short', b: [long, { c: long }] }))).toEqual([long, long]);
    expect(longStrings('{not json')).toEqual([]);
  });

  it('leave out base64 and data URLs: media are counted flat, and BPE on base64 costs seconds a MB', () => {
    const prose = freshText(3_000, 7);
    const base64 = Buffer.from(freshText(3_000, 8)).toString('base64');
    const body = JSON.stringify({
      messages: [
        { role: 'user', content: [{ type: 'text', text: prose }, { type: 'image_url', image_url: { url: `data:image/png;base64,${base64}` } }] },
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: base64 } }] },
      ],
    });
    expect(longStrings(body)).toEqual([prose]);
  });
});

describe('a large prompt against the real server', () => {
  const sim = useSimulator({ threads: 1, speed: 0 });

  it('is counted in the pool while the thread keeps answering, to the same prompt_tokens', async () => {
    const content = freshText(1_000_000, 5);
    const body = JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content }], max_tokens: 5 });
    expect(body.length).toBeGreaterThan(OFF_THREAD_BODY_CHARS);
    // Done when the reply's headers arrive.
    const { value: res, answered } = await healthChecksWhile(sim().url, postJson(sim().url, '/v1/chat/completions', body));
    expect(res.status).toBe(200);
    const json = (await res.json()) as { usage: { prompt_tokens: number } };
    // Counting 1 MB on the thread holds it for hundreds of milliseconds: no health check would get through.
    expect(answered).toBeGreaterThanOrEqual(5);
    expect(json.usage.prompt_tokens).toBe(3 + countTokens('user') + countTokens(content) + 3);
  });

  it('lets a request go whose client leaves while the pool counts', async () => {
    const body = JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: freshText(600_000, 6) }], stream: true });
    const socket = connect(sim().port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    socket.destroy();
    await expect.poll(async () => ((await (await fetch(`${sim().url}/_understudy/health`)).json()) as { inFlight: number }).inFlight, { timeout: 10_000 }).toBe(1);
    const metrics = await (await fetch(`${sim().url}/metrics`)).text();
    expect(metrics).toMatch(/^understudy_active_streams 0$/m);
  });
});
