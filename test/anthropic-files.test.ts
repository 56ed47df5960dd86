/**
 * Anthropic's Files API through the official SDK against the real server: upload, metadata, list
 * (the GA cursor pages and the beta id pages), delete, the download an uploaded file refuses, and
 * `document` / `image` blocks that name a file in Messages and count_tokens; on one thread and
 * across two.
 */
import Anthropic, { BadRequestError, NotFoundError, toFile } from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { connect } from 'node:net';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cursorPage, cursorSeq } from '../src/server/anthropic/list-page.js';
import { rejection, useSimulator } from './fixtures/sim.js';

const MODEL = 'claude-sonnet-4-5';
const BETA = 'files-api-2025-04-14';
const TEXT = 'Parcels ship within two working days. Returns are accepted for thirty days after delivery, unopened, with the receipt.';

const textFile = (text: string, name = 'notes.txt') => toFile(Buffer.from(text), name, { type: 'text/plain' });

/** A user turn asking about `doc`: a document block of the file, or of the same text inline. */
function turn(doc: MessageParam['content'] extends infer C ? (C extends (infer B)[] ? B : never) : never): MessageParam[] {
  return [{ role: 'user', content: [doc, { type: 'text', text: 'How long do returns last?' }] }];
}
const fileDoc = (id: string) => turn({ type: 'document', source: { type: 'file', file_id: id } });
const inlineDoc = (text: string) => turn({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: text } });

describe('Anthropic list cursors', () => {
  const items = [5, 4, 3, 2, 1].map((seq) => ({ id: `file_${seq}`, seq, json: `"${seq}"` }));
  const page = (list: typeof items, after: number | undefined) => JSON.parse(cursorPage(list, after, 2)) as { data: string[]; next_page: string | null };

  it('continues after the place a page ended, even when the item there is gone', () => {
    const first = page(items, undefined);
    expect(first.data).toEqual(['5', '4']);
    const at = cursorSeq(first.next_page!);
    expect(at).toBe(4);
    expect(page(items, at).data).toEqual(['3', '2']);
    expect(page(items.filter((i) => i.seq !== 4), at).data).toEqual(['3', '2']);
    expect(page(items, 2)).toEqual({ data: ['1'], next_page: null });
    expect(cursorSeq('not-a-cursor')).toBeUndefined();
  });
});

describe('Anthropic files', () => {
  const sim = useSimulator({ seed: 5 });
  const client = () => new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
  const raw = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    fetch(`${sim().url}${path}`, { ...init, headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', ...init.headers } });

  it('uploads a file and reports its metadata as the API does, in the GA shape and the beta one', async () => {
    const before = Date.now();
    const f = await client().files.upload({ file: await textFile(TEXT) });
    expect(f.id).toMatch(/^file_011C[A-Za-z0-9]{20}$/);
    expect(f).toMatchObject({ type: 'file', filename: 'notes.txt', mime_type: 'text/plain', size_bytes: Buffer.byteLength(TEXT), downloadable: false, expires_at: null });
    expect(f.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Date.parse(f.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(await client().files.retrieveMetadata(f.id)).toEqual(f);
    // The beta header selects the beta shape: no expiry field.
    const beta = await client().beta.files.retrieveMetadata(f.id, { betas: [BETA] });
    expect(beta).toEqual({ id: f.id, type: 'file', filename: 'notes.txt', mime_type: 'text/plain', size_bytes: f.size_bytes, created_at: f.created_at, downloadable: false });
    const uploadedBeta = await client().beta.files.upload({ file: await textFile('x', 'dir/sub/report.txt'), betas: [BETA] });
    expect(uploadedBeta.filename).toBe('report.txt');
    expect(uploadedBeta).not.toHaveProperty('expires_at');
  });

  it('keeps an expiry asked for, and refuses one out of range', async () => {
    const f = await client().files.upload({ file: await textFile('short-lived'), expires_in_seconds: 3600 });
    expect(Date.parse(f.expires_at!) - Date.parse(f.created_at)).toBe(3600_000);
    const err = await rejection(client().files.upload({ file: await textFile('x'), expires_in_seconds: 60 }), BadRequestError);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
  });

  it('lists newest first, a page at a time, in both pagings', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await client().files.upload({ file: await textFile(`file ${i}`, `list-${i}.txt`) })).id);
    const newestFirst = [...mine].reverse();
    const ga: string[] = [];
    for await (const f of client().files.list({ limit: 2 })) ga.push(f.id);
    expect(ga.filter((id) => mine.includes(id))).toEqual(newestFirst);
    const firstPage = await client().files.list({ limit: 2 });
    expect(firstPage.data.map((f) => f.id)).toEqual(newestFirst.slice(0, 2));
    expect(firstPage.next_page).toMatch(/^page_/);
    // The beta header's pages (`after_id` from each page's `last_id`, as SDKs before 0.122 walk them).
    const beta: string[] = [];
    let query = 'limit=2';
    for (;;) {
      const page = (await (await raw(`/v1/files?${query}`, { headers: { 'anthropic-beta': BETA } })).json()) as { data: { id: string }[]; has_more: boolean; first_id: string; last_id: string };
      expect(page).not.toHaveProperty('next_page');
      if (beta.length === 0) expect(page).toMatchObject({ has_more: true, first_id: newestFirst[0], last_id: newestFirst[1] });
      beta.push(...page.data.map((f) => f.id));
      if (!page.has_more) break;
      query = `limit=2&after_id=${page.last_id}`;
    }
    expect(beta).toEqual(ga);
    const back = (await (await raw(`/v1/files?limit=2&before_id=${newestFirst[2]!}`, { headers: { 'anthropic-beta': BETA } })).json()) as { data: { id: string }[] };
    expect(back.data.map((f) => f.id)).toEqual(newestFirst.slice(0, 2));
    const picked = await client().files.list({ ids: [mine[1]!, mine[3]!, 'file_011Cnosuchfile0000000000'] });
    expect(picked.data.map((f) => f.id)).toEqual([mine[3], mine[1]]);
    expect(picked.next_page).toBeNull();
    const both = await raw(`/v1/files?ids[]=${mine[0]!}&limit=2`);
    expect(both.status).toBe(400);
  });

  it('deletes a file, which is then not found', async () => {
    const f = await client().files.upload({ file: await textFile('to delete') });
    expect(await client().files.delete(f.id)).toEqual({ id: f.id, type: 'file_deleted' });
    const err = await rejection(client().files.retrieveMetadata(f.id), NotFoundError);
    expect(err.status).toBe(404);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: `File not found: ${f.id}` } });
    await rejection(client().files.delete(f.id), NotFoundError);
  });

  it('refuses to download an uploaded file, as only files a tool wrote can be', async () => {
    const f = await client().files.upload({ file: await textFile(TEXT) });
    const err = await rejection(client().files.download(f.id), Anthropic.FileNotDownloadableError);
    expect(err.status).toBe(400);
    expect(err.errorCode).toBe('file_not_downloadable');
    await rejection(client().beta.files.download(f.id, { betas: [BETA] }), BadRequestError);
  });

  it('counts a document block naming a text file as its text, in Messages, a stream and count_tokens', async () => {
    const f = await client().files.upload({ file: await textFile(TEXT) });
    const inline = await client().messages.countTokens({ model: MODEL, messages: inlineDoc(TEXT) });
    const counted = await client().messages.countTokens({ model: MODEL, messages: fileDoc(f.id) });
    expect(counted.input_tokens).toBe(inline.input_tokens);
    const empty = await client().messages.countTokens({ model: MODEL, messages: inlineDoc('') });
    expect(counted.input_tokens - empty.input_tokens).toBeGreaterThanOrEqual(20);
    const message = await client().messages.create({ model: MODEL, max_tokens: 32, messages: fileDoc(f.id) });
    expect(message.usage.input_tokens).toBe(inline.input_tokens);
    const streamed = await client().messages.stream({ model: MODEL, max_tokens: 32, messages: fileDoc(f.id) }).finalMessage();
    expect(streamed.usage.input_tokens).toBe(inline.input_tokens);
    // The beta Messages API, with the header, reads the same file.
    const beta = await client().beta.messages.create({ model: MODEL, max_tokens: 16, messages: fileDoc(f.id), betas: [BETA] });
    expect(beta.usage.input_tokens).toBe(inline.input_tokens);
  });

  it('answers a block naming a missing file, or a file its block cannot take, with the API\'s errors', async () => {
    const missing = 'file_011CNha8iCJcU1wXNR6q4V8w';
    const err = await rejection(client().messages.create({ model: MODEL, max_tokens: 16, messages: fileDoc(missing) }), NotFoundError);
    expect(err.status).toBe(404);
    expect(err.type).toBe('not_found_error');
    expect(err.error).toMatchObject({ error: { message: `File not found: ${missing}` } });
    await rejection(client().messages.countTokens({ model: MODEL, messages: fileDoc(missing) }), NotFoundError);
    const f = await client().files.upload({ file: await textFile(TEXT) });
    const asImage = await rejection(client().messages.create({ model: MODEL, max_tokens: 16, messages: turn({ type: 'image', source: { type: 'file', file_id: f.id } }) }), BadRequestError);
    expect(asImage.status).toBe(400);
    expect(asImage.message).toContain('messages.0.content.0.image.source');
    // A container_upload block puts its file in the code execution container, not the prompt.
    const withContainer = await client().messages.countTokens({ model: MODEL, messages: turn({ type: 'container_upload', file_id: f.id }) });
    const without = await client().messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: 'How long do returns last?' }] }] });
    expect(withContainer.input_tokens).toBe(without.input_tokens);
    await rejection(client().messages.countTokens({ model: MODEL, messages: turn({ type: 'container_upload', file_id: missing }) }), NotFoundError);
  });

  it('reads a file in a message batch\'s requests as Messages does', async () => {
    const f = await client().files.upload({ file: await textFile(TEXT) });
    const inline = await client().messages.countTokens({ model: MODEL, messages: inlineDoc(TEXT) });
    const batch = await client().messages.batches.create({
      requests: [
        { custom_id: 'with-file', params: { model: MODEL, max_tokens: 16, messages: fileDoc(f.id) } },
        { custom_id: 'missing', params: { model: MODEL, max_tokens: 16, messages: fileDoc('file_011Cmissing0000000000') } },
      ],
    });
    await expect.poll(async () => (await client().messages.batches.retrieve(batch.id)).processing_status).toBe('ended');
    const results = new Map<string, unknown>();
    for await (const r of await client().messages.batches.results(batch.id)) results.set(r.custom_id, r.result);
    expect(results.get('with-file')).toMatchObject({ type: 'succeeded', message: { usage: { input_tokens: inline.input_tokens } } });
    expect(results.get('missing')).toMatchObject({ type: 'errored', error: { error: { type: 'not_found_error', message: 'File not found: file_011Cmissing0000000000' } } });
  });

  it('serves raw HTTP as the API does: either header set, bad bodies, unknown ids', async () => {
    // Without the beta header: the GA shapes (the Files API left beta); with it, the beta ones.
    const ga = (await (await raw('/v1/files?limit=1')).json()) as Record<string, unknown>;
    expect(Object.keys(ga).sort()).toEqual(['data', 'next_page']);
    const beta = (await (await raw('/v1/files?limit=1', { headers: { 'anthropic-beta': `other-beta,${BETA}` } })).json()) as Record<string, unknown>;
    expect(Object.keys(beta).sort()).toEqual(['data', 'first_id', 'has_more', 'last_id']);
    const notMultipart = await raw('/v1/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(notMultipart.status).toBe(400);
    expect(await notMultipart.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const broken = await raw('/v1/files', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XYZ' }, body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nno closing boundary' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { message: string } }).error.message).toContain('multipart');
    const form = new FormData();
    form.append('purpose', 'assistants');
    const noFile = await raw('/v1/files', { method: 'POST', body: form });
    expect(noFile.status).toBe(400);
    expect(await noFile.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'file: Field required' } });
    // A file with no name is kept as `unnamed` with its type's extension, and none for a type the table lacks.
    const nameless = async (type: string): Promise<unknown> => {
      const body = `--B\r\nContent-Disposition: form-data; name="file"; filename="dir/"\r\nContent-Type: ${type}\r\n\r\nhello\r\n--B--\r\n`;
      return ((await (await raw('/v1/files', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=B' }, body })).json()) as { filename: unknown }).filename;
    };
    expect(await nameless('text/plain')).toBe('unnamed.txt');
    expect(await nameless('constructor')).toBe('unnamed');
    for (const [method, path] of [['GET', '/v1/files/file_011Cunknown00000000000'], ['DELETE', '/v1/files/file_011Cunknown00000000000'], ['GET', '/v1/files/file_011Cunknown00000000000/content']] as const) {
      const r = await raw(path, { method });
      expect(r.status).toBe(404);
      expect(r.headers.get('request-id')).toMatch(/^req_011C/);
      expect(await r.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: 'File not found: file_011Cunknown00000000000' }, request_id: expect.stringMatching(/^req_/) });
    }
    // OpenAI's Files API keeps the path for requests without Anthropic's headers.
    const openai = await fetch(`${sim().url}/v1/files`, { headers: { authorization: 'Bearer sk-test' } });
    expect(await openai.json()).toMatchObject({ object: 'list' });
    // An OpenAI client behind a gateway that wants its own `x-api-key` (AWS API Gateway's header) is still OpenAI's.
    const gateway = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0, defaultHeaders: { 'x-api-key': 'gateway-key' } });
    const uploaded = await gateway.files.create({ file: await toFile(Buffer.from('{"a":1}\n'), 'in.jsonl'), purpose: 'batch' });
    expect(uploaded).toMatchObject({ object: 'file', purpose: 'batch', filename: 'in.jsonl' });
    expect((await gateway.files.retrieve(uploaded.id)).id).toBe(uploaded.id);
    const listed: string[] = [];
    for await (const f of gateway.files.list()) listed.push(f.id);
    expect(listed).toContain(uploaded.id);
  });
});

describe('Anthropic files over the body limit', () => {
  const sim = useSimulator({ bodyLimitBytes: 4096 });

  it('answers an upload over the limit with Anthropic\'s 413', async () => {
    // One write of the whole request over a raw socket, ended at once: the 413 comes as the body passes the limit.
    const body = `--B\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(8192)}\r\n--B--\r\n`;
    const head = `POST /v1/files HTTP/1.1\r\nHost: localhost\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\ncontent-type: multipart/form-data; boundary=B\r\ncontent-length: ${body.length}\r\n\r\n`;
    const { port } = new URL(sim().url);
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(head + body));
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('close', () => resolve(got));
      socket.on('error', (err) => (got === '' ? reject(err) : resolve(got)));
    });
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    expect(JSON.parse(text.slice(text.indexOf('{')))).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
  });
});

describe('Anthropic files with keys configured', () => {
  const sim = useSimulator({ apiKeys: ['good-key'] });

  it('refuses an upload and a read with a wrong key', async () => {
    const good = new Anthropic({ baseURL: sim().url, apiKey: 'good-key', maxRetries: 0 });
    const bad = new Anthropic({ baseURL: sim().url, apiKey: 'bad-key', maxRetries: 0 });
    const f = await good.files.upload({ file: await textFile('x') });
    expect((await rejection(bad.files.upload({ file: await textFile('x') }), Anthropic.AuthenticationError)).status).toBe(401);
    await rejection(bad.files.retrieveMetadata(f.id), Anthropic.AuthenticationError);
    await rejection(bad.files.list(), Anthropic.AuthenticationError);
  });
});

describe('Anthropic files across server threads', () => {
  const sim = useSimulator({ threads: 2, seed: 12 });
  // `connection: close`: a new connection per request, spread over the threads by the kernel.
  const client = () => new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0, defaultHeaders: { connection: 'close' } });
  const SPREAD = 12;
  const times = <T>(n: number, fn: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, fn));

  it('finds a file from any thread, to read, list, count, answer with and delete', async () => {
    const f = await client().files.upload({ file: await textFile(TEXT) });
    const got = await times(SPREAD, () => client().files.retrieveMetadata(f.id));
    expect(got.every((g) => g.id === f.id && g.size_bytes === f.size_bytes)).toBe(true);
    const inline = await client().messages.countTokens({ model: MODEL, messages: inlineDoc(TEXT) });
    const counts = await times(SPREAD, async () => (await client().messages.countTokens({ model: MODEL, messages: fileDoc(f.id) })).input_tokens);
    expect(counts).toEqual(Array(SPREAD).fill(inline.input_tokens));
    const answers = await times(SPREAD, () => client().messages.create({ model: MODEL, max_tokens: 16, messages: fileDoc(f.id) }));
    expect(answers.map((m) => m.usage.input_tokens)).toEqual(Array(SPREAD).fill(inline.input_tokens));
    const listed = await times(4, async () => {
      const ids: string[] = [];
      for await (const x of client().files.list()) ids.push(x.id);
      return ids;
    });
    expect(listed.every((ids) => ids.includes(f.id))).toBe(true);
    const downloads = await times(4, () => client().files.download(f.id).then(() => 200, (err: { status: number }) => err.status));
    expect(downloads).toEqual(Array(4).fill(400));
    await client().files.delete(f.id);
    const gone = await times(SPREAD, () => client().files.retrieveMetadata(f.id).then(() => 200, (err: { status: number }) => err.status));
    expect(gone).toEqual(Array(SPREAD).fill(404));
    const missing = await times(SPREAD, () => client().messages.create({ model: MODEL, max_tokens: 16, messages: fileDoc(f.id) }).then(() => 200, (err: { status: number }) => err.status));
    expect(missing).toEqual(Array(SPREAD).fill(404));
  });

  it('reads another thread\'s file in a message batch\'s requests, in order, as Messages does', async () => {
    const f = await client().files.upload({ file: await textFile(TEXT) });
    const inline = await client().messages.countTokens({ model: MODEL, messages: inlineDoc(TEXT) });
    const plain = await client().messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }] });
    // Batches created over new connections land on both threads; on the one that does not hold
    // the file, its requests wait for the owner's answer and the rest of the batch waits behind them.
    const batches = await times(SPREAD, () =>
      client().messages.batches.create({
        requests: [
          { custom_id: 'first', params: { model: MODEL, max_tokens: 16, messages: fileDoc(f.id) } },
          { custom_id: 'plain', params: { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] } },
          { custom_id: 'missing', params: { model: MODEL, max_tokens: 16, messages: fileDoc('file_011Cmissing0000000000') } },
          { custom_id: 'last', params: { model: MODEL, max_tokens: 16, messages: fileDoc(f.id) } },
        ],
      }),
    );
    for (const batch of batches) {
      await expect.poll(async () => (await client().messages.batches.retrieve(batch.id)).processing_status).toBe('ended');
      const results: { custom_id: string; result: unknown }[] = [];
      for await (const r of await client().messages.batches.results(batch.id)) results.push(r);
      expect(results.map((r) => r.custom_id)).toEqual(['first', 'plain', 'missing', 'last']);
      expect(results[0]!.result).toMatchObject({ type: 'succeeded', message: { usage: { input_tokens: inline.input_tokens } } });
      expect(results[1]!.result).toMatchObject({ type: 'succeeded', message: { usage: { input_tokens: plain.input_tokens } } });
      expect(results[2]!.result).toMatchObject({ type: 'errored', error: { error: { type: 'not_found_error' } } });
      expect(results[3]!.result).toMatchObject({ type: 'succeeded', message: { usage: { input_tokens: inline.input_tokens } } });
    }
  });
});
