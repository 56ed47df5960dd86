import { describe, expect, it } from 'vitest';
import { compileCorpus } from '../src/corpus/compiled.js';
import { Corpus } from '../src/corpus/sampler.js';
import { chooseAnswer, type AnswerRequest } from '../src/server/answer.js';
import { chatBody, chatBodyGeneral, chatStreamPlan, type ChatIdentity } from '../src/server/openai/chat-encode.js';
import type { Lane } from '../src/server/stream-plan.js';
import { SeededRandom } from '../src/timing/random.js';
import { TINY_ENTRIES } from './fixtures/corpus.js';

const REQUEST: AnswerRequest = { bucketKey: 'gpt-4o-mini', tools: [], mustCallTool: false, parallelToolCalls: true, lastIsToolResult: false, json: 'none', jsonSchema: undefined, maxTokens: undefined };
const WHO: ChatIdentity = { id: 'chatcmpl-AbCdE0123456789', created: 1_700_000_000, model: 'gpt-4o-"mini"', systemFingerprint: 'fp_0123456789', serviceTier: 'default', contentFilter: false, wholeToolCalls: false };

describe('chat completion body', () => {
  const corpus = new Corpus(compileCorpus(TINY_ENTRIES), 'gpt-4o-mini');

  it('writes a one-text-choice answer through its shortcut exactly as the general encoder does', () => {
    const rng = new SeededRandom(3);
    let checked = 0;
    for (let i = 0; i < 60; i++) {
      // Cut some answers short, so both finish reasons are covered.
      const a = chooseAnswer(corpus, { ...REQUEST, maxTokens: i % 3 === 0 ? 3 : undefined }, rng);
      if (a.toolCalls.length > 0 || a.contentCount === 0) continue;
      const usage = { promptTokens: 9, completionTokens: a.completionTokens, reasoningTokens: 0, cachedTokens: 0, reasoningOutside: false };
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

/** Every frame a lane sends at one token per event, read from its steps: prefix, head, then a token and the tail. */
function laneFrames(lane: Lane): string[] {
  const frames: string[] = [];
  for (const step of lane.steps) {
    const prefix = step.prefix?.toString() ?? '';
    if (step.source === null) {
      frames.push(prefix + step.head.toString());
      continue;
    }
    for (let i = 0; i < step.count; i++) {
      const token = step.source.subarray(step.offsets![step.first + i], step.offsets![step.first + i + 1]);
      frames.push(prefix + step.head.toString() + token.toString() + step.tail.toString());
    }
  }
  return frames;
}

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: { index: number; delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: null;
}

function parseFrame(frame: string): Chunk {
  expect(frame.startsWith('data: ')).toBe(true);
  expect(frame.endsWith('\n\n')).toBe(true);
  return JSON.parse(frame.slice(6, -2)) as Chunk;
}

describe('chat stream plan', () => {
  const corpus = new Corpus(compileCorpus(TINY_ENTRIES), 'gpt-4o-mini');
  const WEATHER = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
  const OTHER: ChatIdentity = { id: 'chatcmpl-ZyXwV9876543210', created: 1_800_000_000, model: 'gpt-4o', systemFingerprint: 'fp_9876543210', serviceTier: 'flex', contentFilter: false, wholeToolCalls: false };

  it("writes every frame with its own response's id, created and model, whatever it shares with other responses", () => {
    const rng = new SeededRandom(5);
    let toolLanes = 0;
    for (const includeUsage of [false, true]) {
      for (const request of [REQUEST, { ...REQUEST, tools: [WEATHER], mustCallTool: true }]) {
        for (const who of [WHO, OTHER]) {
          // Two choices, so the choice index varies too.
          const answers = [chooseAnswer(corpus, request, rng), chooseAnswer(corpus, request, rng)];
          const { lanes } = chatStreamPlan(who, answers, includeUsage, { promptTokens: 7, completionTokens: 1, reasoningTokens: 0, cachedTokens: 0, reasoningOutside: false });
          lanes.forEach((lane, index) => {
            const chunks = laneFrames(lane).map(parseFrame);
            let text = '';
            let args = '';
            for (const c of chunks) {
              expect({ id: c.id, object: c.object, created: c.created, model: c.model, fp: c.system_fingerprint }).toEqual({ id: who.id, object: 'chat.completion.chunk', created: who.created, model: who.model, fp: who.systemFingerprint });
              expect(c.choices).toHaveLength(1);
              expect(c.choices[0]!.index).toBe(index);
              expect('usage' in c).toBe(includeUsage);
              text += (c.choices[0]!.delta.content as string | undefined) ?? '';
              const calls = c.choices[0]!.delta.tool_calls as { function: { arguments: string } }[] | undefined;
              args += calls?.[0]?.function.arguments ?? '';
            }
            const a = answers[index]!;
            expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
            expect(chunks[chunks.length - 1]!.choices[0]!.finish_reason).toBe(a.finishReason);
            expect(text.length > 0).toBe(a.contentCount > 0);
            expect(args.length > 0).toBe(a.toolCalls.some((t) => t.count > 0));
            if (args.length > 0) toolLanes++;
          });
        }
      }
    }
    expect(toolLanes).toBeGreaterThan(0);
  });

  it('builds one prefix per response and shares the frames that carry nothing of it', () => {
    const rng = new SeededRandom(8);
    const a = chooseAnswer(corpus, REQUEST, rng);
    const first = chatStreamPlan(WHO, [a], true, { promptTokens: 7, completionTokens: a.completionTokens, reasoningTokens: 0, cachedTokens: 0, reasoningOutside: false }).lanes[0]!;
    const second = chatStreamPlan(OTHER, [a], true, { promptTokens: 7, completionTokens: a.completionTokens, reasoningTokens: 0, cachedTokens: 0, reasoningOutside: false }).lanes[0]!;
    expect(first.steps.length).toBe(second.steps.length);
    expect(first.steps[0]!.prefix).not.toBe(second.steps[0]!.prefix);
    first.steps.forEach((step, i) => {
      // One prefix buffer for every step of a response, and the same frame bodies in both.
      expect(step.prefix).toBe(first.steps[0]!.prefix);
      expect(step.head).toBe(second.steps[i]!.head);
    });
  });
});
