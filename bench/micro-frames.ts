/**
 * Micro cases for SSE frame assembly: one event written from pre-encoded pieces into the server
 * thread's 64 KiB scratch buffer by the server's own code (`assembleEvent`), the naive per-event JSON encoding that design
 * avoids, and the per-response plan that makes the pieces.
 */
import type { Corpus } from '../src/corpus/sampler.js';
import { chooseAnswer, type Answer, type AnswerRequest } from '../src/server/answer.js';
import { chatStreamPlan, type ChatIdentity, type ChatUsage } from '../src/server/openai/chat-encode.js';
import { assembleEvent } from '../src/server/http-exchange.js';
import { SeededRandom } from '../src/timing/random.js';
import { sink, type Body, type Pair } from './micro-harness.js';

const SCRATCH = Buffer.allocUnsafe(64 * 1024);
let scratchLength = 0;

/** The naive case's write: its bytes into the scratch buffer, wrapping around when full. */
function put(buf: Buffer): void {
  if (scratchLength + buf.length > SCRATCH.length) scratchLength = 0;
  SCRATCH.set(buf, scratchLength);
  scratchLength += buf.length;
}

export const ANSWER_REQUEST: AnswerRequest = {
  bucketKey: 'gpt-4o-mini',
  tools: [],
  mustCallTool: false,
  parallelToolCalls: true,
  lastIsToolResult: false,
  json: 'none',
  jsonSchema: undefined,
  maxTokens: 200,
};

function identity(i: number): ChatIdentity {
  return { id: `chatcmpl-${String(i).padStart(29, '0')}`, created: 1_700_000_000 + i, model: 'gpt-4o-mini', systemFingerprint: 'fp_0123456789', serviceTier: 'default', contentFilter: false, wholeToolCalls: false };
}

export function framePairs(corpus: Corpus, seed: number): Pair[] {
  const rng = new SeededRandom(seed);
  const answers: Answer[] = [];
  for (let i = 0; i < 64; i++) answers.push(chooseAnswer(corpus, ANSWER_REQUEST, rng));
  const usage = (a: Answer): ChatUsage => ({ promptTokens: 20, completionTokens: a.completionTokens, reasoningTokens: 0, cachedTokens: 0, reasoningOutside: false });
  const plans = answers.map((a, i) => chatStreamPlan(identity(i), [a], true, usage(a)).lanes[0]!);

  // Mean bytes per event, so the copy baseline moves the same bytes.
  let events = 0;
  let bytes = 0;
  for (const lane of plans) {
    while (!lane.done) {
      bytes += assembleEvent(lane, 1 + (events & 1));
      events++;
    }
    lane.stepIndex = 0;
    lane.tokenIndex = 0;
  }
  scratchLength = 0;
  const eventBytes = Math.round(bytes / events);
  const source = Buffer.alloc(eventBytes, 'x');
  const copyOne: Body = (ops) => {
    for (let i = 0; i < ops; i++) {
      source.copy(SCRATCH, (i & 63) * 512, 0, eventBytes);
      sink.value += SCRATCH[i & 63]!;
    }
    return ops;
  };

  let lane = 0;
  const emitOne: Body = (ops) => {
    for (let i = 0; i < ops; i++) {
      let l = plans[lane]!;
      if (l.done) {
        l.stepIndex = 0;
        l.tokenIndex = 0;
        lane = (lane + 1) & 63;
        l = plans[lane]!;
      }
      sink.value += assembleEvent(l, 1 + (i & 1));
    }
    return ops;
  };

  // What the pre-encoded design avoids: serializing a chunk object per event.
  const who = identity(0);
  const naiveOne: Body = (ops) => {
    for (let i = 0; i < ops; i++) {
      const chunk = {
        id: who.id,
        object: 'chat.completion.chunk',
        created: who.created,
        model: who.model,
        service_tier: 'default',
        system_fingerprint: who.systemFingerprint,
        choices: [{ index: 0, delta: { content: ' token' }, logprobs: null, finish_reason: null }],
        usage: null,
      };
      const b = Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
      put(b);
      sink.value += b.length;
    }
    return ops;
  };

  let planIndex = 0;
  const planOne: Body = (ops) => {
    for (let i = 0; i < ops; i++) {
      const a = answers[planIndex++ & 63]!;
      sink.value += chatStreamPlan(identity(i), [a], true, usage(a)).lanes.length;
    }
    return ops;
  };

  return [
    {
      name: 'frame: emit one SSE event (pre-encoded head + token slice + tail)',
      baseline: `Buffer.copy of ${eventBytes} B`,
      note: `${(events / plans.length).toFixed(0)} events per response on average, ${eventBytes} B each`,
      ops: 2_000_000,
      run: emitOne,
      base: copyOne,
    },
    {
      name: 'frame: naive event (JSON.stringify + Buffer.from)',
      baseline: `Buffer.copy of ${eventBytes} B`,
      note: 'what pre-encoding avoids',
      ops: 500_000,
      run: naiveOne,
      base: copyOne,
    },
    {
      name: 'frame: chatStreamPlan per response',
      baseline: 'naive event encode',
      note: 'built once per response, then sliced per event',
      ops: 200_000,
      run: planOne,
      base: naiveOne,
    },
  ];
}
