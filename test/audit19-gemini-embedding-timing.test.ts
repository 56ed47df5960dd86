/**
 * Gemini's embedding models answer in one piece, as OpenAI's do, but the profile table had no rule
 * for them: `gemini-embedding-001` fell to `gemini-`, a Flash chat model's TTFT (450 ms median),
 * and `text-embedding-004` / `embedding-001` to the catch-all, GPT-4o's 600 ms. They now get the
 * embedding profile (220 ms median), on the native routes and Google's OpenAI-compatible one.
 */
import { describe, expect, it } from 'vitest';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { useSimulator } from './fixtures/sim.js';

describe("Gemini's embedding models", () => {
  it.each(['gemini-embedding-001', 'text-embedding-004', 'embedding-001'])('%s gets the embedding profile, not a chat model’s', (model) => {
    expect(profileNameFor(loadProfiles(), model)).toBe('openai-embedding');
  });

  describe('on the server', () => {
    // At --speed 0.1 the headers report a tenth of the planned time.
    const sim = useSimulator({ speed: 0.1 });
    const N = 41;

    async function medianTtft(path: string, body: unknown, headers: Record<string, string>): Promise<number> {
      const replies = await Promise.all(
        Array.from({ length: N }, () => fetch(`${sim().url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })),
      );
      const ttfts = await Promise.all(
        replies.map(async (r) => {
          expect(r.status).toBe(200);
          await r.arrayBuffer();
          return Number(r.headers.get('x-understudy-ttft-ms')) * 10;
        }),
      );
      return ttfts.sort((a, b) => a - b)[(N - 1) / 2]!;
    }

    it('embedContent plans an embedding model’s time (median near 220 ms, not 450 or 600)', async () => {
      for (const model of ['gemini-embedding-001', 'text-embedding-004']) {
        const median = await medianTtft(`/v1beta/models/${model}:embedContent`, { content: { parts: [{ text: 'hello there' }] } }, { 'x-goog-api-key': 'k' });
        expect(median, model).toBeGreaterThan(120);
        expect(median, model).toBeLessThan(340);
      }
    });

    it('so does the OpenAI-compatible embeddings route', async () => {
      const median = await medianTtft('/v1beta/openai/embeddings', { model: 'gemini-embedding-001', input: 'hello there' }, { authorization: 'Bearer k' });
      expect(median).toBeGreaterThan(120);
      expect(median).toBeLessThan(340);
    });
  });
});
