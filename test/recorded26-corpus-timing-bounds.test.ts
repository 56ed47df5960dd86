/**
 * Recorded times are milliseconds after the request, so a recorder that wrote wall-clock stamps
 * (1.7e12 ms since 1970) or a unit slip wrote a corpus the loader took: its answers then waited
 * decades, held a socket each and never ended, and the ground-truth header read a TTFT of
 * "1700000000000.0". The loader now refuses a recorded TTFT or gap past an hour, naming the entry
 * and the field, as it does every other rule.
 */
import { describe, expect, it } from 'vitest';
import { decodeCorpus, encodeCorpus } from '../src/corpus/codec.js';
import type { CorpusEntry, RecordedTiming } from '../src/corpus/format.js';
import { SimError } from '../src/sim-error.js';
import { entry } from './fixtures/corpus.js';

const HOUR_MS = 3_600_000;
const timed = (timing: RecordedTiming): CorpusEntry => ({ ...entry('rec-1', 'gpt-4o-mini', 'text', 'Hello, world.'), timing });
const load = (timing: RecordedTiming): CorpusEntry[] => decodeCorpus(encodeCorpus([timed(timing)], { createdBy: 'test' }), 'rec.msgpack');

function refusal(timing: RecordedTiming): SimError {
  try {
    load(timing);
  } catch (err) {
    expect(err).toBeInstanceOf(SimError);
    return err as SimError;
  }
  throw new Error('the corpus was accepted');
}

describe('recorded timing bounds', () => {
  it('refuses a TTFT stamped with the wall clock, naming the entry and field', () => {
    const err = refusal({ ttftMs: 1_733_616_000_000, tokenGapsMs: [] });
    expect(err.code).toBe('SIM_ERR_CORPUS_ENTRY');
    expect(err.message).toMatch(/rec\.msgpack: entry rec-1 .*field "timing\.ttftMs": .*3,600,000/);
  });

  it('refuses a gap past an hour, naming which one', () => {
    const err = refusal({ ttftMs: 300, tokenGapsMs: [12, 1e15, 0] });
    expect(err.code).toBe('SIM_ERR_CORPUS_ENTRY');
    expect(err.message).toMatch(/field "timing\.tokenGapsMs\.1": /);
  });

  it('takes a recording up to an hour a value', () => {
    expect(load({ ttftMs: HOUR_MS, tokenGapsMs: [HOUR_MS, 0, 0.1] })[0]!.timing).toEqual({ ttftMs: HOUR_MS, tokenGapsMs: [HOUR_MS, 0, 0.1] });
  });
});
