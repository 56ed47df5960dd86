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

describe('OpenAI Structured Outputs: strict schemas', () => {
  const sim = useSimulator();
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  const open = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
  const partial = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['a'], additionalProperties: false };
  const nested = {
    type: 'object',
    properties: { items: { type: 'array', items: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } } },
    required: ['items'],
    additionalProperties: false,
  };

  // OpenAI's words (dottxt-ai/outlines#844 and #1666, moeru-ai/xsai#202, and the "Missing '…'"
  // form quoted in many projects' notes): a strict schema outside the supported subset is a 400,
  // where the simulator used to answer it.
  it('refuses a strict response_format schema outside the subset, naming where', async () => {
    const refuse = async (schema: Record<string, unknown>): Promise<unknown> =>
      (await rejection(client().chat.completions.create({ model: 'gpt-4o-mini', messages, response_format: { type: 'json_schema', json_schema: { name: 'thing', strict: true, schema } } }), OpenAI.BadRequestError)).error;
    expect(await refuse(open)).toEqual({
      message: "Invalid schema for response_format 'thing': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      type: 'invalid_request_error',
      param: 'response_format',
      code: null,
    });
    expect(await refuse(partial)).toMatchObject({
      message: "Invalid schema for response_format 'thing': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
    });
    expect(await refuse(nested)).toMatchObject({
      message: "Invalid schema for response_format 'thing': In context=('properties', 'items', 'items'), 'additionalProperties' is required to be supplied and to be false.",
    });
    // Not strict: the same schema is answered.
    const loose = await client().chat.completions.create({ model: 'gpt-4o-mini', messages, response_format: { type: 'json_schema', json_schema: { name: 'thing', schema: open } } });
    expect(loose.choices[0]!.message.content).toMatch(/^\{/);
  });

  it('refuses a strict function whose parameters are outside the subset, on Chat Completions and Responses', async () => {
    const chat = await rejection(
      client().chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [{ type: 'function', function: { name: 'glob', strict: true, parameters: open } }] }),
      OpenAI.BadRequestError,
    );
    expect(chat.error).toMatchObject({
      message: "Invalid schema for function 'glob': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      code: 'invalid_function_parameters',
    });
    const responses = await rejection(client().responses.create({ model: 'gpt-4o-mini', input: 'Hi', tools: [{ type: 'function', name: 'glob', strict: true, parameters: partial }] }), OpenAI.BadRequestError);
    expect(responses.error).toEqual({
      message: "Invalid schema for function 'glob': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
      type: 'invalid_request_error',
      param: 'tools[0].parameters',
      code: 'invalid_function_parameters',
    });
  });

  // The Responses API's form (mavam/pi-web-providers#14): param text.format.schema, code invalid_json_schema.
  it('refuses a strict text.format schema on Responses, streamed or not', async () => {
    const format = { type: 'json_schema' as const, name: 'codex_output_schema', strict: true, schema: open };
    const err = await rejection(client().responses.create({ model: 'gpt-4o-mini', input: 'Hi', text: { format } }), OpenAI.BadRequestError);
    expect(err.error).toEqual({
      message: "Invalid schema for response_format 'codex_output_schema': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      type: 'invalid_request_error',
      param: 'text.format.schema',
      code: 'invalid_json_schema',
    });
    await rejection(client().responses.stream({ model: 'gpt-4o-mini', input: 'Hi', text: { format } }).finalResponse(), OpenAI.BadRequestError);
    const ok = await client().responses.create({ model: 'gpt-4o-mini', input: 'Hi', text: { format: { ...format, schema: { ...open, additionalProperties: false } } } });
    expect(ok.status).toBe('completed');
  });
});
