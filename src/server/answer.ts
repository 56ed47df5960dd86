/**
 * Chooses what a request is answered with, independent of the wire dialect: the corpus entry for
 * each choice, synthesized tool-call arguments or JSON-schema objects where the request dictates
 * the shape, and the cut at the token limit. Dialect encoders turn an `Answer` into bytes.
 */
import type { EntryMeta } from '../corpus/compiled.js';
import type { FinishReason } from '../corpus/format.js';
import type { Corpus, KindGroup } from '../corpus/sampler.js';
import { boundedInstance, instanceFromSchema } from '../corpus/schema-instance.js';
import { splitTokens } from '../corpus/tokens.js';
import type { SeededRandom } from '../timing/random.js';
import { stopAnswer } from './stop-sequences.js';
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
  /**
   * A tool call goes out with no text before it (Anthropic's forced `tool_choice` prefills the
   * turn; Gemini's mode ANY predicts function calls only), so the whole token limit is the calls'.
   */
  readonly callsOnly?: boolean;
  /** The caller allows more than one call per turn (OpenAI `parallel_tool_calls`, default true). */
  readonly parallelToolCalls: boolean;
  /** The conversation's last message is a tool result: models answer it in text. */
  readonly lastIsToolResult: boolean;
  readonly json: 'none' | 'object' | 'schema';
  readonly jsonSchema: unknown;
  readonly maxTokens: number | undefined;
  /** Answer with this corpus entry (the x-understudy-entry override) when it exists. */
  readonly forceEntryId?: string | null;
  /** The request's stop sequences: the answer ends before the first one in its text. */
  readonly stop?: readonly string[];
  /**
   * The dialect reports a refusal apart from the answer, as OpenAI's `refusal` does under
   * Structured Outputs: a `json_schema` request is then refused as often as the model's text
   * answers in the corpus are refusals. Elsewhere a refusal entry is ordinary text, as a plain
   * chat refusal is ("I'm sorry, I can't help with that." in `content`, finish_reason `stop`).
   */
  readonly schemaRefusals?: boolean;
}

export interface AnswerToolCall {
  readonly id: string;
  readonly name: string;
  readonly args: TokenSource;
  /** Argument tokens sent (fewer than args.count when cut at the limit). */
  readonly count: number;
  /** A custom (free-form) tool's call: `args` is its input text, not JSON arguments. */
  readonly custom?: boolean;
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
  /** The stop sequence the answer ended before (`stopAnswer`); absent when none did. */
  readonly stopSequence?: string;
}

const NO_TOKENS: TokenSource = { bytes: Buffer.alloc(0), offsets: new Int32Array(1), first: 0, count: 0 };

/** The answer when reasoning spent the whole output limit: nothing written, cut at the limit. */
export const SPENT_ANSWER: Answer = { entry: null, refusal: false, content: NO_TOKENS, contentCount: 0, toolCalls: [], finishReason: 'length', completionTokens: 0 };

const ID_CODES = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'latin1');
/**
 * Ids are assembled here as bytes and read back as one flat string. Appending a digit at a time
 * built a rope of one node per digit (about 1 KB for a 29-digit id), and the ids a stream's
 * headers carry kept theirs alive for the whole stream.
 */
const ID_SCRATCH = Buffer.allocUnsafe(128);

/** Digits one 32-bit draw yields in base 62 or less (62^5 < 2^32); the slight bias of the top digit does not matter for ids. */
const DIGITS_PER_DRAW = 5;

/**
 * Provider-style random id (`chatcmpl-…`, `call_…`), drawn from the request's seeded source;
 * `codes`: the digits as bytes, at most 62 of them (`./owner-ids.ts` draws Gemini's lowercase ids).
 */
export function randomId(rng: SeededRandom, prefix: string, length: number, codes: Buffer = ID_CODES): string {
  const base = codes.length;
  const bytes = prefix.length + length <= ID_SCRATCH.length ? ID_SCRATCH : Buffer.allocUnsafe(prefix.length + length);
  // The prefix (ASCII) a byte at a time: a native `write` of a few characters cost more than the loop.
  let at = 0;
  for (; at < prefix.length; at++) bytes[at] = prefix.charCodeAt(at);
  // Five digits per draw rather than one: ids are drawn several times per request.
  for (let i = 0; i < length; i += DIGITS_PER_DRAW) {
    let u = rng.nextUint32();
    const digits = Math.min(DIGITS_PER_DRAW, length - i);
    // The remainder by multiplication: a draw past 2^31 is a double, and `%` of a double is a
    // floating-point modulo (about a third of an id's cost). Base 62 (every id but Gemini's)
    // divides by a constant.
    if (base === 62) {
      for (let d = 0; d < digits; d++) {
        const q = Math.floor(u / 62);
        bytes[at++] = codes[u - q * 62]!;
        u = q;
      }
    } else {
      for (let d = 0; d < digits; d++) {
        const q = Math.floor(u / base);
        bytes[at++] = codes[u - q * base]!;
        u = q;
      }
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

/**
 * How far a value for a schema is made, in characters of JSON per token of the budget: o200k
 * averages about four in such text, so the first try usually holds the budget. Text of unusually
 * long tokens (runs of spaces, long words) takes another try with four times the room, and so on
 * until the text holds the budget or the value is whole: the work stays about what the sent text
 * needs. The text before the cut is the same whatever the limit (`maxUnits`).
 */
const CHARS_PER_TOKEN_FIRST = 6;
const RETRY_GROWTH = 4;
/** Characters on top, so a tiny budget does not stop a value at its first few characters. */
const UNITS_SLACK = 256;

/**
 * Interned schemas are bounded by the characters of their JSON: what the generator keeps of a
 * schema (its memo) and the schema itself take about 23 bytes of heap per character, so this is
 * about 12 MB per thread at most, however many distinct schemas clients send. Typical tool
 * schemas are a few hundred characters to a few KiB.
 */
const INTERN_TOTAL_CHARS = 512 * 1024;
/** Larger schemas are read afresh each time: one would take a good part of the budget. */
const INTERN_MAX_CHARS = 32 * 1024;
const interned = new Map<string, unknown>();
let internedChars = 0;

/** What the interned schemas hold (for tests: they stay within their bound). */
export function internedSchemaStats(): { schemas: number; chars: number } {
  return { schemas: interned.size, chars: internedChars };
}

/**
 * The first object seen with this schema's JSON: a load test sends the same tools with every
 * request, and the generator keeps what it read of a schema per object (`SchemaMemo`), so each
 * tool schema is read once per thread rather than once per request. Oldest out first.
 */
function internSchema(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  const key = JSON.stringify(schema);
  if (key.length > INTERN_MAX_CHARS) return schema;
  const hit = interned.get(key);
  if (hit !== undefined) return hit;
  while (internedChars + key.length > INTERN_TOTAL_CHARS) {
    const oldest = interned.keys().next().value!;
    interned.delete(oldest);
    internedChars -= oldest.length;
  }
  interned.set(key, schema);
  internedChars += key.length;
  return schema;
}

/** Tokens of a value made from `schema`, made and tokenized only about as far as `budget` needs. */
function schemaTokens(corpus: Corpus, requestSchema: unknown, rng: SeededRandom, budget: number): TokenSource {
  const words = corpusWords(corpus);
  const schema = internSchema(requestSchema);
  if (!Number.isFinite(budget)) return synthesizedTokens(instanceFromSchema(schema, rng, { words }), budget);
  for (let maxUnits = budget * CHARS_PER_TOKEN_FIRST + UNITS_SLACK; ; maxUnits *= RETRY_GROWTH) {
    // Each try draws from a copy, so the next starts from the same draws.
    const trial = rng.clone();
    const made = boundedInstance(schema, trial, { words, maxUnits });
    const tokens = synthesizedTokens(made.value, budget);
    if (!made.stopped || tokens.count > budget) {
      rng.copyFrom(trial);
      return tokens;
    }
  }
}

/** Synthesized text up to this length is tokenized whole; most tool arguments are far shorter. */
const WHOLE_TEXT_CHARS = 64 * 1024;
/** A longer text is tokenized this many characters at a time. */
const SLICE_CHARS = 16 * 1024;

/**
 * Tokens of a synthesized value, as far as `budget` needs them. A client's schema can demand
 * megabytes (20,000 required properties); tokenizing all of it held a server thread, and every
 * stream on it, for most of a second. A long text is tokenized a slice at a time until the tokens
 * exceed the budget, where the answer is cut with `length` as the model's would be. A token may
 * differ from whole-text tokenization only where a slice ends; the pieces still join to the text.
 */
function synthesizedTokens(value: unknown, budget: number): TokenSource {
  const text = JSON.stringify(value);
  if (text.length <= WHOLE_TEXT_CHARS || !Number.isFinite(budget)) return tokenSourceFromStrings(splitTokens(text));
  const tokens: string[] = [];
  for (let from = 0; from < text.length && tokens.length <= budget; ) {
    let to = Math.min(text.length, from + SLICE_CHARS);
    // Never cut inside a surrogate pair: each slice must be whole characters.
    const code = text.charCodeAt(to - 1);
    if (to < text.length && code >= 0xd800 && code <= 0xdbff) to++;
    for (const t of splitTokens(text.slice(from, to))) tokens.push(t);
    from = to;
  }
  return tokenSourceFromStrings(tokens);
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

/** The answer to `req`: drawn or synthesized, cut at its output limit, and ended at a stop sequence. */
export function chooseAnswer(corpus: Corpus, req: AnswerRequest, rng: SeededRandom): Answer {
  return stopAnswer(drawAnswer(corpus, req, rng), req.stop);
}

function drawAnswer(corpus: Corpus, req: AnswerRequest, rng: SeededRandom): Answer {
  const forced = req.forceEntryId ? corpus.indexOf(req.forceEntryId) : undefined;
  // A forced entry answers as what it is, where the request lets it: a tool-calling entry calls
  // whenever tools are offered, another answers in text unless a call is required. The group is
  // still drawn, so every later draw keeps its place.
  const drawn = groupFor(req, rng);
  const group =
    forced === undefined || req.tools.length === 0
      ? drawn
      : corpus.entries[forced]!.kind === 'tool_call' || req.mustCallTool
        ? 'tool_call'
        : req.json === 'object'
          ? 'json'
          : 'chat';
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
    const index = forced ?? corpus.sample(rng, req.bucketKey, 'tool_call', req.maxTokens);
    const entry = index === undefined ? null : corpus.entries[index]!;
    const content = entry && req.callsOnly !== true ? corpusSource(corpus, entry) : NO_TOKENS;
    const contentCount = take(content.count);
    const recorded = entry ? entry.toolCalls.length : 1;
    const callCount = req.parallelToolCalls ? Math.max(1, Math.min(recorded, req.tools.length)) : 1;
    const toolCalls: AnswerToolCall[] = [];
    for (let i = 0; i < callCount; i++) {
      const tool = req.tools[callCount === req.tools.length ? i : rng.int(req.tools.length)]!;
      const args = schemaTokens(corpus, tool.parameters ?? { type: 'object' }, rng, budget);
      const id = randomId(rng, 'call_', 24);
      toolCalls.push({ id, name: tool.name, args, count: take(args.count) });
    }
    const completionTokens = contentCount + toolCalls.reduce((n, c) => n + c.count, 0);
    return { entry, refusal: false, content, contentCount, toolCalls, finishReason: cut ? 'length' : 'tool_calls', completionTokens };
  }

  if (req.json === 'schema') {
    if (req.schemaRefusals === true) {
      const picked = forced ?? corpus.sample(rng, req.bucketKey, 'chat', req.maxTokens);
      const entry = picked === undefined ? null : corpus.entries[picked]!;
      if (entry !== null && entry.kind === 'refusal') {
        const content = corpusSource(corpus, entry);
        const contentCount = take(content.count);
        return { entry, refusal: true, content, contentCount, toolCalls: [], finishReason: cut ? 'length' : 'stop', completionTokens: contentCount };
      }
    }
    const content = schemaTokens(corpus, req.jsonSchema ?? { type: 'object' }, rng, budget);
    const contentCount = take(content.count);
    return { entry: null, refusal: false, content, contentCount, toolCalls: [], finishReason: cut ? 'length' : 'stop', completionTokens: contentCount };
  }

  const index = forced ?? corpus.sample(rng, req.bucketKey, group, req.maxTokens);
  if (index === undefined) {
    // A user corpus without entries of this kind: synthesize a small JSON object or an empty reply.
    const content = group === 'json' ? synthesizedTokens({ result: 'ok' }, budget) : NO_TOKENS;
    const contentCount = take(content.count);
    return { entry: null, refusal: false, content, contentCount, toolCalls: [], finishReason: cut ? 'length' : 'stop', completionTokens: contentCount };
  }
  const entry = corpus.entries[index]!;
  const content = corpusSource(corpus, entry);
  const contentCount = take(content.count);
  return {
    entry,
    refusal: false,
    content,
    contentCount,
    toolCalls: [],
    finishReason: cut ? 'length' : entry.finishReason === 'tool_calls' ? 'stop' : entry.finishReason,
    completionTokens: contentCount,
  };
}

/**
 * Whether the entry's recorded timing describes `a` (`--timing recorded`). A recording times the
 * entry's text; a forced tool choice drops that text and sends the calls alone, which it never
 * timed. A custom tool's call is that text, so its recording still times it.
 */
export function recordingDescribes(a: Answer): boolean {
  return a.entry === null || a.entry.tokenCount === 0 || a.contentCount > 0 || a.toolCalls.length === 0 || a.toolCalls[0]!.custom === true;
}

/** Token counts of an answer's token steps, in the order a stream sends them (for scheduling). */
export function laneTokenSteps(a: Answer): number[] {
  const steps: number[] = [];
  if (a.contentCount > 0) steps.push(a.contentCount);
  for (const c of a.toolCalls) if (c.count > 0) steps.push(c.count);
  return steps;
}
