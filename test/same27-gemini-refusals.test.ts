/**
 * A Gemini request refused as invalid takes no place in the run's order (README, "What the same
 * requests means"): its error carries no request id, so the requests after it draw what they would
 * have drawn without it. generateContent drew its random source before three of its refusals (a
 * thinking budget or level the model refuses, an output limit past the model's, a prompt past its
 * window), so each such 400 handed every later request the next one's answer and ids.
 */
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const GEMINI = { 'x-goog-api-key': 'k', 'content-type': 'application/json' };
const OPENAI = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };

/** Requests the API refuses with a 400 once the body has parsed: [model and method, generationConfig]. */
const REFUSED: readonly [string, Record<string, unknown>][] = [
  ['gemini-4-argon:generateContent', { thinkingConfig: { thinkingBudget: 0 } }],
  ['gemini-3-pro-preview:streamGenerateContent?alt=sse', { thinkingConfig: { thinkingLevel: 'MEDIUM' } }],
  ['gemini-2.5-flash:generateContent', { thinkingConfig: { thinkingLevel: 'LOW' } }],
  ['gemini-2.5-flash:streamGenerateContent', { maxOutputTokens: 10_000_000 }],
];

describe('Gemini requests refused as invalid', () => {
  const withRefusals = useSimulator({ seed: 27 });
  const without = useSimulator({ seed: 27 });

  /** A chat completion's request id and answer: both drawn from its place in the order. */
  async function chat(url: string): Promise<string> {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: OPENAI, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }) });
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    return `${res.headers.get('x-request-id')} ${body.choices[0]!.message.content}`;
  }

  it('take no place in the order: the requests after them are answered as if they had not been sent', async () => {
    const after: string[] = [];
    for (const [path, generationConfig] of REFUSED) {
      const refused = await fetch(`${withRefusals().url}/v1beta/models/${path}`, { method: 'POST', headers: GEMINI, body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }], generationConfig }) });
      expect(refused.status, path).toBe(400);
      await refused.arrayBuffer();
      after.push(await chat(withRefusals().url));
    }
    const alone: string[] = [];
    for (let i = 0; i < REFUSED.length; i++) alone.push(await chat(without().url));
    expect(after).toEqual(alone);
  });
});
