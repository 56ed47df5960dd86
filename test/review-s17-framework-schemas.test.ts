/**
 * Strict schemas as frameworks write them, which OpenAI's Structured Outputs subset accepts, must be
 * answered, not refused by the strict-schema check: the openai SDK's zod helpers (what LangChain and
 * the Vercel AI SDK send is the same zod-to-JSON-schema output) with nullable objects as `anyOf`
 * with null, recursion through `definitions` and `$ref`, unions of objects and objects in arrays;
 * and the OpenAI Agents SDK's pydantic form (`$defs`, `anyOf` with null, a `$ref` in `items`).
 */
import OpenAI from 'openai';
import { zodFunction, zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useSimulator } from './fixtures/sim.js';

interface TreeNode {
  name: string;
  children: TreeNode[];
}
const NODE: z.ZodType<TreeNode> = z.lazy(() => z.object({ name: z.string(), children: z.array(NODE) }));
const PERSON = z.object({ name: z.string(), age: z.number().int() });
const REPORT = z.object({
  title: z.string(),
  owner: PERSON.nullable(),
  members: z.array(PERSON),
  tag: z.union([z.object({ kind: z.literal('a'), a: z.string() }), z.object({ kind: z.literal('b'), b: z.number() })]),
  note: z.string().nullable(),
  tree: NODE,
});

/** A pydantic model as the Agents SDK's `ensure_strict_json_schema` leaves it. */
const AGENTS_SCHEMA = {
  type: 'object',
  properties: {
    city: { type: 'string', title: 'City' },
    address: { anyOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }] },
    stops: { type: 'array', title: 'Stops', items: { $ref: '#/$defs/Address' } },
  },
  required: ['city', 'address', 'stops'],
  additionalProperties: false,
  title: 'Trip',
  $defs: {
    Address: {
      type: 'object',
      title: 'Address',
      properties: { street: { type: 'string' }, zip: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
      required: ['street', 'zip'],
      additionalProperties: false,
    },
  },
};

describe('strict schemas that OpenAI accepts', () => {
  const sim = useSimulator();
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'Hi' }];

  it('answers the openai SDK zod helpers on Chat Completions and Responses', async () => {
    const parsed = await client().chat.completions.parse({ model: 'gpt-4o', messages, response_format: zodResponseFormat(REPORT, 'report') });
    expect(parsed.choices[0]!.message.parsed).not.toBeNull();
    const called = await client().chat.completions.create({ model: 'gpt-4o', messages, tools: [zodFunction({ name: 'file_report', parameters: REPORT })], tool_choice: 'required' });
    expect(called.choices[0]!.message.tool_calls).toHaveLength(1);
    const response = await client().responses.parse({ model: 'gpt-4o', input: 'Hi', text: { format: zodTextFormat(REPORT, 'report') } });
    expect(response.output_parsed).not.toBeNull();
  });

  it("answers the Agents SDK's $defs form as a response format and a strict tool", async () => {
    const chat = await client().chat.completions.create({ model: 'gpt-4o', messages, response_format: { type: 'json_schema', json_schema: { name: 'Trip', strict: true, schema: AGENTS_SCHEMA } } });
    expect(JSON.parse(chat.choices[0]!.message.content!)).toHaveProperty('city');
    const response = await client().responses.create({ model: 'gpt-4o', input: 'Hi', tools: [{ type: 'function', name: 'plan_trip', strict: true, parameters: AGENTS_SCHEMA }], tool_choice: 'required' });
    expect(response.output.some((item) => item.type === 'function_call')).toBe(true);
  });
});
