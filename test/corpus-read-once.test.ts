/**
 * A process that starts simulators one after another on one corpus file reads and compiles it once
 * (`readCorpusFileOnce`, `compileCorpusOnce`), and still serves what the file holds now: the reuse
 * is by the file's bytes, not its name.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { readCorpusFileOnce } from '../src/corpus/codec.js';
import { compileCorpusOnce } from '../src/corpus/compiled.js';
import { startSimulator } from '../src/index.js';
import { entry, writeTempCorpus } from './fixtures/corpus.js';

const MODEL = 'gpt-4o-mini';

async function entryServed(corpus: string): Promise<string | null> {
  const sim = await startSimulator({ threads: 1, speed: 0, seed: 7, corpus, logLevel: 'silent' });
  try {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    return response.headers.get('x-understudy-entry');
  } finally {
    await sim.stop();
  }
}

describe('reading a corpus once per process', () => {
  it('shares the entries and the compiled corpus between reads of the same bytes', () => {
    const file = writeTempCorpus([entry('first', MODEL, 'text', 'One answer.')]);
    const entries = readCorpusFileOnce(file);
    expect(readCorpusFileOnce(file)).toBe(entries);
    expect(compileCorpusOnce(entries)).toBe(compileCorpusOnce(entries));
    // Another file with the same bytes is the same corpus.
    const copy = `${file}.copy`;
    copyFileSync(file, copy);
    expect(readCorpusFileOnce(copy)).toBe(entries);
  });

  it('serves what the file holds at each start when it is rewritten in place', async () => {
    const file = writeTempCorpus([entry('first', MODEL, 'text', 'One answer.')]);
    expect(await entryServed(file)).toBe('first');
    copyFileSync(writeTempCorpus([entry('second', MODEL, 'text', 'Another answer.')]), file);
    expect(await entryServed(file)).toBe('second');
  });

  it('refuses a file damaged after a good read, rather than serving the good one', () => {
    const file = writeTempCorpus([entry('first', MODEL, 'text', 'One answer.')]);
    readCorpusFileOnce(file);
    writeFileSync(file, Buffer.from('not a corpus'));
    expect(() => readCorpusFileOnce(file)).toThrow(expect.objectContaining({ code: 'SIM_ERR_CORPUS_FORMAT' }));
  });
});
