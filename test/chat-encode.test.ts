import { describe, expect, it } from 'vitest';
import { compileCorpus } from '../src/corpus/compiled.js';
import { Corpus } from '../src/corpus/sampler.js';
import { chooseAnswer, type AnswerRequest } from '../src/server/answer.js';
import { chatBody, chatBodyGeneral, type ChatIdentity } from '../src/server/openai/chat-encode.js';
import { SeededRandom } from '../src/timing/random.js';
import { TINY_ENTRIES } from './fixtures/corpus.js';

const REQUEST: AnswerRequest = { bucketKey: 'gpt-4o-mini', tools: [], mustCallTool: false, parallelToolCalls: true, lastIsToolResult: false, json: 'none', jsonSchema: undefined, maxTokens: undefined };
const WHO: ChatIdentity = { id: 'chatcmpl-AbCdE0123456789', created: 1_700_000_000, model: 'gpt-4o-"mini"', systemFingerprint: 'fp_0123456789' };

describe('chat completion body', () => {
  const corpus = new Corpus(compileCorpus(TINY_ENTRIES), 'gpt-4o-mini');

  it('writes a one-text-choice answer through its shortcut exactly as the general encoder does', () => {
    const rng = new SeededRandom(3);
    let checked = 0;
    for (let i = 0; i < 60; i++) {
      // Cut some answers short, so both finish reasons are covered.
      const a = chooseAnswer(corpus, { ...REQUEST, maxTokens: i % 3 === 0 ? 3 : undefined }, rng);
      if (a.toolCalls.length > 0 || a.contentCount === 0) continue;
      const usage = { promptTokens: 9, completionTokens: a.completionTokens };
      const general = chatBodyGeneral(WHO, [a], usage);
      expect(chatBody(WHO, [a], usage).toString()).toBe(general.toString());
      // The transient body holds the same bytes.
      expect(chatBody(WHO, [a], usage, true).toString()).toBe(general.toString());
      // The model (from the request) is JSON-quoted, the text is the answer's.
      const parsed = JSON.parse(general.toString()) as { model: string; choices: { finish_reason: string }[] };
      expect(parsed.model).toBe(WHO.model);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });
});
