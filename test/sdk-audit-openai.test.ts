/**
 * Less-travelled paths of the `openai` SDK against the real server, held to what OpenAI answers.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

describe('OpenAI length limits on request arrays', () => {
  const sim = useSimulator();
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });
  const five = ['one', 'two', 'three', 'four', 'five'];

  // OpenAI's words for a fifth stop sequence (continuedev/continue#2461, QwenLM/Qwen-Agent#228).
  const tooManyStops = {
    message: "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 5 instead.",
    type: 'invalid_request_error',
    param: 'stop',
    code: 'array_above_max_length',
  };

  it('refuses a fifth stop sequence in OpenAI\'s words, on Chat Completions and legacy Completions', async () => {
    const chat = await rejection(client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stop: five }), OpenAI.BadRequestError);
    expect(chat.error).toEqual(tooManyStops);
    const legacy = await rejection(client().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hi', stop: five }), OpenAI.BadRequestError);
    expect(legacy.error).toEqual(tooManyStops);
    const four = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stop: five.slice(0, 4), max_tokens: 5 });
    expect(four.object).toBe('chat.completion');
  });

  // As OpenAI words a 129th tool (0x4m4/hexstrike-ai#29, vishalmysore/Tools4AI#16).
  it('says how long the array was when it is over the limit', async () => {
    const tools = Array.from({ length: 129 }, (_, i) => ({ type: 'function' as const, function: { name: `f${i}`, parameters: { type: 'object', properties: {} } } }));
    const err = await rejection(client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], tools }), OpenAI.BadRequestError);
    expect(err.error).toEqual({
      message: "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length 129 instead.",
      type: 'invalid_request_error',
      param: 'tools',
      code: 'array_above_max_length',
    });
  });
});
