/**
 * The corpus-writing example in docs/corpus-format.md, run as a user runs it: a script outside the
 * package importing `llm-understudy` by name, then a server on the file it wrote.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';

function docExample(): string {
  const doc = readFileSync(new URL('../docs/corpus-format.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Writing a corpus'));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

describe('writing a corpus through the package', () => {
  it('runs the documented script and serves what it wrote, its recorded timing included', async () => {
    const project = mkdtempSync(join(tmpdir(), 'understudy-user-'));
    mkdirSync(join(project, 'node_modules'));
    // A junction on Windows needs no privilege; elsewhere the type is ignored.
    symlinkSync(process.cwd(), join(project, 'node_modules', 'llm-understudy'), 'junction');
    writeFileSync(join(project, 'write-corpus.mjs'), docExample());
    execFileSync(process.execPath, ['write-corpus.mjs'], { cwd: project, stdio: 'pipe' });

    const sim = await startSimulator({ threads: 1, speed: 0.01, corpus: join(project, 'my.msgpack'), timing: 'recorded' });
    try {
      const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Capital of France?' }] }).withResponse();
      expect(data.choices[0]!.message.content).toBe('The capital of France is Paris.');
      expect(response.headers.get('x-understudy-entry')).toBe('paris-1');
      // The recorded 320 ms and 12 ms gaps, at --speed 0.01.
      expect(response.headers.get('x-understudy-ttft-ms')).toBe('3.2');
      expect(response.headers.get('x-understudy-itl-ms')).toBe('0.12');
    } finally {
      await sim.stop();
      rmSync(project, { recursive: true, force: true });
    }
  });
});
