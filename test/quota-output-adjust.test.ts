/**
 * Anthropic's output-token limit charges max_tokens when a request starts and corrects the charge
 * to the output actually produced when it ends ("OTPM rate limits are estimated based on
 * max_tokens at the beginning of each request, and the estimate is adjusted at the end of the
 * request to reflect the actual number of output tokens used"). OpenAI's and Gemini's charges are
 * not corrected.
 *
 * 60 output tokens a minute refill one a second, so a test's requests all fall within one refill
 * and the remaining counts are exact: 60, less what finished requests produced, less what running
 * ones reserved.
 */
import { connect } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { metric, oneProfileFile, useSimulator } from './fixtures/sim.js';

// One token per stream event, so a fault after 5 tokens has sent exactly 5.
const sim = useSimulator({ logLevel: 'silent', profiles: oneProfileFile(10, 5) });

/** A corpus answer of 13 tokens: well under max_tokens, so most of the reservation goes back. */
const SHORT_ENTRY = 'claude-haiku-4-5-text-011';
const MODEL = 'claude-haiku-4-5';
const MAX_TOKENS = 30;
const OTPM = 60;

async function setQuota(table: unknown): Promise<void> {
  const r = await fetch(`${sim().url}/_understudy/quota`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(table) });
  expect(r.status).toBe(200);
}

let keys = 0;
/** A key no earlier request charged, so its buckets start full. */
const freshKey = (): string => `sk-otpm-${++keys}`;

function message(key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim().url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01', 'x-understudy-entry': SHORT_ENTRY, ...headers },
    body: JSON.stringify({ model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
}

/**
 * Sends a request whose answer starts in 5 s on a socket of its own and leaves once it is written:
 * the server reads the request before the close behind it, so it was admitted; resolves once the
 * server has counted the disconnect.
 */
async function sendAndLeave(key: string, extra: Record<string, unknown>): Promise<void> {
  const before = await metric(sim(), 'understudy_errors_total{kind="client_disconnect"}');
  const body = JSON.stringify({ model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }], ...extra });
  const head = ['POST /v1/messages HTTP/1.1', 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, `x-api-key: ${key}`, 'anthropic-version: 2023-06-01', `x-understudy-entry: ${SHORT_ENTRY}`, 'x-understudy-ttft-ms: 5000'];
  await new Promise<void>((resolve, reject) => {
    const socket = connect(sim().port, '127.0.0.1', () => socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => resolve()));
    socket.on('error', reject);
    socket.resume();
  });
  await expect.poll(() => metric(sim(), 'understudy_errors_total{kind="client_disconnect"}'), { timeout: 5000 }).toBe(before + 1);
}

const outputRemaining = (r: Response): number => Number(r.headers.get('anthropic-ratelimit-output-tokens-remaining'));

async function outputTokens(r: Response): Promise<number> {
  expect(r.status).toBe(200);
  const n = ((await r.json()) as { usage: { output_tokens: number } }).usage.output_tokens;
  expect(n).toBeLessThan(MAX_TOKENS);
  return n;
}

describe('Anthropic output tokens per minute', () => {
  it('charge max_tokens while a reply is generated, then only the output it produced', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000, outputTokensPerMinute: OTPM } });
    const key = freshKey();
    const first = await message(key);
    // The response's own headers show the reservation: they go out before the answer ends.
    expect(outputRemaining(first)).toBe(OTPM - MAX_TOKENS);
    const used1 = await outputTokens(first);

    const second = await message(key);
    expect(outputRemaining(second)).toBe(OTPM - used1 - MAX_TOKENS);
    // Without the limit of its own, anthropic-ratelimit-tokens-* is the output limit here.
    expect(Number(second.headers.get('anthropic-ratelimit-tokens-remaining'))).toBe(OTPM - used1 - MAX_TOKENS);
    // Full again once the two answers' output and this reservation have refilled, a second a token.
    const resetMs = Date.parse(second.headers.get('anthropic-ratelimit-output-tokens-reset')!) - Date.now();
    expect(Math.abs(resetMs - (used1 + MAX_TOKENS) * 1000)).toBeLessThan(2000);
    const used2 = await outputTokens(second);

    // Charged max_tokens for good, the third would not fit (60 - 30 - 30 = 0 left).
    const third = await message(key);
    expect(third.status).toBe(200);
    expect(outputRemaining(third)).toBe(OTPM - used1 - used2 - MAX_TOKENS);
    await third.arrayBuffer();
  });

  it('give back the unused reservation when a stream read with the SDK ends', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000, outputTokensPerMinute: OTPM } });
    const client = new Anthropic({ baseURL: sim().url, apiKey: freshKey(), maxRetries: 0, defaultHeaders: { 'x-understudy-entry': SHORT_ENTRY } });
    const params = { model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: 'user' as const, content: 'hi' }] };
    const first = client.messages.stream(params);
    const used = (await first.finalMessage()).usage.output_tokens;
    expect(used).toBeLessThan(MAX_TOKENS);

    const { response } = await client.messages.create(params).withResponse();
    expect(outputRemaining(response)).toBe(OTPM - used - MAX_TOKENS);
  });

  it('hold the whole reservation while a stream is still running', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000, outputTokensPerMinute: OTPM } });
    const key = freshKey();
    // Its headers go out on accept; its first token 300 ms later.
    const running = await message(key, { stream: true }, { 'x-understudy-ttft-ms': '300' });
    expect(outputRemaining(running)).toBe(OTPM - MAX_TOKENS);
    const meanwhile = await message(key);
    expect(outputRemaining(meanwhile)).toBe(0);
    const used1 = await outputTokens(meanwhile);
    const events = await running.text();
    const used2 = Number(/"output_tokens":(\d+)\}\}/.exec(events.slice(events.lastIndexOf('"message_delta"')))![1]);

    const after = await message(key);
    expect(outputRemaining(after)).toBe(OTPM - used1 - used2 - MAX_TOKENS);
    await after.arrayBuffer();
  });

  it('charge a stream the client left only what it was sent, and a held reply its whole answer', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000, outputTokensPerMinute: OTPM } });
    const key = freshKey();
    // Left before its first token: nothing was produced, the whole reservation goes back.
    await sendAndLeave(key, { stream: true });
    const afterStream = await message(key);
    expect(outputRemaining(afterStream)).toBe(OTPM - MAX_TOKENS);
    const used = await outputTokens(afterStream);

    // A non-streaming answer was drawn whole when admitted: leaving does not take it back.
    const key2 = freshKey();
    await sendAndLeave(key2, {});
    const afterHeld = await message(key2);
    expect(outputRemaining(afterHeld)).toBe(OTPM - used - MAX_TOKENS);
    await afterHeld.arrayBuffer();
  });

  it('charge a stream cut by a fault the tokens it sent', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000, outputTokensPerMinute: OTPM } });
    const key = freshKey();
    const cut = await message(key, { stream: true }, { 'x-understudy-fault': 'disconnect_after_tokens' });
    expect(outputRemaining(cut)).toBe(OTPM - MAX_TOKENS);
    await cut.text().catch(() => '');
    // The fault strikes after 5 tokens, one an event.
    const after = await message(key);
    expect(outputRemaining(after)).toBe(OTPM - 5 - MAX_TOKENS);
    await after.arrayBuffer();
  });

  it('correct a tokensPerMinute limit on Claude models too, input kept and output corrected', async () => {
    const TPM = 120;
    await setQuota({ defaults: { requestsPerMinute: 1000, tokensPerMinute: TPM } });
    const key = freshKey();
    const first = await message(key);
    const body = (await first.json()) as { usage: { input_tokens: number; output_tokens: number } };
    const { input_tokens: input, output_tokens: output } = body.usage;
    expect(Number(first.headers.get('anthropic-ratelimit-tokens-remaining'))).toBe(TPM - input - MAX_TOKENS);
    const second = await message(key);
    expect(Number(second.headers.get('anthropic-ratelimit-tokens-remaining'))).toBe(TPM - input - output - input - MAX_TOKENS);
    await second.arrayBuffer();
  });
});

describe('OpenAI tokens per minute', () => {
  it('keep charging max_tokens after the answer ends, as OpenAI counts it', async () => {
    const TPM = 120;
    await setQuota({ defaults: { requestsPerMinute: 1000, tokensPerMinute: TPM } });
    const key = freshKey();
    const chat = (): Promise<Response> =>
      fetch(`${sim().url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
      });
    const first = await chat();
    const prompt = ((await first.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBe(TPM - prompt - 20);
    const second = await chat();
    expect(Number(second.headers.get('x-ratelimit-remaining-tokens'))).toBe(TPM - 2 * (prompt + 20));
    await second.arrayBuffer();
  });
});
