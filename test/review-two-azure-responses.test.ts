/**
 * Azure's Responses API keeps what it creates: `AzureOpenAI`'s responses.retrieve, inputItems.list,
 * cancel and delete call `/openai/responses/{id}…?api-version=…`, and an OpenAI client pointed at
 * Azure's v1 base URL calls `/openai/v1/responses/{id}…`. Both were 404 "Resource not found" for a
 * response the same routes had just created.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const sim = useSimulator({ logLevel: 'silent', speed: 0 });

describe('Azure Responses API, a stored response', () => {
  it('is retrieved, its input items listed and deleted with AzureOpenAI', async () => {
    const client = new AzureOpenAI({ endpoint: sim().url, apiKey: 'azure-key', apiVersion: '2025-04-01-preview', maxRetries: 0 });
    const created = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    const { data: got, response } = await client.responses.retrieve(created.id).withResponse();
    expect(got.id).toBe(created.id);
    expect(got.status).toBe('completed');
    expect(response.headers.get('apim-request-id')).toBeTruthy();
    const items = await client.responses.inputItems.list(created.id);
    expect(items.data.length).toBeGreaterThan(0);
    await client.responses.delete(created.id);
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('is retrieved on the v1 routes', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/openai/v1`, apiKey: 'azure-key', maxRetries: 0 });
    const created = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    expect((await client.responses.retrieve(created.id)).id).toBe(created.id);
    await client.responses.delete(created.id);
  });

  it('needs an api-version on the versioned route, as Azure\'s gateway does', async () => {
    const client = new AzureOpenAI({ endpoint: sim().url, apiKey: 'azure-key', apiVersion: '2025-04-01-preview', maxRetries: 0 });
    const created = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    const res = await fetch(`${sim().url}/openai/responses/${created.id}`, { headers: { 'api-key': 'azure-key' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
  });
});
