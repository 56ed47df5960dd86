/**
 * Gemini 3's thinking levels where a request reaches them other than by a plain generateContent:
 * a batch's requests, countTokens' `generateContentRequest`, and Google's OpenAI-compatible route,
 * whose `extra_body.google.thinking_config` is the native `thinkingConfig` (so the native API's
 * refusals apply to it: a level with a budget, a level on 2.5, a name outside the enum).
 */
import { GoogleGenAI, JobState, ThinkingLevel, type BatchJob, type InlinedRequest } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const sim = useSimulator({ speed: 0, seed: 19 });
const genai = (): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
const HELLO = 'Say hello.';

interface Status {
  readonly code: number;
  readonly message: string;
  readonly status?: string;
}

const LEVEL_FIELD = 'generation_config.thinking_config.thinking_level';
const unsupported = (name: string): string => `Thinking level ${name} is not supported for this model. Please retry with other thinking level.`;

describe('thinking levels in batches and countTokens', () => {
  it("a batch request with a level its model lacks is that request's error, not the batch's", async () => {
    const ask = (thinkingLevel: ThinkingLevel): InlinedRequest => ({ contents: [{ role: 'user', parts: [{ text: HELLO }] }], config: { thinkingConfig: { thinkingLevel } } });
    const created = await genai().batches.create({ model: 'gemini-3-pro-preview', src: [ask(ThinkingLevel.MEDIUM), ask(ThinkingLevel.LOW)] });
    await expect.poll(async () => (await genai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const batch: BatchJob = await genai().batches.get({ name: created.name! });
    const [refused, taken] = batch.dest!.inlinedResponses!;
    expect(refused!.response).toBeUndefined();
    expect(refused!.error).toMatchObject({ code: 3, message: unsupported('MEDIUM') });
    expect(taken!.error).toBeUndefined();
    expect(taken!.response!.usageMetadata!.thoughtsTokenCount).toBeGreaterThan(0);
  });

  it("countTokens refuses a generateContentRequest whose level is outside the enum, naming the field under it", async () => {
    const res = await fetch(`${sim().url}/v1beta/models/gemini-3-flash:countTokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({
        generateContentRequest: { model: 'models/gemini-3-flash', contents: [{ role: 'user', parts: [{ text: HELLO }] }], generationConfig: { thinkingConfig: { thinkingLevel: 'xhigh' } } },
      }),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: Status };
    expect(error.message).toContain(`Invalid value at 'generate_content_request.${LEVEL_FIELD}'`);
  });
});

describe("extra_body's thinking_config on the OpenAI-compatible route gets the native refusals", () => {
  const compat = (): OpenAI => new OpenAI({ apiKey: 'k', baseURL: `${sim().url}/v1beta/openai/`, maxRetries: 0 });
  const withConfig = (thinking_config: Record<string, unknown>) => ({ extra_body: { google: { thinking_config } } });

  /** The compat layer's answer: Google's status wrapped in a JSON array on failure. */
  async function post(model: string, extra: Record<string, unknown>): Promise<{ status: number; error?: Status }> {
    const res = await fetch(`${sim().url}/v1beta/openai/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: HELLO }], ...extra }),
    });
    const body = await res.json();
    return { status: res.status, error: Array.isArray(body) ? (body[0] as { error: Status }).error : undefined };
  }

  it('a level and a budget together are refused, as generateContent refuses them', async () => {
    const r = await post('gemini-3-flash', withConfig({ thinking_level: 'low', thinking_budget: 1024 }));
    expect(r.status).toBe(400);
    expect(r.error?.message).toBe('thinking_budget and thinking_level are not supported together.');
  });

  it('a level on Gemini 2.5, which takes only a budget, is refused', async () => {
    const r = await post('gemini-2.5-flash', withConfig({ thinking_level: 'low' }));
    expect(r.status).toBe(400);
    expect(r.error?.message).toBe('Thinking level is not supported for this model.');
  });

  it('a name outside the enum is the parse error on any model, as natively', async () => {
    for (const model of ['gemini-2.5-flash', 'gemini-2.0-flash']) {
      const r = await post(model, withConfig({ thinking_level: 'extreme' }));
      expect(r.status).toBe(400);
      expect(r.error?.message).toContain(`Invalid value at '${LEVEL_FIELD}'`);
    }
  });

  it('what generateContent takes, the compat route takes too', async () => {
    const chat = (model: string, extra: Record<string, unknown>) =>
      compat().chat.completions.create({ model, messages: [{ role: 'user', content: HELLO }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await expect(chat('gemini-2.5-flash', withConfig({ thinking_budget: 1024 }))).resolves.toBeDefined();
    await expect(chat('gemini-3-flash', withConfig({ thinking_level: 'LOW' }))).resolves.toBeDefined();
    await expect(chat('gemini-3-flash', withConfig({ thinking_budget: 1024 }))).resolves.toBeDefined();
  });
});
