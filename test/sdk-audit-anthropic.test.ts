/**
 * Less-travelled paths of `@anthropic-ai/sdk` against the real server, held to what the SDK's
 * own documentation says the API does.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

describe('Anthropic models.list', () => {
  const sim = useSimulator();
  const client = (): Anthropic => new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });

  // The SDK's docs for models.list: "More recently released models are listed first."
  it('lists the most recently released models first, across pages', async () => {
    const listed: { id: string; created: string }[] = [];
    for await (const m of client().models.list({ limit: 1 })) listed.push({ id: m.id, created: m.created_at });
    expect(listed.length).toBeGreaterThan(2);
    const newestFirst = [...listed].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    expect(listed.map((m) => m.created)).toEqual(newestFirst.map((m) => m.created));
    // Fable 5.2 and Mythos 5.2 (2026-11-09) are the newest with a known release date; a tie goes by id.
    expect(listed[0]!.id).toBe('claude-fable-5-2');
  });

  it('pages backwards from before_id in the same order', async () => {
    const all: string[] = [];
    for await (const m of client().models.list()) all.push(m.id);
    const last = all[all.length - 1]!;
    const before = await client().models.list({ before_id: last, limit: 2 });
    expect(before.data.map((m) => m.id)).toEqual(all.slice(-3, -1));
  });
});

describe('Anthropic request checks the API makes', () => {
  const sim = useSimulator();
  const client = (): Anthropic => new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });
  const base = { model: 'claude-haiku-4-5', max_tokens: 2000, messages: [{ role: 'user' as const, content: 'Hi' }] };

  async function refusal(params: Anthropic.MessageCreateParamsNonStreaming): Promise<string> {
    const err = await rejection(client().messages.create(params), Anthropic.BadRequestError);
    expect(err.status).toBe(400);
    return (err.error as { error: { type: string; message: string } }).error.message;
  }

  // As the API answers (BerriAI/litellm#3286, MegaGrindStone/mcp-web-ui#5): a newline, the usual
  // stop sequence carried over from OpenAI code, is refused, not ignored.
  it('refuses a whitespace-only stop sequence and an empty one, streamed or not', async () => {
    expect(await refusal({ ...base, stop_sequences: ['END', '\n'] })).toBe('stop_sequences: each stop sequence must contain non-whitespace');
    expect(await refusal({ ...base, stop_sequences: [' \t'] })).toBe('stop_sequences: each stop sequence must contain non-whitespace');
    expect(await refusal({ ...base, stop_sequences: ['', '\n'] })).toBe('stop_sequences: each stop sequence must be non-empty');
    await rejection(client().messages.stream({ ...base, stop_sequences: ['\n\n'] }).finalMessage(), Anthropic.BadRequestError);
    const ok = await client().messages.create({ ...base, max_tokens: 50, stop_sequences: ['\nEND\n'] });
    expect(ok.type).toBe('message');
  });

  // As the API answers (quarkiverse/quarkus-langchain4j#1812, danny-avila/LibreChat#6023).
  it('refuses top_k with extended thinking', async () => {
    // The SDK's types dropped the sampling fields; LangChain and older SDKs still send top_k.
    const topK = { ...base, top_k: 40 };
    expect(await refusal({ ...topK, thinking: { type: 'enabled', budget_tokens: 1024 } })).toBe(
      '`top_k` must be unset when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking',
    );
    const ok = await client().messages.create(topK);
    expect(ok.type).toBe('message');
  });
});

describe('Anthropic structured outputs (output_config.format)', () => {
  const sim = useSimulator();
  const client = (): Anthropic => new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });
  const base = { model: 'claude-sonnet-4-6', max_tokens: 200, messages: [{ role: 'user' as const, content: 'Hi' }] };
  const format = (schema: Record<string, unknown>) => ({ output_config: { format: { type: 'json_schema' as const, schema } } });

  // As the API answers (veryfront/veryfront-code#3918, ax-llm/ax#458): every object in the schema
  // must close itself, with no strict flag to opt out, unlike OpenAI's non-strict json_schema.
  it('refuses an object schema that does not set additionalProperties: false, at any depth', async () => {
    const message = "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false";
    for (const schema of [
      { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      { type: 'object', properties: { user: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } }, required: ['user'], additionalProperties: false },
      { type: 'object', properties: { list: { type: 'array', items: { type: 'object', properties: {}, additionalProperties: true } } }, required: ['list'], additionalProperties: false },
    ]) {
      const err = await rejection(client().messages.create({ ...base, ...format(schema) }), Anthropic.BadRequestError);
      expect((err.error as { error: { message: string } }).error.message).toBe(message);
    }
    const closed = { type: 'object', properties: { user: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false } }, required: ['user'], additionalProperties: false };
    const ok = await client().messages.create({ ...base, ...format(closed) });
    expect(JSON.parse((ok.content[0] as Anthropic.TextBlock).text)).toHaveProperty('user');
  });
});
