/**
 * OpenAI file parts that name an uploaded file (`file_id`: a chat `file` part, a Responses
 * `input_file`) count as the same bytes sent inline do: they counted 0 prompt tokens. The file is
 * found on whichever server thread holds it; an id no thread holds is refused with the Files API's 404.
 */
import OpenAI, { NotFoundError, toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

/** A small PDF, one uncompressed content stream a page. */
function pdf(pages: readonly string[]): Buffer {
  const parts: string[] = ['%PDF-1.7\n'];
  const kids: number[] = [];
  let n = 3;
  for (const text of pages) {
    const content = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
    const contentId = n++;
    parts.push(`${contentId} 0 obj\n<< /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`);
    const pageId = n++;
    kids.push(pageId);
    parts.push(`${pageId} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${contentId} 0 R >>\nendobj\n`);
  }
  parts.push(`1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${pages.length} >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

const REPORT = pdf(['Quarterly report for the northern depots.', 'Parcels routed: 12,400; late: 31.']);
const NOTES = Buffer.from('Depot notes: the northern route closes at six; parcels after that wait a day.\n');
const ASK = 'Summarize the attached file.';
const dataUrl = (bytes: Buffer, type: string) => `data:${type};base64,${bytes.toString('base64')}`;

type FilePart = { file_id: string } | { file_data: string; filename: string };

async function chatPromptTokens(client: OpenAI, file: FilePart): Promise<number> {
  const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: ASK }, { type: 'file', file }] }] });
  return r.usage!.prompt_tokens;
}

const responsesInput = (file: FilePart): OpenAI.Responses.ResponseInput => [{ role: 'user', content: [{ type: 'input_text', text: ASK }, { type: 'input_file', ...file }] }];

describe('OpenAI file parts by file_id, on one thread', () => {
  const sim = useSimulator({ seed: 3 });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('chat: an uploaded PDF (user_data) counts as the same PDF inline; an uploaded text file (assistants) as its text', async () => {
    const report = await client().files.create({ file: await toFile(REPORT, 'report.pdf'), purpose: 'user_data' });
    const inline = await chatPromptTokens(client(), { file_data: dataUrl(REPORT, 'application/pdf'), filename: 'report.pdf' });
    expect(inline).toBeGreaterThan(2 * 765);
    expect(await chatPromptTokens(client(), { file_id: report.id })).toBe(inline);

    const notes = await client().files.create({ file: await toFile(NOTES, 'notes.txt'), purpose: 'assistants' });
    const inlineNotes = await chatPromptTokens(client(), { file_data: dataUrl(NOTES, 'text/plain'), filename: 'notes.txt' });
    expect(await chatPromptTokens(client(), { file_id: notes.id })).toBe(inlineNotes);
  });

  it('Responses: an input_file by id counts as inline, in usage and in input_tokens', async () => {
    const report = await client().files.create({ file: await toFile(REPORT, 'report.pdf'), purpose: 'user_data' });
    const inline = await client().responses.inputTokens.count({ model: 'gpt-4o', input: responsesInput({ file_data: dataUrl(REPORT, 'application/pdf'), filename: 'report.pdf' }) });
    const byId = await client().responses.inputTokens.count({ model: 'gpt-4o', input: responsesInput({ file_id: report.id }) });
    expect(byId.input_tokens).toBe(inline.input_tokens);
    const answered = await client().responses.create({ model: 'gpt-4o', input: responsesInput({ file_id: report.id }) });
    expect(answered.usage!.input_tokens).toBe(inline.input_tokens);
  });

  it('refuses an id no thread holds with a 404 naming the part', async () => {
    const missing = 'file-NoSuchFileHereAtAll00';
    const chat = await rejection(chatPromptTokens(client(), { file_id: missing }), NotFoundError);
    expect(chat.message).toContain(`No such File object: ${missing}`);
    expect(chat.param).toBe('messages[0].content[1].file.file_id');
    const responses = await rejection(client().responses.create({ model: 'gpt-4o', input: responsesInput({ file_id: missing }) }), NotFoundError);
    expect(responses.param).toBe('input[0].content[1].file_id');
  });

  it('leaves a deleted file refused', async () => {
    const report = await client().files.create({ file: await toFile(REPORT, 'report.pdf'), purpose: 'user_data' });
    await client().files.delete(report.id);
    await rejection(chatPromptTokens(client(), { file_id: report.id }), NotFoundError);
  });
});

describe('OpenAI file parts by file_id, across server threads', () => {
  const sim = useSimulator({ threads: 2, seed: 4 });
  // `connection: close`: a new connection per request, spread over the threads by the kernel.
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0, defaultHeaders: { connection: 'close' } });

  it('finds the file from either thread', async () => {
    const report = await client().files.create({ file: await toFile(REPORT, 'report.pdf'), purpose: 'user_data' });
    const inline = await chatPromptTokens(client(), { file_data: dataUrl(REPORT, 'application/pdf'), filename: 'report.pdf' });
    // Eight requests over new connections: all on the uploading thread one time in 128.
    for (let i = 0; i < 8; i++) expect(await chatPromptTokens(client(), { file_id: report.id })).toBe(inline);
    const byId = await client().responses.inputTokens.count({ model: 'gpt-4o', input: responsesInput({ file_id: report.id }) });
    expect(byId.input_tokens).toBeGreaterThan(2 * 765);
  });
});

describe('OpenAI file parts by file_id in a batch', () => {
  const sim = useSimulator({ seed: 5 });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('counts a line\'s file part as a live request does, and fails a line naming no file', async () => {
    const report = await client().files.create({ file: await toFile(REPORT, 'report.pdf'), purpose: 'user_data' });
    const live = await chatPromptTokens(client(), { file_id: report.id });
    const line = (id: string, fileId: string) => ({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: ASK }, { type: 'file', file: { file_id: fileId } }] }] } });
    const input = await client().files.create({ file: await toFile(Buffer.from(`${JSON.stringify(line('a', report.id))}\n${JSON.stringify(line('b', 'file-NoSuchFileHereAtAll00'))}\n`), 'in.jsonl'), purpose: 'batch' });
    const batch = await client().batches.create({ input_file_id: input.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await expect.poll(async () => (await client().batches.retrieve(batch.id)).status).toBe('completed');
    const done = await client().batches.retrieve(batch.id);
    const output = (await (await client().files.content(done.output_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; response: { body: { usage: { prompt_tokens: number } } } });
    expect(output.map((l) => [l.custom_id, l.response.body.usage.prompt_tokens])).toEqual([['a', live]]);
    const errors = (await (await client().files.content(done.error_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; response: { status_code: number } });
    expect(errors.map((l) => [l.custom_id, l.response.status_code])).toEqual([['b', 404]]);
  });
});
