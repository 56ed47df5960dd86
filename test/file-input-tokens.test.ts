/**
 * PDFs sent inline count prompt tokens as each provider documents, approximately: Gemini 258 a
 * page; Anthropic an image of each page (1,600, its figure for an image) plus the text; OpenAI an
 * image of each page (765, a high-detail image's) plus the text. Through the official SDKs against
 * the real server, for usage, the count endpoints and rate limits; malformed data never crashes.
 */
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { countTokens } from '../src/corpus/tokens.js';
import { countPdf } from '../src/server/pdf-tokens.js';
import { useSimulator } from './fixtures/sim.js';

const PAGES = ['Quarterly report for the northern depots.', 'Parcels routed: 12,400; late: 31.', 'Appendix (routes) and \\(escaped\\) notes.'];
/** The text the pages show, as the estimate reads it: escapes dropped, a space between pages. */
const SHOWN = 'Quarterly report for the northern depots. Parcels routed: 12,400; late: 31. Appendix (routes) and (escaped) notes.';

/** A small PDF with one content stream a page, compressed or not; the page objects optionally in an object stream. */
function pdf(pages: readonly string[], options: { readonly compress?: boolean; readonly objectStream?: boolean } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let n = 3;
  const kids: number[] = [];
  const pageObjects: string[] = [];
  for (const text of pages) {
    const content = Buffer.from(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET`, 'latin1');
    const body = options.compress === true ? deflateSync(content) : content;
    const filter = options.compress === true ? ' /Filter /FlateDecode' : '';
    const contentId = n++;
    parts.push(Buffer.from(`${contentId} 0 obj\n<< /Length ${body.length}${filter} >>\nstream\n`, 'latin1'), body, Buffer.from('\nendstream\nendobj\n'));
    const pageId = n++;
    kids.push(pageId);
    pageObjects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${contentId} 0 R >>`);
  }
  if (options.objectStream === true) {
    const packed = deflateSync(Buffer.from(pageObjects.join('\n')));
    parts.push(Buffer.from(`${n} 0 obj\n<< /Type /ObjStm /N ${pages.length} /Length ${packed.length} /Filter /FlateDecode >>\nstream\n`), packed, Buffer.from('\nendstream\nendobj\n'));
  } else {
    pageObjects.forEach((o, i) => parts.push(Buffer.from(`${kids[i]} 0 obj\n${o}\nendobj\n`)));
  }
  parts.push(Buffer.from(`1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${pages.length} >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`));
  return Buffer.concat(parts);
}

const TEXT_TOKENS = countTokens(SHOWN);

describe('the page and text estimate', () => {
  it('counts page objects and the text content streams show, compressed or not', () => {
    expect(countPdf(pdf(PAGES))).toEqual({ pages: 3, textTokens: TEXT_TOKENS });
    expect(countPdf(pdf(PAGES, { compress: true }))).toEqual({ pages: 3, textTokens: TEXT_TOKENS });
    expect(countPdf(pdf(PAGES, { compress: true, objectStream: true }))).toEqual({ pages: 3, textTokens: TEXT_TOKENS });
  });

  it('is null for bytes that are not a PDF, and never throws on hostile ones', () => {
    expect(countPdf(Buffer.from('hello, world'))).toBeNull();
    const hostile = [
      Buffer.from('%PDF-1.4\n'),
      Buffer.from('%PDF-1.4\n1 0 obj << /Filter /FlateDecode >>\nstream\n' + 'x'.repeat(1000)),
      Buffer.concat([Buffer.from('%PDF-1.4\n<< /Filter /FlateDecode >>\nstream\n'), deflateSync(Buffer.alloc(1 << 22, 'BT (a) Tj ET ')), Buffer.from('\nendstream')]),
      Buffer.from('%PDF-1.4\nstream\nBT ' + '('.repeat(50_000) + ' Tj'),
      Buffer.from('%PDF-1.4\n' + 'stream\r\nendstream '.repeat(20_000)),
      Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256)),
    ];
    for (const bytes of hostile) {
      const count = countPdf(Buffer.concat([Buffer.from('%PDF-'), bytes]));
      expect(count!.pages).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(count!.textTokens)).toBe(true);
    }
  });
});

describe('prompt tokens of an inline PDF', () => {
  const sim = useSimulator({ seed: 2 });
  const b64 = pdf(PAGES, { compress: true }).toString('base64');
  const ASK = 'Summarize the attached report.';

  it('OpenAI chat: a file part adds an image of each page and the text, to usage', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const plain = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: ASK }] }] });
    const withFile = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'text', text: ASK }, { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${b64}` } }] }],
    });
    expect(withFile.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBe(3 * 765 + TEXT_TOKENS);
  });

  it('OpenAI Responses: an input_file adds the same, to usage and to input_tokens', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const input = (file: boolean): OpenAI.Responses.ResponseInput => [
      { role: 'user', content: [{ type: 'input_text', text: ASK }, ...(file ? [{ type: 'input_file' as const, filename: 'report.pdf', file_data: `data:application/pdf;base64,${b64}` }] : [])] },
    ];
    const plain = await client.responses.inputTokens.count({ model: 'gpt-4o', input: input(false) });
    const counted = await client.responses.inputTokens.count({ model: 'gpt-4o', input: input(true) });
    expect(counted.input_tokens - plain.input_tokens).toBe(3 * 765 + TEXT_TOKENS);
    const answered = await client.responses.create({ model: 'gpt-4o', input: input(true) });
    expect(answered.usage!.input_tokens).toBe(counted.input_tokens);
  });

  it('Anthropic: a base64 PDF document counts each page as an image plus its text, in usage and count_tokens', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
    const ask = { type: 'text' as const, text: ASK };
    const doc = { type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: b64 } };
    const plain = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [ask] }] });
    const counted = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [doc, ask] }] });
    expect(counted.input_tokens - plain.input_tokens).toBe(3 * 1600 + TEXT_TOKENS);
    const answered = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: [doc, ask] }] });
    expect(answered.usage.input_tokens).toBe(counted.input_tokens);
  });

  it('Anthropic: a PDF uploaded to the Files API counts as the same PDF inline', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
    const file = await client.beta.files.upload({ file: await toFile(pdf(PAGES, { compress: true }), 'report.pdf', { type: 'application/pdf' }) });
    const ask = { type: 'text' as const, text: ASK };
    const inline = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: b64 } }, ask] }] });
    const named = await client.beta.messages.countTokens({ model: 'claude-sonnet-4-5', betas: ['files-api-2025-04-14'], messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: file.id } }, ask] }] });
    expect(named.input_tokens).toBe(inline.input_tokens);
  });

  it('Gemini: inline application/pdf data counts 258 a page, in countTokens and usage', async () => {
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
    const contents = (file: boolean) => [{ role: 'user', parts: [...(file ? [{ inlineData: { mimeType: 'application/pdf', data: b64 } }] : []), { text: ASK }] }];
    const plain = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: contents(false) });
    const counted = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: contents(true) });
    expect(counted.totalTokens! - plain.totalTokens!).toBe(3 * 258);
    const answered = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: contents(true) });
    expect(answered.usageMetadata!.promptTokenCount).toBe(counted.totalTokens);
  });

  it('malformed base64 and bytes that are not a PDF give a count, not a failure', async () => {
    const openai = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    for (const data of ['data:application/pdf;base64,%%%not base64%%%', `data:application/pdf;base64,${Buffer.from('plain words, not a PDF').toString('base64')}`, '']) {
      const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: ASK }, { type: 'file', file: { filename: 'x.pdf', file_data: data } }] }] });
      expect(r.usage!.prompt_tokens).toBeGreaterThan(0);
    }
    const anthropic = new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
    const counted = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: '@@@@' } }, { type: 'text', text: ASK }] }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
    const g = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'application/pdf', data: 'not-a-pdf' } }] }] });
    expect(g.totalTokens).toBeGreaterThan(0);
  });
});

describe('rate limits charge an inline PDF', () => {
  const sim = useSimulator({ seed: 2, logLevel: 'silent' });

  it('takes its tokens from the tokens per minute', async () => {
    const set = await fetch(`${sim().url}/_understudy/quota`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ defaults: { requestsPerMinute: 500, tokensPerMinute: 100_000 } }) });
    expect(set.status).toBe(200);
    const file = `data:application/pdf;base64,${pdf(PAGES).toString('base64')}`;
    const r = await fetch(`${sim().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-pdf-quota' },
      body: JSON.stringify({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarize.' }, { type: 'file', file: { file_data: file } }] }] }),
    });
    const usage = ((await r.json()) as { usage: { prompt_tokens: number } }).usage;
    expect(usage.prompt_tokens).toBeGreaterThan(3 * 765);
    expect(Number(r.headers.get('x-ratelimit-remaining-tokens'))).toBe(100_000 - usage.prompt_tokens - 100);
  });
});
