/**
 * Gemini's Files API through `@google/genai`'s `ai.files` against the real server: the resumable
 * upload (one request, and 8 MiB chunks), get, list, delete, and `fileData` parts in
 * generateContent and countTokens, on one thread and across two.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { createPartFromUri, GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { fileOwner } from '../src/server/gemini/files.js';
import { apiError } from './fixtures/gemini.js';
import { useSimulator } from './fixtures/sim.js';

const MODEL = 'gemini-2.5-flash';


describe('Gemini files', () => {
  const sim = useSimulator({ seed: 5 });
  const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
  const upload = (text: string, config: Record<string, unknown> = {}) => ai().files.upload({ file: new Blob([text], { type: 'text/plain' }), config });

  it('uploads a file and reports it as the API does', async () => {
    const text = 'The carrier delivers parcels within five working days.';
    const before = Date.now();
    const file = await upload(text, { displayName: 'terms' });
    expect(file.name).toMatch(/^files\/[a-z0-9]{12}$/);
    expect(file).toMatchObject({ displayName: 'terms', mimeType: 'text/plain', sizeBytes: String(Buffer.byteLength(text)), state: 'ACTIVE', source: 'UPLOADED' });
    expect(file.uri).toBe(`https://generativelanguage.googleapis.com/v1beta/${file.name}`);
    // Base64 of the hex digest, as the API reports it.
    expect(file.sha256Hash).toBe(Buffer.from(createHash('sha256').update(text).digest('hex')).toString('base64'));
    const expires = Date.parse(file.expirationTime!);
    expect(expires - before).toBeGreaterThanOrEqual(48 * 3600_000 - 1000);
    expect(expires - before).toBeLessThanOrEqual(48 * 3600_000 + 5000);
    expect(await ai().files.get({ name: file.name! })).toEqual(file);
    // The SDK also takes the bare id.
    expect((await ai().files.get({ name: file.name!.slice('files/'.length) })).name).toBe(file.name);
  });

  it('takes a file in 8 MiB chunks, each at its offset, and keeps every byte', async () => {
    const bytes = Buffer.alloc(9 * 1024 * 1024 + 123);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
    const file = await ai().files.upload({ file: new Blob([bytes], { type: 'application/octet-stream' }) });
    expect(file.sizeBytes).toBe(String(bytes.length));
    expect(file.sha256Hash).toBe(Buffer.from(createHash('sha256').update(bytes).digest('hex')).toString('base64'));
  });

  it('keeps a name the client chose, and refuses one the API would not take', async () => {
    const file = await upload('named', { name: 'my-notes-1' });
    expect(file.name).toBe('files/my-notes-1');
    const again = await apiError(upload('named', { name: 'my-notes-1' }));
    expect(again).toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
    const bad = await apiError(upload('named', { name: 'Bad_Name' }));
    expect(bad.status).toBe(400);
    expect(bad.message).toContain('File resource name may only contain lowercase alphanumeric characters or dashes');
  });

  it('lists files page by page, oldest first, and forgets a deleted one', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await upload(`page ${i}`, { displayName: `p${i}` })).name!);
    const names: string[] = [];
    for await (const f of await ai().files.list({ config: { pageSize: 2 } })) names.push(f.name!);
    expect(names.filter((n) => made.includes(n))).toEqual(made);
    await ai().files.delete({ name: made[1]! });
    const gone = await apiError(ai().files.get({ name: made[1]! }));
    const id = made[1]!.slice('files/'.length);
    expect(gone).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: `You do not have permission to access the File ${id} or it may not exist.` });
    expect(await apiError(ai().files.delete({ name: made[1]! }))).toMatchObject({ status: 403 });
    const after: string[] = [];
    for await (const f of await ai().files.list()) after.push(f.name!);
    expect(after).not.toContain(made[1]);
    expect(after).toContain(made[2]);
  });

  it('answers a generate request on an uploaded file, and the API\'s 403 for one that does not exist', async () => {
    const file = await upload('A short contract about parcels.');
    const ask = (uri: string) => ai().models.generateContent({ model: MODEL, contents: [{ role: 'user', parts: [createPartFromUri(uri, 'text/plain'), { text: 'Summarize it.' }] }] });
    const r = await ask(file.uri!);
    expect(r.text!.length).toBeGreaterThan(0);
    const missing = await apiError(ask('https://generativelanguage.googleapis.com/v1beta/files/nosuchfile12'));
    expect(missing).toMatchObject({ status: 403, code: 'PERMISSION_DENIED', message: 'You do not have permission to access the File nosuchfile12 or it may not exist.' });
    // Streamed and counted alike.
    const stream = ai().models.generateContentStream({ model: MODEL, contents: [{ role: 'user', parts: [createPartFromUri('https://generativelanguage.googleapis.com/v1beta/files/nosuchfile12', 'text/plain')] }] });
    expect(await apiError(stream)).toMatchObject({ status: 403 });
    const counted = await ai().models.countTokens({ model: MODEL, contents: [{ role: 'user', parts: [createPartFromUri(file.uri!, 'text/plain')] }] });
    expect(counted.totalTokens).toBeGreaterThan(0);
    expect(await apiError(ai().models.countTokens({ model: MODEL, contents: [{ role: 'user', parts: [createPartFromUri('https://generativelanguage.googleapis.com/v1beta/files/gone', 'text/plain')] }] }))).toMatchObject({ status: 403 });
    // A public URL is not this API's file, even with a path like one: left to the model, as before.
    for (const uri of ['https://example.com/report.pdf', 'https://cdn.example.com/v1beta/files/report']) {
      const url = await ai().models.generateContent({ model: MODEL, contents: [{ role: 'user', parts: [createPartFromUri(uri, 'application/pdf')] }] });
      expect(url.text!.length).toBeGreaterThan(0);
    }
    // On the API's host (or this server's), any id that is not a live file is the 403, in any form.
    for (const uri of ['https://generativelanguage.googleapis.com/v1beta/files/NoSuchFile', 'https://generativelanguage.googleapis.com/v1beta/files/gone1?alt=media', `${sim().url}/v1beta/files/gone2`]) {
      expect(await apiError(ask(uri)).catch((e: Error) => ({ status: 0, message: `${uri}: ${e.message}` }))).toMatchObject({ status: 403 });
    }
    // Escaped slashes (PHP's default) are still JSON for the same URI.
    const escaped = await fetch(`${sim().url}/v1beta/models/${MODEL}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: '{"contents":[{"role":"user","parts":[{"fileData":{"fileUri":"https:\\/\\/generativelanguage.googleapis.com\\/v1beta\\/files\\/gone3","mimeType":"text/plain"}}]}]}',
    });
    expect(escaped.status).toBe(403);
    // A request may name at most 3,000 files, and naming more is answered at once.
    const many = Array.from({ length: 3001 }, (_, i) => createPartFromUri(`https://generativelanguage.googleapis.com/v1beta/files/f${i}`, 'text/plain'));
    expect(await apiError(ai().models.countTokens({ model: MODEL, contents: [{ role: 'user', parts: many }] }))).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
  });

  it('counts what a file holds: the text of a text file, 258 tokens a PDF page, an image as one media part', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `Clause ${i}: parcels arrive within five working days.`).join('\n');
    const asText = await ai().models.countTokens({ model: MODEL, contents: [{ role: 'user', parts: [{ text }] }] });
    const doc = await upload(text);
    const part = (uri: string, mimeType: string) => [{ role: 'user', parts: [createPartFromUri(uri, mimeType)] }];
    const counted = await ai().models.countTokens({ model: MODEL, contents: part(doc.uri!, 'text/plain') });
    expect(counted.totalTokens).toBe(asText.totalTokens);
    expect(counted.totalTokens).toBeGreaterThan(400);
    const r = await ai().models.generateContent({ model: MODEL, contents: part(doc.uri!, 'text/plain') });
    expect(r.usageMetadata!.promptTokenCount).toBe(asText.totalTokens);
    expect(r.usageMetadata!.promptTokensDetails).toEqual([{ modality: 'TEXT', tokenCount: asText.totalTokens }]);
    const pdfBytes = '%PDF-1.4\n1 0 obj << /Type /Pages /Count 3 >> endobj\n' + [2, 3, 4].map((n) => `${n} 0 obj << /Type /Page /Parent 1 0 R >> endobj\n`).join('') + '%%EOF\n';
    const pdf = await ai().files.upload({ file: new Blob([pdfBytes], { type: 'application/pdf' }) });
    const pdfCount = await ai().models.countTokens({ model: MODEL, contents: part(pdf.uri!, 'application/pdf') });
    expect(pdfCount.totalTokens).toBe(3 * 258);
    const image = await ai().files.upload({ file: new Blob([Buffer.from([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }) });
    const imageUse = await ai().models.generateContent({ model: MODEL, contents: part(image.uri!, 'image/png') });
    expect(imageUse.usageMetadata!.promptTokensDetails).toEqual([{ modality: 'IMAGE', tokenCount: 258 }]);
  });

  it('counts a file named by a URI on this server\'s own host, whatever the Host header says', async () => {
    const text = 'word '.repeat(2000);
    const doc = await upload(text, { name: 'hostdoc' });
    // fetch may not set Host; node:http sends the one given, as a proxy in front of the simulator would.
    const count = (uri: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ fileData: { fileUri: uri, mimeType: 'text/plain' } }] }] });
        const req = request(`${sim().url}/v1beta/models/${MODEL}:countTokens`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k', host: 'Sim.Internal:9000', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve((JSON.parse(text) as { totalTokens: number }).totalTokens));
        });
        req.on('error', reject);
        req.end(body);
      });
    const whole = await count(doc.uri!);
    expect(whole).toBeGreaterThan(1000);
    expect(await count('http://sim.internal:9000/v1beta/files/hostdoc')).toBe(whole);
  });

  it('caches an uploaded document, as the caching docs do, counting what it holds', async () => {
    const text = Array.from({ length: 150 }, (_, i) => `Clause ${i}: the carrier delivers parcels within five working days unless the sender chose express.`).join('\n');
    const doc = await upload(text);
    const part = createPartFromUri(doc.uri!, 'text/plain');
    const asText = await ai().models.countTokens({ model: MODEL, contents: [{ role: 'user', parts: [{ text }] }] });
    // As one media part it would be under Flash's 1,024-token minimum.
    const cache = await ai().caches.create({ model: MODEL, config: { contents: [{ role: 'user', parts: [part] }] } });
    expect(cache.usageMetadata!.totalTokenCount).toBe(asText.totalTokens);
    const r = await ai().models.generateContent({ model: MODEL, contents: 'How fast?', config: { cachedContent: cache.name! } });
    expect(r.usageMetadata!.cachedContentTokenCount).toBe(asText.totalTokens);
    expect(r.usageMetadata!.promptTokenCount).toBeGreaterThan(asText.totalTokens!);
    const missing = await apiError(ai().caches.create({ model: MODEL, config: { contents: [{ role: 'user', parts: [createPartFromUri('https://generativelanguage.googleapis.com/v1beta/files/nosuchfile99', 'text/plain')] }] } }));
    expect(missing).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
  });

  it('answers the upload protocol by hand: query, a wrong offset, cancel, and a start without the resumable headers', async () => {
    const base = sim().url;
    const start = await fetch(`${base}/upload/v1beta/files`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'k', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'x-goog-upload-header-content-type': 'text/csv', 'content-type': 'application/json' },
      body: JSON.stringify({ file: { displayName: 'by hand' } }),
    });
    expect(start.status).toBe(200);
    expect(start.headers.get('x-goog-upload-status')).toBe('active');
    const url = new URL(start.headers.get('x-goog-upload-url')!);
    expect(url.pathname).toBe('/upload/v1beta/files');
    expect(url.searchParams.get('upload_protocol')).toBe('resumable');
    const at = `${base}${url.pathname}${url.search}`;
    const send = (command: string, body?: string, offset?: number) =>
      fetch(at, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'x-goog-upload-command': command, ...(offset === undefined ? {} : { 'x-goog-upload-offset': String(offset) }) }, ...(body === undefined ? {} : { body }) });
    const first = await send('upload', 'a,b\n', 0);
    expect(first.headers.get('x-goog-upload-status')).toBe('active');
    expect(first.headers.get('x-goog-upload-size-received')).toBe('4');
    expect((await send('upload', '1,2\n', 0)).status).toBe(400);
    const query = await send('query');
    expect(query.headers.get('x-goog-upload-size-received')).toBe('4');
    const done = await send('upload, finalize', '1,2\n', 4);
    expect(done.headers.get('x-goog-upload-status')).toBe('final');
    const { file } = (await done.json()) as { file: { mimeType: string; sizeBytes: string; displayName: string } };
    // The type the start's header gave, as no metadata named one.
    expect(file).toMatchObject({ mimeType: 'text/csv', sizeBytes: '8', displayName: 'by hand' });
    expect((await send('upload', 'more', 8)).status).toBe(400);

    // Two sessions for one name: the first to finish has it, the second gets 409.
    const startNamed = async (): Promise<string> => {
      const r = await fetch(`${base}/upload/v1beta/files`, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' }, body: "{'file': {'name': 'files/dup-doc', 'display_name': 'single quotes, as Google\\'s curl sample sends'}}" });
      expect(r.status).toBe(200);
      const u = new URL(r.headers.get('x-goog-upload-url')!);
      return `${base}${u.pathname}${u.search}`;
    };
    const [one, two] = [await startNamed(), await startNamed()];
    const finish = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' }, body });
    expect((await finish(one, 'abcd')).status).toBe(200);
    const second = await finish(two, 'abcdefgh');
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { status: string } }).error.status).toBe('ALREADY_EXISTS');
    const kept = (await (await fetch(`${base}/v1beta/files/dup-doc`, { headers: { 'x-goog-api-key': 'k' } })).json()) as { sizeBytes: string };
    expect(kept.sizeBytes).toBe('4');

    // Commands and offsets the protocol does not have.
    const freshStart = await fetch(`${base}/upload/v1beta/files`, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' } });
    const freshAt = new URL(freshStart.headers.get('x-goog-upload-url')!);
    const fresh = `${base}${freshAt.pathname}${freshAt.search}`;
    for (const [command, offset] of [['', '0'], ['upload, explode', '0'], ['upload', '0x0'], ['upload', '-0'], ['upload', '1e0']]) {
      const r = await fetch(fresh, { method: 'POST', headers: { 'x-goog-upload-command': command!, 'x-goog-upload-offset': offset! }, body: 'x' });
      expect(r.status, `${command} at ${offset}`).toBe(400);
    }

    const other = await fetch(`${base}/upload/v1beta/files`, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' } });
    const otherAt = new URL(other.headers.get('x-goog-upload-url')!);
    const cancel = await fetch(`${base}${otherAt.pathname}${otherAt.search}`, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'x-goog-upload-command': 'cancel' } });
    expect(cancel.headers.get('x-goog-upload-status')).toBe('cancelled');

    const plain = await fetch(`${base}/upload/v1beta/files`, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'content-type': 'text/plain' }, body: 'raw bytes' });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
    const starts = async (body: string): Promise<{ status: number; code: string }> => {
      const r = await fetch(`${base}/upload/v1beta/files`, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' }, body });
      return { status: r.status, code: ((await r.json()) as { error: { status: string } }).error.status };
    };
    for (const body of ['{not json', '[]', '{"file":"x"}', '{"file":{"name":7}}', `{"file":{"name":"files/${'a'.repeat(41)}"}}`, '{"file":{"name":"-dash"}}']) {
      expect(await starts(body), body).toEqual({ status: 400, code: 'INVALID_ARGUMENT' });
    }
    const hostile = await fetch(at, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'x-goog-upload-command': 'upload', 'x-goog-upload-offset': '-1' }, body: 'x' });
    expect(hostile.status).toBe(400);
    const unknown = await fetch(`${base}/upload/v1beta/files?upload_id=nosuchsession&upload_protocol=resumable`, { method: 'POST', headers: { 'x-goog-api-key': 'k', 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' }, body: 'x' });
    expect(unknown.status).toBe(404);
  });
});

describe('Gemini files across server threads', () => {
  const sim = useSimulator({ threads: 2, seed: 12 });
  // `connection: close`: a new connection per request, spread over the threads by the kernel.
  const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: { connection: 'close' } } });
  const SPREAD = 12;
  const times = <T>(n: number, fn: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, fn));

  it('names each file\'s thread by a hash of its id, chosen or drawn', () => {
    expect(fileOwner('my-notes-1', 2)).toBe(fileOwner('my-notes-1', 2));
    const owners = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => fileOwner(id, 2)));
    expect(owners).toEqual(new Set([0, 1]));
  });

  it('runs a named start on the name\'s thread, in either quoting, whichever thread the connection reached', async () => {
    const statuses = await times(SPREAD, async () => {
      const name = `sq-doc-${Math.random().toString(36).slice(2, 10)}`;
      const r = await fetch(`${sim().url}/upload/v1beta/files`, {
        method: 'POST',
        headers: { connection: 'close', 'x-goog-api-key': 'k', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' },
        body: `{'file': {'name': '${name}'}}`,
      });
      return r.status;
    });
    expect(statuses).toEqual(Array(SPREAD).fill(200));
  });

  it('finds a file from any thread, to read, list, generate with and delete, drawn or named', async () => {
    for (const name of [undefined, 'shared-doc', 'another-doc-2']) {
      const file = await ai().files.upload({ file: new Blob(['Parcels arrive within five working days.'], { type: 'text/plain' }), config: name === undefined ? {} : { name } });
      if (name !== undefined) expect(file.name).toBe(`files/${name}`);
      const got = await times(SPREAD, () => ai().files.get({ name: file.name! }));
      expect(got.every((f) => f.name === file.name && f.sizeBytes === file.sizeBytes)).toBe(true);
      const answers = await times(SPREAD, () => ai().models.generateContent({ model: MODEL, contents: [{ role: 'user', parts: [createPartFromUri(file.uri!, 'text/plain'), { text: 'When?' }] }] }));
      expect(answers.every((r) => (r.text ?? '').length > 0)).toBe(true);
      // The file's own tokens, whichever thread counted the request.
      expect(new Set(answers.map((r) => r.usageMetadata!.promptTokenCount)).size).toBe(1);
      const alone = await ai().models.countTokens({ model: MODEL, contents: 'Parcels arrive within five working days.When?' });
      expect(answers[0]!.usageMetadata!.promptTokenCount).toBeLessThanOrEqual(alone.totalTokens! + 1);
      const listed = await times(4, async () => {
        const names: string[] = [];
        for await (const f of await ai().files.list()) names.push(f.name!);
        return names;
      });
      expect(listed.every((names) => names.includes(file.name!))).toBe(true);
      await ai().files.delete({ name: file.name! });
      const gone = await times(SPREAD, () => ai().files.get({ name: file.name! }).then(() => 200, (err: { status: number }) => err.status));
      expect(gone).toEqual(Array(SPREAD).fill(403));
    }
  });
});

describe('Gemini files with keys configured', () => {
  const sim = useSimulator({ apiKeys: ['good-key'] });
  const ai = (apiKey: string) => new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sim().url } });

  it('refuses an upload, a read and a list with a wrong key, as every Gemini route does', async () => {
    const file = await ai('good-key').files.upload({ file: new Blob(['x'], { type: 'text/plain' }) });
    expect(await apiError(ai('bad-key').files.upload({ file: new Blob(['x'], { type: 'text/plain' }) }))).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    expect(await apiError(ai('bad-key').files.get({ name: file.name! }))).toMatchObject({ status: 400 });
    expect(await apiError(ai('bad-key').files.list())).toMatchObject({ status: 400 });
    const noKey = await fetch(`${sim().url}/upload/v1beta/files`, { method: 'POST', headers: { 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' } });
    expect(noKey.status).toBe(403);
    // The bytes need no key: the upload URL is their credential, as Google's own samples use it.
    const start = await fetch(`${sim().url}/upload/v1beta/files`, { method: 'POST', headers: { 'x-goog-api-key': 'good-key', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'x-goog-upload-header-content-type': 'text/plain' } });
    const at = new URL(start.headers.get('x-goog-upload-url')!);
    const bytes = await fetch(`${sim().url}${at.pathname}${at.search}`, { method: 'POST', headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' }, body: 'no key here' });
    expect(bytes.headers.get('x-goog-upload-status')).toBe('final');
  });
});
