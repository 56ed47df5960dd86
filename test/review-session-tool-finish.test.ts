/**
 * OpenAI's finish_reason for a forced tool choice: `required` ends in "tool_calls", but a named
 * function ends in "stop", streamed or not (recorded against gpt-4o in vllm-project/vllm#25054,
 * which aligned vLLM with it; clients such as MCP-Bridge#96 read the calls, not the reason).
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const TOOLS = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

describe('a forced tool choice on chat completions', () => {
  const sim = useSimulator();
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });

  async function finishes(toolChoice: OpenAI.Chat.ChatCompletionToolChoiceOption): Promise<string[]> {
    const out: string[] = [];
    for (let seed = 1; seed <= 3; seed++) {
      const params = { model: 'gpt-4o-mini', seed, max_tokens: 400, tools: TOOLS, tool_choice: toolChoice, messages: [{ role: 'user' as const, content: 'Weather in Oslo?' }] };
      const whole = await client().chat.completions.create(params);
      expect(whole.choices[0]!.message.tool_calls?.length).toBeGreaterThan(0);
      out.push(whole.choices[0]!.finish_reason);
      let streamed = '';
      for await (const chunk of await client().chat.completions.create({ ...params, stream: true })) streamed = chunk.choices[0]?.finish_reason ?? streamed;
      out.push(streamed);
    }
    return out;
  }

  it('ends a named function\'s call with "stop"', async () => {
    expect(new Set(await finishes({ type: 'function', function: { name: 'get_weather' } }))).toEqual(new Set(['stop']));
  });

  it('ends a required call with "tool_calls"', async () => {
    expect(new Set(await finishes('required'))).toEqual(new Set(['tool_calls']));
  });
});
