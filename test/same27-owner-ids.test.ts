/**
 * The same seed and requests, sent one after another on a new connection each, on 1 and on 2
 * server threads: a stored object's id differs only in the two characters naming its thread, and
 * ids drawn from such an id do not differ at all. A response's input item ids, an OpenAI batch's
 * output file and `batch_req_` ids, a Gemini batch's responses file were drawn from the whole id,
 * owner digits included, and a Gemini upload's name was redrawn until it hashed to its thread:
 * every one of them was another id whenever the kernel put the request on the second thread.
 */
import { GoogleGenAI, JobState } from '@google/genai';
import OpenAI, { toFile } from 'openai';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileOwner } from '../src/server/gemini/files.js';
import { ownerOf, withoutOwner } from '../src/server/owner-ids.js';
import { useSimulator } from './fixtures/sim.js';

/** Objects of each kind per run: all on one thread of two by chance once in 2^12 runs. */
const SPREAD = 12;
const MODEL = 'gpt-4o-mini';

interface Made {
  readonly responses: string[];
  readonly inputItems: string[][];
  readonly batches: string[];
  readonly outputFiles: string[];
  readonly batchLines: string[];
  readonly geminiFiles: string[];
  readonly geminiBatchFiles: string[];
}

/** The run: every request on a new connection (`connection: close`), which the kernel gives to either thread. */
async function run(url: string): Promise<Made> {
  const close = { connection: 'close' };
  const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0, defaultHeaders: close });
  const gemini = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: url, headers: close } });
  const line = JSON.stringify({ custom_id: 'c1', method: 'POST', url: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] } });
  const input = await openai.files.create({ file: await toFile(Buffer.from(line), 'in.jsonl'), purpose: 'batch' });
  const geminiLine = JSON.stringify({ key: 'q1', request: { contents: [{ role: 'user', parts: [{ text: 'Describe the sea.' }] }] } });
  const made: Made = { responses: [], inputItems: [], batches: [], outputFiles: [], batchLines: [], geminiFiles: [], geminiBatchFiles: [] };
  const geminiBatches: string[] = [];
  for (let i = 0; i < SPREAD; i++) {
    made.responses.push((await openai.responses.create({ model: MODEL, input: `Where is parcel ${i}?` })).id);
    made.batches.push((await openai.batches.create({ input_file_id: input.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    const file = await gemini.files.upload({ file: new Blob([geminiLine + '\n'], { type: 'application/jsonl' }), config: { mimeType: 'jsonl' } });
    made.geminiFiles.push(file.name!);
    geminiBatches.push((await gemini.batches.create({ model: 'gemini-2.5-flash', src: file.name! })).name!);
  }
  // Reads follow the creates: how often a batch is polled changes no id read here.
  for (const id of made.responses) made.inputItems.push((await openai.responses.inputItems.list(id)).data.map((item) => item.id));
  for (const id of made.batches) {
    await expect.poll(async () => (await openai.batches.retrieve(id)).status).toBe('completed');
    const output = (await openai.batches.retrieve(id)).output_file_id!;
    made.outputFiles.push(output);
    made.batchLines.push((JSON.parse(await (await openai.files.content(output)).text()) as { id: string }).id);
  }
  for (const name of geminiBatches) {
    await expect.poll(async () => (await gemini.batches.get({ name })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
    made.geminiBatchFiles.push((await gemini.batches.get({ name })).dest!.fileName!);
  }
  return made;
}

/** What the same seed and requests must give on any --threads: owned ids without their owner, the rest whole. */
function threadFree(m: Made): unknown {
  return {
    responses: m.responses.map(withoutOwner),
    inputItems: m.inputItems,
    batches: m.batches.map(withoutOwner),
    outputFiles: m.outputFiles.map(withoutOwner),
    batchLines: m.batchLines,
    geminiFiles: m.geminiFiles.map(withoutOwner),
    geminiBatchFiles: m.geminiBatchFiles.map(withoutOwner),
  };
}

describe('ids drawn from a stored object\'s id, on 1 and 2 server threads', () => {
  // No keep-alive at all, whatever headers an SDK sends on a request: a kept connection holds every
  // request on it to one thread (once in CI every Gemini upload of the run landed on thread 0).
  const kept = getGlobalDispatcher();
  beforeAll(() => setGlobalDispatcher(new Agent({ pipelining: 0 })));
  afterAll(() => setGlobalDispatcher(kept));
  const one = useSimulator({ seed: 27, threads: 1 });
  const two = useSimulator({ seed: 27, threads: 2 });

  it('are the same, and the stored ids differ only in the digits naming their thread', async () => {
    const alone = await run(one().url);
    const spread = await run(two().url);
    // What the comparison relies on: some objects of each kind were made on the second thread.
    expect(spread.responses.some((id) => ownerOf(id, 2, 'mixed') === 1)).toBe(true);
    expect(spread.batches.some((id) => ownerOf(id, 2, 'mixed') === 1)).toBe(true);
    expect(spread.geminiFiles.some((name) => fileOwner(name.slice('files/'.length), 2) === 1)).toBe(true);
    expect(threadFree(spread)).toEqual(threadFree(alone));
  }, 60_000);
});
