/**
 * Chooses what a request is answered with, independent of the wire dialect: the corpus entry for
 * each choice, synthesized tool-call arguments or JSON-schema objects where the request dictates
 * the shape, and the cut at the token limit. Dialect encoders turn an `Answer` into bytes.
 */
import type { EntryMeta } from '../corpus/compiled.js';
import type { FinishReason } from '../corpus/format.js';
import type { Corpus, KindGroup } from '../corpus/sampler.js';
import { instanceFromSchema } from '../corpus/schema-instance.js';
import { splitTokens } from '../corpus/tokens.js';
import type { SeededRandom } from '../timing/random.js';
import { tokenSourceFromStrings, type TokenSource } from './stream-plan.js';

/** A tool the caller offered, reduced to what an answer needs. */
export interface OfferedTool {
  readonly name: string;
  readonly parameters: unknown;
}

export interface AnswerRequest {
  readonly bucketKey: string;
  readonly tools: readonly OfferedTool[];
  readonly mustCallTool: boolean;
  /** The caller allows more than one call per turn (OpenAI `parallel_tool_calls`, default true). */
  readonly parallelToolCalls: boolean;
  /** The conversation's last message is a tool result: models answer it in text. */
  readonly lastIsToolResult: boolean;
  readonly json: 'none' | 'object' | 'schema';
  readonly jsonSchema: unknown;
  readonly maxTokens: number | undefined;
  /** Answer with this corpus entry (the x-understudy-entry override) when it exists. */
  readonly forceEntryId?: string | null;
}

export interface AnswerToolCall {
  readonly id: string;
  readonly name: string;
  readonly args: TokenSource;
  /** Argument tokens sent (fewer than args.count when cut at the limit). */
  readonly count: number;
}

export interface Answer {
  /** Corpus entry the answer came from; null when wholly synthesized. */
  readonly entry: EntryMeta | null;
  readonly refusal: boolean;
  readonly content: TokenSource;
  /** Content tokens sent (after the cut). */
  readonly contentCount: number;
  readonly toolCalls: readonly AnswerToolCall[];
  readonly finishReason: FinishReason;
  readonly completionTokens: number;
}

const NO_TOKENS: TokenSource = { bytes: Buffer.alloc(0), offsets: new Int32Array(1), first: 0, count: 0 };

const ID_CODES = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'latin1');
/**
 * Ids are assembled here as bytes and read back as one flat string. Appending a digit at a time
 * built a rope of one node per digit (about 1 KB for a 29-digit id), and the ids a stream's
 * headers carry kept theirs alive for the whole stream.
 */
const ID_SCRATCH = Buffer.allocUnsafe(128);

/** Base-62 digits one 32-bit draw yields (62^5 < 2^32); the slight bias of the top digit does not matter for ids. */
const DIGITS_PER_DRAW = 5;

/** Provider-style random id (`chatcmpl-…`, `call_…`), drawn from the request's seeded source. */
export function randomId(rng: SeededRandom, prefix: string, length: number): string {
  const bytes = prefix.length + length <= ID_SCRATCH.length ? ID_SCRATCH : Buffer.allocUnsafe(prefix.length + length);
  let at = bytes.write(prefix, 0, 'latin1');
  // Five digits per draw rather than one: ids are drawn several times per request.
  for (let i = 0; i < length; i += DIGITS_PER_DRAW) {
    let u = rng.nextUint32();
    const digits = Math.min(DIGITS_PER_DRAW, length - i);
    for (let d = 0; d < digits; d++) {
      bytes[at++] = ID_CODES[u % 62]!;
      u = Math.floor(u / 62);
    }
  }
  return bytes.toString('latin1', 0, at);
}

function corpusSource(corpus: Corpus, entry: EntryMeta): TokenSource {
  return { bytes: corpus.bytes, offsets: corpus.offsets, first: entry.tokenStart, count: entry.tokenCount };
}

/** Vocabulary for synthesized string values: words from the corpus, gathered once per thread. */
const wordCache = new WeakMap<Corpus, readonly string[]>();
function corpusWords(corpus: Corpus): readonly string[] {
  let words = wordCache.get(corpus);
  if (words === undefined) {
    const set = new Set<string>();
    const text = corpus.bytes.toString('utf8', 0, Math.min(corpus.bytes.length, 200_000));
    // The arena holds JSON-escaped text: escapes go first, or a backslash-n before "package" gives "npackage".
    for (const w of text.replace(/\\./g, ' ').split(/[^A-Za-z]+/)) if (w.length >= 3 && w.length <= 12) set.add(w.toLowerCase());
    words = [...set].slice(0, 2000);
    wordCache.set(corpus, words);
  }
  return words;
}

function synthesizedTokens(value: unknown): TokenSource {
  return tokenSourceFromStrings(splitTokens(JSON.stringify(value)));
}

function groupFor(req: AnswerRequest, rng: SeededRandom): KindGroup {
  if (req.tools.length > 0) {
    if (req.mustCallTool) return 'tool_call';
    // With tools on "auto", a model usually calls one for a fresh user turn and answers in text
    // once it has the tool's result, which also lets agent loops finish.
    if (!req.lastIsToolResult && rng.next() < 0.8) return 'tool_call';
  }
  return req.json === 'object' ? 'json' : 'chat';
}

export function chooseAnswer(corpus: Corpus, req: AnswerRequest, rng: SeededRandom): Answer {
  const group = groupFor(req, rng);
  let budget = req.maxTokens ?? Number.POSITIVE_INFINITY;
  let cut = false;
  const take = (count: number): number => {
    if (count <= budget) {
      budget -= count;
      return count;
    }
    cut = true;
    const n = budget;
    budget = 0;
    return n;
  };

  if (group === 'tool_call') {
    const index = corpus.sample(rng, req.bucketKey, 'tool_call', req.maxTokens);
    const entry = index === undefined ? null : corpus.entries[index]!;
    const content = entry ? corpusSource(corpus, entry) : NO_TOKENS;
    const contentCount = take(content.count);
    const recorded = entry ? entry.toolCalls.length : 1;
    const callCount = req.parallelToolCalls ? Math.max(1, Math.min(recorded, req.tools.length)) : 1;
    const toolCalls: AnswerToolCall[] = [];
    for (let i = 0; i < callCount; i++) {
      const tool = req.tools[callCount === req.tools.length ? i : rng.int(req.tools.length)]!;
      const args = synthesizedTokens(instanceFromSchema(tool.parameters ?? { type: 'object' }, rng, { words: corpusWords(corpus) }));
      const id = randomId(rng, 'call_', 24);
      toolCalls.push({ id, name: tool.name, args, count: take(args.count) });
    }
    const completionTokens = contentCount + toolCalls.reduce((n, c) => n + c.count, 0);
    return { entry, refusal: false, content, contentCount, toolCalls, finishReason: cut ? 'length' : 'tool_calls', completionTokens };
  }

  if (req.json === 'schema') {
    const content = synthesizedTokens(instanceFromSchema(req.jsonSchema ?? { type: 'object' }, rng, { words: corpusWords(corpus) }));
    const contentCount = take(content.count);
    return { entry: null, refusal: false, content, contentCount, toolCalls: [], finishReason: cut ? 'length' : 'stop', completionTokens: contentCount };
  }

  const forced = req.forceEntryId ? corpus.indexOf(req.forceEntryId) : undefined;
  const index = forced ?? corpus.sample(rng, req.bucketKey, group, req.maxTokens);
  if (index === undefined) {
    // A user corpus without entries of this kind: synthesize a small JSON object or an empty reply.
    const content = group === 'json' ? synthesizedTokens({ result: 'ok' }) : NO_TOKENS;
    const contentCount = take(content.count);
    return { entry: null, refusal: false, content, contentCount, toolCalls: [], finishReason: cut ? 'length' : 'stop', completionTokens: contentCount };
  }
  const entry = corpus.entries[index]!;
  const content = corpusSource(corpus, entry);
  const contentCount = take(content.count);
  return {
    entry,
    refusal: entry.kind === 'refusal',
    content,
    contentCount,
    toolCalls: [],
    finishReason: cut ? 'length' : entry.finishReason === 'tool_calls' ? 'stop' : entry.finishReason,
    completionTokens: contentCount,
  };
}

/** Token counts of an answer's token steps, in the order a stream sends them (for scheduling). */
export function laneTokenSteps(a: Answer): number[] {
  const steps: number[] = [];
  if (a.contentCount > 0) steps.push(a.contentCount);
  for (const c of a.toolCalls) if (c.count > 0) steps.push(c.count);
  return steps;
}
