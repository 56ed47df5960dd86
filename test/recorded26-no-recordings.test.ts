/**
 * `--timing recorded` with a corpus none of whose entries carries `timing` serves every answer at
 * the profiles' timing, as documented ("replay recorded timing where an entry has it"). A user who
 * built a corpus and forgot the recordings (or wrote them under another field name, which readers
 * ignore) used to get no word of it; the start now warns, once.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/schema.js';
import type { CorpusEntry } from '../src/corpus/format.js';
import { startServer } from '../src/workers/supervisor.js';
import { entry, recorded, writeTempCorpus } from './fixtures/corpus.js';
import { recordingLogger } from './fixtures/sim.js';

const plain = entry('plain', 'gpt-4o-mini', 'text', 'The capital of France is Paris.');
const timed = recorded(entry('timed', 'gpt-4o-mini', 'text', 'The capital of France is Paris.'), 300, 12);

async function startupWarnings(entries: readonly CorpusEntry[], timing: 'profile' | 'recorded'): Promise<string[]> {
  const log = recordingLogger();
  const server = await startServer(resolveConfig({ port: 0, threads: 1, speed: 0, logLevel: 'silent', timing, corpus: writeTempCorpus(entries) }), log);
  await server.stop();
  return log.lines.filter((l) => l.startsWith('warn'));
}

describe('--timing recorded with a corpus that has no recorded timing', () => {
  it('warns at start that every answer is timed by the profiles', async () => {
    const warnings = await startupWarnings([plain], 'recorded');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/--timing recorded: no entry of .*tiny\.msgpack carries recorded timing/);
    expect(warnings[0]).toContain('latency profiles');
  });

  it('says nothing when an entry has a recording, or under --timing profile', async () => {
    expect(await startupWarnings([plain, timed], 'recorded')).toEqual([]);
    expect(await startupWarnings([plain], 'profile')).toEqual([]);
  });
});
