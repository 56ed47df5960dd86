/**
 * The Conversations API through the openai SDK against the real server: a conversation's items are
 * what an OpenAI Agents SDK `OpenAIConversationsSession` stores, and a Responses request with
 * `conversation` reads them as earlier input and adds its own input and output to them.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

const MODEL = 'gpt-4o-mini';

describe('Conversations API', () => {
  const sim = useSimulator({ seed: 5 });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('creates, retrieves, updates and deletes a conversation', async () => {
    const c = await client().conversations.create({ metadata: { topic: 'shipping' } });
    expect(c).toMatchObject({ object: 'conversation', metadata: { topic: 'shipping' } });
    expect(c.id).toMatch(/^conv_[A-Za-z0-9]{48}$/);
    expect(await client().conversations.retrieve(c.id)).toEqual(c);
    expect((await client().conversations.update(c.id, { metadata: { topic: 'returns' } })).metadata).toEqual({ topic: 'returns' });
    expect(await client().conversations.delete(c.id)).toEqual({ id: c.id, object: 'conversation.deleted', deleted: true });
    const err = await rejection(client().conversations.retrieve(c.id), OpenAI.NotFoundError);
    expect(err.message).toContain(`Conversation with id '${c.id}' not found.`);
  });

  it('adds, lists (paged, both orders), retrieves and deletes items', async () => {
    const c = await client().conversations.create({ items: [{ type: 'message', role: 'user', content: 'Hello!' }] });
    const added = await client().conversations.items.create(c.id, {
      items: [
        { type: 'message', role: 'assistant', content: 'Hi, how can I help?' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Track parcel 7.' }] },
      ],
    });
    expect(added.data).toHaveLength(2);
    const all: OpenAI.Conversations.ConversationItem[] = [];
    for await (const item of client().conversations.items.list(c.id, { order: 'asc', limit: 1 })) all.push(item);
    expect(all.map((i) => (i.type === 'message' ? i.role : i.type))).toEqual(['user', 'assistant', 'user']);
    expect(all[0]).toMatchObject({ type: 'message', status: 'completed', content: [{ type: 'input_text', text: 'Hello!' }] });
    expect(all[1]).toMatchObject({ content: [{ type: 'output_text', text: 'Hi, how can I help?' }] });
    const newest = await client().conversations.items.list(c.id, { order: 'desc', limit: 1 });
    expect(newest.data[0]!.id).toBe(all[2]!.id);
    expect(await client().conversations.items.retrieve(all[1]!.id!, { conversation_id: c.id })).toEqual(all[1]);
    await client().conversations.items.delete(all[1]!.id!, { conversation_id: c.id });
    expect((await client().conversations.items.list(c.id)).data).toHaveLength(2);
    await expect(client().conversations.items.create(c.id, { items: [{ type: 'message', role: 'wizard', content: 'x' } as never] })).rejects.toMatchObject({ status: 400 });
  });

  it('takes hostile item types and bodies without a 500, and holds metadata to OpenAI\'s limits', async () => {
    for (const type of ['constructor', '__proto__', 'toString', 'valueOf']) {
      const c = await client().conversations.create({ items: [{ type } as never] });
      const items = (await client().conversations.items.list(c.id)).data as { type: string; id: string }[];
      expect(items[0]!.type).toBe(type);
      expect(items[0]!.id).toMatch(/^item_/);
    }
    const res = await fetch(`${sim().url}/v1/conversations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    expect(res.status).toBe(400);
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    await expect(client().conversations.create({ metadata: many })).rejects.toMatchObject({ status: 400, param: 'metadata' });
    await expect(client().conversations.create({ metadata: { k: 'x'.repeat(513) } })).rejects.toMatchObject({ status: 400, param: 'metadata' });
  });

  it('refuses items nested past 1,000 levels, on create, on add and from a response, and keeps the conversation as it was', async () => {
    const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const item = (depth: number): string => `{"type":"function_call_output","call_id":"call_1","output":"ok","extra":${nested(depth)}}`;
    // The item is a level of its own, so 999 levels inside it make 1,000.
    const c = await client().conversations.create({ items: [JSON.parse(item(999)) as never] });
    // Raw bodies: the SDK's own JSON.stringify overflows this thread's stack at 20,000.
    const post = async (path: string, body: string): Promise<{ status: number; message: string }> => {
      const res = await fetch(`${sim().url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' }, body });
      return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
    };
    for (const depth of [1000, 20_000]) {
      const refused = [
        await post('/conversations', `{"items":[${item(depth)}]}`),
        await post(`/conversations/${c.id}/items`, `{"items":[${item(depth)}]}`),
        await post('/responses', `{"model":"${MODEL}","conversation":"${c.id}","input":[${item(depth)}]}`),
      ];
      for (const r of refused) expect(r).toEqual({ status: 400, message: 'The request body nests JSON arrays and objects too deeply to be processed.' });
    }
    const kept = (await client().conversations.items.list(c.id)).data;
    expect(kept).toHaveLength(1);
    expect(JSON.stringify(kept[0]).length).toBeGreaterThan(999 * 5);
  });

  it('requires what an update and an items create set, and a JSON body on every POST', async () => {
    const c = await client().conversations.create({ metadata: { topic: 'shipping' } });
    const post = (path: string, body: string) => fetch(`${sim().url}/v1/conversations${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const error = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: Record<string, unknown> }).error });
    // An update without metadata is refused, and leaves the conversation's as it was.
    expect(await error(await post(`/${c.id}`, '{}'))).toMatchObject({ status: 400, param: 'metadata', code: 'missing_required_parameter', message: "Missing required parameter: 'metadata'." });
    expect((await client().conversations.retrieve(c.id)).metadata).toEqual({ topic: 'shipping' });
    expect((await client().conversations.update(c.id, { metadata: null })).metadata).toEqual({});
    expect(await error(await post(`/${c.id}/items`, '{}'))).toMatchObject({ status: 400, param: 'items', code: 'missing_required_parameter', message: "Missing required parameter: 'items'." });
    expect(await error(await post(`/${c.id}/items`, '{"items":null}'))).toMatchObject({ status: 400, param: 'items', code: 'invalid_type' });
    // A blank body is not JSON, as on every other POST route.
    for (const path of ['', `/${c.id}`, `/${c.id}/items`]) {
      expect(await error(await post(path, ' '))).toMatchObject({ status: 400, param: null, message: expect.stringContaining('We could not parse the JSON body') as string });
    }
    expect((await client().conversations.items.list(c.id)).data).toEqual([]);
  });

  it('a response in a conversation counts its items as input, then adds its input and output to it', async () => {
    const c = await client().conversations.create({ items: [{ type: 'message', role: 'user', content: 'My parcel number is 48213 and it left Lisbon on Monday.' }] });
    const alone = await client().responses.create({ model: MODEL, input: 'Where is it now?' });
    const counted = await client().responses.inputTokens.count({ model: MODEL, input: 'Where is it now?', conversation: c.id });
    const r = await client().responses.create({ model: MODEL, input: 'Where is it now?', conversation: c.id });
    expect(r.conversation).toEqual({ id: c.id });
    expect(r.usage!.input_tokens).toBe(counted.input_tokens);
    expect(r.usage!.input_tokens).toBeGreaterThan(alone.usage!.input_tokens + 10);
    const items = (await client().conversations.items.list(c.id, { order: 'asc' })).data;
    expect(items.map((i) => i.type)).toEqual(['message', 'message', 'message']);
    // The request's item has one id, in the conversation and in the response's input items.
    expect((await client().responses.inputItems.list(r.id)).data[0]!.id).toBe(items[1]!.id);
    expect(items[2]).toMatchObject({ id: r.output[0]!.id, role: 'assistant' });
    // The next turn reads all of it.
    const next = await client().responses.create({ model: MODEL, input: 'Thanks.', conversation: { id: c.id } });
    expect(next.usage!.input_tokens).toBeGreaterThan(r.usage!.input_tokens);
    await expect(client().responses.create({ model: MODEL, input: 'x', conversation: 'conv_missing' })).rejects.toMatchObject({ status: 404 });
    await expect(client().responses.create({ model: MODEL, input: 'x', conversation: 'chat-7' })).rejects.toMatchObject({ status: 400, error: { message: "Invalid 'conversation': 'chat-7'. Expected an ID that begins with 'conv_'." } });
    await expect(client().responses.create({ model: MODEL, input: 'x', conversation: c.id, previous_response_id: r.id })).rejects.toMatchObject({
      status: 400,
      code: 'mutually_exclusive_parameters',
      error: { message: "Mutually exclusive parameters. Ensure you are only providing one of: 'previous_response_id' or 'conversation'." },
    });
    expect(alone.conversation ?? null).toBeNull();
  });
});
