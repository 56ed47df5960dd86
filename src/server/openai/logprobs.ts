/**
 * Chat Completions `logprobs`: one entry per answer token (`token`, `logprob`, `bytes`,
 * `top_logprobs`), as OpenAI returns them when a request sets `logprobs: true`. Eval pipelines and
 * frameworks (LangChain's `response_metadata.logprobs`) read them; without them the field was
 * always `null`, so those paths went untested.
 *
 * The values are drawn from the request's seeded source: the sent token is the likeliest (mostly
 * near-certain, sometimes a close call), and the alternatives are other tokens of the same answer
 * with lower, decreasing log probabilities. Built only for requests that ask, off the default
 * path; each entry is JSON text, joined per response or per stream event.
 */
import type { SeededRandom } from '../../timing/random.js';
import type { TokenSource } from '../stream-plan.js';
import { splitTokens } from '../../corpus/tokens.js';
import { invalidRequest, type OpenAIError } from './errors.js';

/** The escaped JSON text of token `i` of `src` (the arena stores it ready to put between quotes). */
function escapedToken(src: TokenSource, i: number): string {
  return src.bytes.toString('utf8', src.offsets[src.first + i], src.offsets[src.first + i + 1]);
}

/** `"token":"…","logprob":x,"bytes":[…]` for one token. */
function tokenFields(escaped: string, logprob: number): string {
  const bytes = Buffer.from(JSON.parse(`"${escaped}"`) as string, 'utf8');
  return `"token":"${escaped}","logprob":${logprob},"bytes":[${bytes.join(',')}]`;
}

/**
 * Another token of the answer for the alternatives, different from the sent one and from those
 * already listed; a few draws, then null (a short answer may have too few distinct tokens).
 */
function alternative(src: TokenSource, count: number, sent: string, taken: ReadonlySet<string>, rng: SeededRandom): string | null {
  for (let attempt = 0; attempt < 8; attempt++) {
    const t = escapedToken(src, rng.int(count));
    if (t !== sent && !taken.has(t)) return t;
  }
  return null;
}

/** A log probability rounded as OpenAI prints them (about 8 significant digits). */
const rounded = (x: number): number => Number(x.toPrecision(8));

/** One sent token's draw: its log probability, and the alternatives listed with it (itself first). */
interface TokenDraw {
  readonly escaped: string;
  readonly logprob: number;
  /** `[escaped token, logprob]`, decreasing, the sent token first; empty when `top` is 0. */
  readonly top: readonly (readonly [string, number])[];
}

/** Token `i` of `src` with its log probability and `top` alternatives (other tokens of the same answer). */
function drawToken(src: TokenSource, count: number, i: number, top: number, rng: SeededRandom): TokenDraw {
  const escaped = escapedToken(src, i);
  // Mostly near-certain tokens, one in eight a closer call.
  const p = rng.next() < 0.875 ? 1 - 0.05 * rng.next() : 0.35 + 0.5 * rng.next();
  const logprob = rounded(Math.log(p));
  const listed: [string, number][] = [];
  if (top > 0) {
    listed.push([escaped, logprob]);
    const taken = new Set<string>([escaped]);
    let rest = 1 - p;
    let previous = p;
    for (let k = 1; k < top; k++) {
      // Each alternative takes a share of what probability is left, below the one before it.
      const share = Math.min(rest * (0.3 + 0.4 * rng.next()), previous * 0.95);
      rest -= share;
      previous = share;
      const other = alternative(src, count, escaped, taken, rng);
      if (other === null) break;
      taken.add(other);
      listed.push([other, rounded(Math.log(Math.max(share, 1e-12)))]);
    }
  }
  return { escaped, logprob, top: listed };
}

/**
 * Most log probabilities, a token's own and each of its alternatives, that one Chat Completions
 * or Responses reply is built with. They are built on the server thread when the request is
 * accepted, about 2.7 µs and 70 bytes each, and no stream on the thread is served meanwhile:
 * 200,000 hold it about half a second. (`n: 128` with `top_logprobs: 20` asked for 950,000: 2.5 s
 * and 70 MB.)
 */
export const MAX_LOGPROBS = 200_000;

/** The 400 for a reply that would carry more than MAX_LOGPROBS log probabilities, or null when it fits. */
export function tooManyLogprobs(answers: readonly { readonly contentCount: number }[], top: number): OpenAIError | null {
  let count = 0;
  for (const a of answers) count += a.contentCount * (1 + top);
  if (count <= MAX_LOGPROBS) return null;
  return invalidRequest(
    `This request asks for ${count} log probabilities (answer tokens × (1 + top_logprobs), over every choice); the simulator builds at most ${MAX_LOGPROBS} in one reply, since building them holds up every stream on its thread. Ask for fewer choices or a smaller top_logprobs.`,
    'top_logprobs',
    'invalid_value',
  );
}

/**
 * The entries of the first `count` tokens of `src`, with `top` alternatives each (0–20, the
 * request's `top_logprobs`), as JSON object texts in token order.
 */
export function tokenLogprobs(src: TokenSource, count: number, top: number, rng: SeededRandom): string[] {
  const entries = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const d = drawToken(src, count, i, top, rng);
    const alternatives = d.top.map(([t, lp]) => `{${tokenFields(t, lp)}}`).join(',');
    entries[i] = `{${tokenFields(d.escaped, d.logprob)},"top_logprobs":[${alternatives}]}`;
  }
  return entries;
}

/** A choice's `logprobs` object: entries under `content` (or `refusal` for a refusal), the other null. */
export function choiceLogprobs(entries: readonly string[], refusal: boolean): string {
  const list = `[${entries.join(',')}]`;
  return refusal ? `{"content":null,"refusal":${list}}` : `{"content":${list},"refusal":null}`;
}

/**
 * Legacy Completions' `logprobs`, as parallel arrays (JSON texts per token): the tokens, their log
 * probabilities, the top `top` alternatives as `{token: logprob}` (the arrays are null when `top`
 * is 0), and each token's character offset in prompt + completion. With `echo`, the prompt's
 * tokens lead, the first with a null log probability, as OpenAI returns them; they are the same in
 * every choice of the prompt, so they are drawn and joined once per prompt (`promptLogprobs`).
 */
export interface PromptLogprobs {
  /** The echoed prompt's four arrays' contents, joined; null without `echo`. */
  readonly joined: { readonly tokens: string; readonly logprobs: string; readonly tops: string; readonly offsets: string } | null;
  /** The prompt's length in characters: where the completion's offsets start. */
  readonly chars: number;
}

export function promptLogprobs(promptText: string, echo: boolean, rng: SeededRandom): PromptLogprobs {
  if (!echo) return { joined: null, chars: promptText.length };
  const tokens: string[] = [];
  const logprobs: string[] = [];
  const tops: string[] = [];
  const offsets: number[] = [];
  let at = 0;
  splitTokens(promptText).forEach((t, i) => {
    const escaped = JSON.stringify(t).slice(1, -1);
    // Nothing precedes the first token, so it has no log probability.
    const lp = i === 0 ? null : rounded(Math.log(1 - 0.3 * rng.next()));
    tokens.push(`"${escaped}"`);
    logprobs.push(lp === null ? 'null' : String(lp));
    tops.push(lp === null ? 'null' : `{"${escaped}":${lp}}`);
    offsets.push(at);
    at += t.length;
  });
  return { joined: { tokens: tokens.join(','), logprobs: logprobs.join(','), tops: tops.join(','), offsets: offsets.join(',') }, chars: promptText.length };
}

/** One choice's completion arrays, after its prompt's. */
export interface LegacyLogprobs {
  readonly prompt: PromptLogprobs;
  readonly tokens: readonly string[];
  readonly logprobs: readonly string[];
  readonly tops: readonly string[] | null;
  readonly offsets: readonly number[];
}

export function legacyLogprobs(prompt: PromptLogprobs, src: TokenSource, count: number, top: number, rng: SeededRandom): LegacyLogprobs {
  const tokens: string[] = [];
  const logprobs: string[] = [];
  const tops: string[] = [];
  const offsets: number[] = [];
  let at = prompt.chars;
  for (let i = 0; i < count; i++) {
    const d = drawToken(src, count, i, top, rng);
    tokens.push(`"${d.escaped}"`);
    logprobs.push(String(d.logprob));
    tops.push(`{${d.top.map(([t, lp]) => `"${t}":${lp}`).join(',')}}`);
    offsets.push(at);
    at += (JSON.parse(`"${d.escaped}"`) as string).length;
  }
  return { prompt, tokens, logprobs, tops: top === 0 ? null : tops, offsets };
}

const joinArray = (head: string, tail: readonly (string | number)[]): string => `[${head}${head !== '' && tail.length > 0 ? ',' : ''}${tail.join(',')}]`;

/** A choice's whole `logprobs` object: its prompt's tokens (with `echo`), then its completion's. */
export function legacyLogprobsJson(l: LegacyLogprobs): string {
  const p = l.prompt.joined;
  const tops = l.tops === null ? 'null' : joinArray(p?.tops ?? '', l.tops);
  return `{"tokens":${joinArray(p?.tokens ?? '', l.tokens)},"token_logprobs":${joinArray(p?.logprobs ?? '', l.logprobs)},"top_logprobs":${tops},"text_offset":${joinArray(p?.offsets ?? '', l.offsets)}}`;
}

/** The `logprobs` of a stream chunk: the echoed prompt's (`from` null), or completion tokens `from` to `to`. */
export function legacyChunkLogprobsJson(l: LegacyLogprobs, from: number | null, to = 0): string {
  if (from === null) {
    const p = l.prompt.joined;
    return `{"tokens":[${p?.tokens ?? ''}],"token_logprobs":[${p?.logprobs ?? ''}],"top_logprobs":${l.tops === null ? 'null' : `[${p?.tops ?? ''}]`},"text_offset":[${p?.offsets ?? ''}]}`;
  }
  const tops = l.tops === null ? 'null' : `[${l.tops.slice(from, to).join(',')}]`;
  return `{"tokens":[${l.tokens.slice(from, to).join(',')}],"token_logprobs":[${l.logprobs.slice(from, to).join(',')}],"top_logprobs":${tops},"text_offset":[${l.offsets.slice(from, to).join(',')}]}`;
}
