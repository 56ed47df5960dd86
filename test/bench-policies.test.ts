/**
 * The policies the bench switches on (the policy-cost section, through the admin API, and the
 * handler micro case, in process) load as they are: a scenario the validation refuses stopped
 * `npm run bench` at its micro section, after the streaming levels had run.
 */
import { describe, expect, it } from 'vitest';
import { microPairs } from '../bench/micro.js';
import { benchPolicies } from '../bench/policy-cost.js';
import { useSimulator } from './fixtures/sim.js';

describe("the bench's policies", () => {
  const sim = useSimulator({ threads: 1, speed: 0 });

  it('are taken by the admin API', async () => {
    const p = benchPolicies();
    for (const [path, body] of [['quota', p.quota], ['scenario', p.scenario]] as const) {
      const res = await fetch(`${sim().url}/_understudy/${path}`, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, await res.text()).toBe(200);
    }
  });

  it('build every micro case', () => {
    expect(microPairs(1).length).toBeGreaterThan(0);
  });
});
