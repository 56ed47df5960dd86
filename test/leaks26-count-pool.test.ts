/**
 * The count pool skips the bodies of requests whose clients have left while they waited for a
 * worker. Every queued body was counted all the same: after 20 clients sent a 1 MB prompt and
 * left, a live request with one waited 707 ms where it took 143 ms alone, and a queue of such
 * bodies (the strings, held until counted) grew as fast as clients could send and leave.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { countOffThread, countPoolStarted, destroyCountPool } from '../src/workers/count-pool.js';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

/** About `chars` of prose, different for each `seed`. */
function prose(seed: number, chars: number): string {
  let s = '';
  let x = seed;
  while (s.length < chars) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += `${WORDS[x % WORDS.length]!} ${x.toString(36)} `;
  }
  return s;
}

describe('the count pool', () => {
  afterAll(() => destroyCountPool());

  it('counts a body whose request is still wanted, and skips those no longer wanted when their turn comes', async () => {
    const before = countPoolStarted();
    let gone = false;
    // One thread's pool has at most two workers: the first two jobs start at once, the rest wait.
    const kept = [countOffThread([prose(1, 200_000)], 1), countOffThread([prose(2, 200_000)], 1)];
    const left = Array.from({ length: 10 }, (_, i) =>
      countOffThread([prose(10 + i, 200_000)], 1, () => !gone).then(
        () => 'counted',
        (err: Error) => err.message,
      ),
    );
    const last = countOffThread([prose(99, 200_000)], 1);
    gone = true;
    const counts = await Promise.all([...kept, last]);
    for (const c of counts) expect(c.whole(prose(1, 200_000)) ?? c.whole(prose(2, 200_000)) ?? c.whole(prose(99, 200_000))).toBeGreaterThan(0);
    expect(await Promise.all(left)).toEqual(new Array<string>(10).fill('the job was dropped unrun: it was no longer wanted'));
    expect(countPoolStarted() - before).toBe(3);
  });
});
