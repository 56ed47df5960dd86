/**
 * Less-travelled paths of `@anthropic-ai/sdk` against the real server, held to what the SDK's
 * own documentation says the API does.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

describe('Anthropic models.list', () => {
  const sim = useSimulator();
  const client = (): Anthropic => new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });

  // The SDK's docs for models.list: "More recently released models are listed first."
  it('lists the most recently released models first, across pages', async () => {
    const listed: { id: string; created: string }[] = [];
    for await (const m of client().models.list({ limit: 1 })) listed.push({ id: m.id, created: m.created_at });
    expect(listed.length).toBeGreaterThan(2);
    const newestFirst = [...listed].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    expect(listed.map((m) => m.created)).toEqual(newestFirst.map((m) => m.created));
    expect(listed[0]!.id).toBe('claude-sonnet-4-6');
  });

  it('pages backwards from before_id in the same order', async () => {
    const all: string[] = [];
    for await (const m of client().models.list()) all.push(m.id);
    const last = all[all.length - 1]!;
    const before = await client().models.list({ before_id: last, limit: 2 });
    expect(before.data.map((m) => m.id)).toEqual(all.slice(-3, -1));
  });
});
