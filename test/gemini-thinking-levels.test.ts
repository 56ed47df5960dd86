/**
 * Which thinking levels each Gemini 3 model takes. Real Gemini refuses a level a model lacks with a
 * 400 that apps meet when one config is shared across models (3 Pro has only low and high; the
 * Pro models have no minimal), and the OpenAI-compatible layer refuses `reasoning_effort:
 * "minimal"` outright; a name outside the enum fails as a proto parse error. The simulator took
 * all of these and drew thoughts for them, so a test suite passed here and failed against Google.
 */
import { ApiError, GoogleGenAI, ThinkingLevel } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

const sim = useSimulator({ speed: 0, seed: 5 });
const genai = (): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
const compat = (): OpenAI => new OpenAI({ apiKey: 'k', baseURL: `${sim().url}/v1beta/openai/`, maxRetries: 0 });
const HELLO = 'Say hello.';

interface Status {
  readonly code: number;
  readonly message: string;
  readonly status: string;
  readonly details?: readonly { readonly fieldViolations?: readonly { readonly field: string }[] }[];
}

/** The google.rpc.Status of a request the SDK must refuse. */
async function refusal(promise: Promise<unknown>): Promise<Status> {
  const err = await rejection(promise, ApiError);
  expect(err.status).toBe(400);
  return (JSON.parse(err.message) as { error: Status }).error;
}

const generate = (model: string, thinkingLevel: string): Promise<unknown> =>
  genai().models.generateContent({ model, contents: HELLO, config: { thinkingConfig: { thinkingLevel: thinkingLevel as ThinkingLevel } } });

const unsupported = (name: string): string => `Thinking level ${name} is not supported for this model. Please retry with other thinking level.`;

describe('Gemini 3 thinking levels (native API, @google/genai)', () => {
  it('3 Pro takes low and high and refuses medium and minimal, as Google does', async () => {
    for (const level of [ThinkingLevel.LOW, ThinkingLevel.HIGH, 'low', 'high']) {
      const res = (await generate('gemini-3-pro-preview', level)) as { usageMetadata?: { thoughtsTokenCount?: number } };
      expect(res.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
    }
    for (const [level, name] of [
      [ThinkingLevel.MEDIUM, 'MEDIUM'],
      [ThinkingLevel.MINIMAL, 'MINIMAL'],
      ['medium', 'MEDIUM'],
    ] as const) {
      const e = await refusal(generate('gemini-3-pro-preview', level));
      expect(e).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: unsupported(name) });
    }
  });

  it('3.1 Pro adds medium but has no minimal; 3 Flash takes all four', async () => {
    await expect(generate('gemini-3.1-pro-preview', ThinkingLevel.MEDIUM)).resolves.toBeDefined();
    expect((await refusal(generate('gemini-3.1-pro-preview', ThinkingLevel.MINIMAL))).message).toBe(unsupported('MINIMAL'));
    for (const level of [ThinkingLevel.MINIMAL, ThinkingLevel.LOW, ThinkingLevel.MEDIUM, ThinkingLevel.HIGH]) {
      await expect(generate('gemini-3-flash', level)).resolves.toBeDefined();
    }
  });

  it('the streaming route refuses the same, before any event', async () => {
    const e = await refusal(
      genai().models.generateContentStream({ model: 'gemini-3-pro-preview', contents: HELLO, config: { thinkingConfig: { thinkingLevel: ThinkingLevel.MEDIUM } } }),
    );
    expect(e.message).toBe(unsupported('MEDIUM'));
  });

  it('a name outside the enum is a parse error naming the field; UNSPECIFIED is the default', async () => {
    const e = await refusal(generate('gemini-3-flash', 'xhigh'));
    expect(e.status).toBe('INVALID_ARGUMENT');
    expect(e.message).toBe(
      `Invalid value at 'generation_config.thinking_config.thinking_level' (type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), "xhigh"`,
    );
    expect(e.details?.[0]?.fieldViolations?.[0]?.field).toBe('generation_config.thinking_config.thinking_level');
    // Also on a model that takes no level at all: the body fails to parse before the model is looked at.
    expect((await refusal(generate('gemini-2.5-flash', 'xhigh'))).message).toContain("Invalid value at 'generation_config.thinking_config.thinking_level'");
    const unspecified = (await generate('gemini-3-pro-preview', ThinkingLevel.THINKING_LEVEL_UNSPECIFIED)) as { usageMetadata?: { thoughtsTokenCount?: number } };
    const dflt = (await genai().models.generateContent({ model: 'gemini-3-pro-preview', contents: HELLO })) as { usageMetadata?: { thoughtsTokenCount?: number } };
    // The default level's range (high): far above low's, which tops out at 213.
    expect(unspecified.usageMetadata?.thoughtsTokenCount).toBeGreaterThanOrEqual(256);
    expect(dflt.usageMetadata?.thoughtsTokenCount).toBeGreaterThanOrEqual(256);
  });
});

describe("Gemini 3 thinking levels (Google's OpenAI-compatible route, openai SDK)", () => {
  const chat = (model: string, extra: Record<string, unknown>): Promise<unknown> =>
    compat().chat.completions.create({ model, messages: [{ role: 'user', content: HELLO }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);

  /** The compat layer's failure: Google's status wrapped in a JSON array. */
  async function rawRefusal(model: string, extra: Record<string, unknown>): Promise<Status> {
    const res = await fetch(`${sim().url}/v1beta/openai/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: HELLO }], ...extra }),
    });
    expect(res.status).toBe(400);
    return ((await res.json()) as { error: Status }[])[0]!.error;
  }

  it("reasoning_effort medium on 3 Pro is the native refusal; on 3 Flash it is taken", async () => {
    await rejection(chat('gemini-3-pro-preview', { reasoning_effort: 'medium' }), OpenAI.BadRequestError);
    expect(await rawRefusal('gemini-3-pro-preview', { reasoning_effort: 'medium' })).toMatchObject({ status: 'INVALID_ARGUMENT', message: unsupported('MEDIUM') });
    await expect(chat('gemini-3-flash', { reasoning_effort: 'medium' })).resolves.toBeDefined();
    await expect(chat('gemini-3-pro-preview', { reasoning_effort: 'high' })).resolves.toBeDefined();
  });

  it('reasoning_effort minimal is refused by the compat layer itself, on any model', async () => {
    for (const model of ['gemini-3-flash', 'gemini-2.5-flash']) {
      await rejection(chat(model, { reasoning_effort: 'minimal' }), OpenAI.BadRequestError);
      expect((await rawRefusal(model, { reasoning_effort: 'minimal' })).message).toBe('Invalid reasoning_effort: minimal. Valid values are: high, low, medium, none');
    }
    await expect(chat('gemini-3-flash', { reasoning_effort: 'none' })).resolves.toBeDefined();
  });

  it("extra_body's thinking_level gets the native checks", async () => {
    const level = (thinking_level: string) => ({ extra_body: { google: { thinking_config: { thinking_level } } } });
    expect((await rawRefusal('gemini-3-pro-preview', level('medium'))).message).toBe(unsupported('MEDIUM'));
    expect((await rawRefusal('gemini-3-flash', level('extreme'))).message).toContain("Invalid value at 'generation_config.thinking_config.thinking_level'");
    await expect(chat('gemini-3-pro-preview', level('low'))).resolves.toBeDefined();
  });
});
