/**
 * Stop sequences (`stop`, `stop_sequences`, `stopSequences`): the answer ends just before the
 * first place any of them occurs in its text, as the providers end generation there and leave the
 * sequence out. The search runs on the pre-escaped token bytes, with each sequence escaped the same
 * way, so nothing is decoded; the cut keeps the arena and gets new token boundaries, the last token
 * shortened to end where the sequence begins.
 */
import type { Answer } from './answer.js';
import type { TokenSource } from './stream-plan.js';

const BACKSLASH = 0x5c;

/**
 * Anthropic sets no limit on how many sequences a request sends; past this many the rest are not
 * looked for, so that one request cannot hold a thread for seconds.
 */
const MAX_STOPS = 1000;

/** Where `needle` first occurs in `text` (the answer's escaped bytes) as whole escaped characters; -1 when nowhere. */
function findEscaped(text: Buffer, needle: Buffer): number {
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    // After an odd run of backslashes the match starts inside an escape (`\\n` holds `\n`'s bytes).
    let slashes = 0;
    while (at - slashes - 1 >= 0 && text[at - slashes - 1] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
  }
  return -1;
}

/** The first `count` tokens of `src`, ending at byte `end` (inside or at the end of the last). */
function cutSource(src: TokenSource, count: number, end: number): TokenSource {
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i] = src.offsets[src.first + i]!;
  offsets[count] = end;
  return { bytes: src.bytes, offsets, first: 0, count };
}

/**
 * `a` ended before the earliest stop sequence in its sent text, with finish reason `stop` and the
 * sequence recorded (Anthropic names it); `a` itself when none occurs before its end. A
 * tool-calling turn is left whole: its text is a short preamble, and a forced tool choice must
 * still call the tool. Empty sequences are ignored.
 */
export function stopAnswer(a: Answer, stops: readonly string[] | undefined): Answer {
  if (stops === undefined || stops.length === 0 || a.contentCount === 0 || a.toolCalls.length > 0) return a;
  const src = a.content;
  const start = src.offsets[src.first]!;
  // Only the sent text: a sequence counts when all of it was generated, before the output limit's cut.
  const text = src.bytes.subarray(start, src.offsets[src.first + a.contentCount]);
  let best = -1;
  let matched = '';
  for (let i = 0; i < stops.length && i < MAX_STOPS; i++) {
    const stop = stops[i]!;
    if (stop.length === 0 || stop.length > text.length) continue;
    const at = findEscaped(text, Buffer.from(JSON.stringify(stop).slice(1, -1)));
    if (at !== -1 && (best === -1 || at < best)) {
      best = at;
      matched = stop;
    }
  }
  if (best === -1) return a;
  best += start;
  // Tokens wholly before the sequence, plus the part of the one it starts in.
  let whole = 0;
  while (whole < a.contentCount && src.offsets[src.first + whole + 1]! <= best) whole++;
  const count = src.offsets[src.first + whole]! < best ? whole + 1 : whole;
  const content = cutSource(src, count, best);
  return { ...a, content, contentCount: count, finishReason: 'stop', completionTokens: count, stopSequence: matched };
}

/** OpenAI's `stop`: one string or a list (null and absent alike mean none). */
export function stopList(stop: string | readonly string[] | null | undefined): readonly string[] | undefined {
  if (stop === null || stop === undefined) return undefined;
  return typeof stop === 'string' ? [stop] : stop;
}
