/**
 * Browsers: a preflight on any path is allowed, and a request that carries Origin gets
 * `access-control-allow-origin: *`, as the providers answer; Anthropic refuses a browser's request
 * that has not opted in with `anthropic-dangerous-direct-browser-access`.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

const ORIGIN = 'http://localhost:5173';

describe('CORS', () => {
  const sim = useSimulator();

  it('allows a preflight for any route, naming Authorization and every method', async () => {
    for (const path of ['/v1/chat/completions', '/v1/messages', '/v1beta/models/gemini-2.5-flash:streamGenerateContent']) {
      const res = await fetch(`${sim().url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')!.split(/,\s*/)).toEqual(expect.arrayContaining(['*', 'authorization']));
      expect(await res.text()).toBe('');
    }
  });

  it('lets a browser read OpenAI and Gemini replies, streamed and not; other clients get no CORS header', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0, dangerouslyAllowBrowser: true, defaultHeaders: { origin: ORIGIN } });
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    // Every header readable from the page: retry-after, the rate limits, the ground truth.
    expect(response.headers.get('access-control-expose-headers')!.split(/,\s*/)).toContain('*');
    const { response: streamed } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    expect(streamed.headers.get('access-control-allow-origin')).toBe('*');
    const gemini = await fetch(`${sim().url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(gemini.status).toBe(200);
    expect(gemini.headers.get('access-control-allow-origin')).toBe('*');
    const plain = await new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(plain.response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps the admin API from browsers: a page cannot load a scenario into a simulator on loopback', async () => {
    const load = (headers: Record<string, string>) =>
      fetch(`${sim().url}/_understudy/scenario`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'rate-limit-storm' }) });
    const fromPage = await load({ origin: ORIGIN });
    expect(fromPage.status).toBe(403);
    expect(await fromPage.json()).toMatchObject({ error: { code: 'admin_browser' } });
    expect((await fetch(`${sim().url}/_understudy/scenario`)).status).toBe(200);
    expect(((await (await fetch(`${sim().url}/_understudy/scenario`)).json()) as { scenario: unknown }).scenario).toBeNull();
  });

  it('refuses an Anthropic request from a browser that has not opted in, and serves one that has', async () => {
    const params = { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] };
    const bare = new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0, defaultHeaders: { origin: ORIGIN } });
    const err = await rejection(bare.messages.create(params), Anthropic.AuthenticationError);
    expect(err.error).toEqual({ type: 'error', error: { type: 'authentication_error', message: "CORS requests must set 'anthropic-dangerous-direct-browser-access' header" }, request_id: expect.any(String) });
    // The SDK sends the opt-in when built for the browser.
    const browser = new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0, dangerouslyAllowBrowser: true, defaultHeaders: { origin: ORIGIN } });
    const { data, response } = await browser.messages.create(params).withResponse();
    expect(data.type).toBe('message');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});
