/**
 * OpenAI's forced tool choice (`tool_choice: "required"`, or a named function) constrains the
 * model to call: a Chat Completion's message has `content: null` beside its `tool_calls`, a
 * Response's output holds function calls and no message, and the output limit is all the calls'.
 * The corpus entry's lead-in text ("Let me search the documentation…") used to go out beside
 * the calls and spend the limit first.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const SEARCH = {
  type: 'function' as const,
  function: { name: 'search_docs', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
};
const MODELS = ['gpt-4o-mini', 'gpt-4.1', 'gpt-5-nano', 'gpt-5-mini'];
const CHOICES = ['required', { type: 'function', function: { name: 'search_docs' } }] as const;

describe('OpenAI forced tool calls', () => {
  const sim = useSimulator();
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('answers a Chat Completion with tool calls and null content, streamed and not', async () => {
    const openai = client();
    for (const model of MODELS) {
      for (const tool_choice of CHOICES) {
        for (let seed = 1; seed <= 3; seed++) {
          const params = { model, seed, messages: [{ role: 'user' as const, content: `find it ${seed}` }], tools: [WEATHER, SEARCH], tool_choice };
          const whole = await openai.chat.completions.create(params);
          const message = whole.choices[0]!.message;
          expect(message.content, `${model} ${JSON.stringify(tool_choice)} ${seed}`).toBeNull();
          expect(message.tool_calls?.length).toBeGreaterThan(0);
          const stream = await openai.chat.completions.create({ ...params, stream: true });
          let text = '';
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
          expect(text).toBe('');
        }
      }
    }
  });

  it('answers a Response with function calls and no message', async () => {
    const openai = client();
    for (const model of MODELS) {
      for (const tool_choice of ['required', { type: 'function', name: 'search_docs' }] as const) {
        for (let seed = 1; seed <= 3; seed++) {
          const tools = [WEATHER, SEARCH].map((t) => ({ type: 'function' as const, name: t.function.name, parameters: t.function.parameters, strict: false }));
          const response = await openai.responses.create({ model, input: `find it ${seed}`, tools, tool_choice });
          expect(response.output.filter((o) => o.type === 'message'), `${model} ${JSON.stringify(tool_choice)} ${seed}`).toEqual([]);
          expect(response.output.some((o) => o.type === 'function_call')).toBe(true);
          expect(response.output_text).toBe('');
        }
      }
    }
  });

  it('gives max_completion_tokens to the calls: a cut call has used all of it', async () => {
    const openai = client();
    for (let seed = 1; seed <= 8; seed++) {
      const whole = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        seed,
        messages: [{ role: 'user', content: `find it ${seed}` }],
        tools: [SEARCH],
        tool_choice: 'required',
        max_completion_tokens: 6,
      });
      const choice = whole.choices[0]!;
      if (choice.finish_reason === 'length') expect(whole.usage!.completion_tokens).toBe(6);
      expect(choice.message.content).toBeNull();
    }
  });
});
