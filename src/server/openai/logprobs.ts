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
 * Legacy Completions' `logprobs` for one choice, as parallel arrays (JSON texts per token): the
 * tokens, their log probabilities, the top `top` alternatives as `{token: logprob}` (none when
 * `top` is 0), and each token's character offset in prompt + completion. With `echo`, the prompt's
 * tokens lead (`promptCount` of them), the first with a null log probability, as OpenAI returns them.
 */
export interface LegacyLogprobs {
  readonly tokens: readonly string[];
  readonly logprobs: readonly string[];
  readonly tops: readonly string[] | null;
  readonly offsets: readonly number[];
  readonly promptCount: number;
}

export function legacyLogprobs(promptText: string, echo: boolean, src: TokenSource, count: number, top: number, rng: SeededRandom): LegacyLogprobs {
  const tokens: string[] = [];
  const logprobs: string[] = [];
  const tops: string[] = [];
  const offsets: number[] = [];
  let at = 0;
  const push = (escaped: string, text: string, logprob: number | null, alternatives: readonly (readonly [string, number])[] | null): void => {
    tokens.push(`"${escaped}"`);
    logprobs.push(logprob === null ? 'null' : String(logprob));
    tops.push(alternatives === null ? 'null' : `{${alternatives.map(([t, lp]) => `"${t}":${lp}`).join(',')}}`);
    offsets.push(at);
    at += text.length;
  };
  let promptCount = 0;
  if (echo) {
    const pieces = splitTokens(promptText);
    promptCount = pieces.length;
    pieces.forEach((t, i) => {
      const escaped = JSON.stringify(t).slice(1, -1);
      const lp = i === 0 ? null : rounded(Math.log(1 - 0.3 * rng.next()));
      push(escaped, t, lp, lp === null ? null : [[escaped, lp]]);
    });
  } else {
    at = promptText.length;
  }
  for (let i = 0; i < count; i++) {
    const d = drawToken(src, count, i, top, rng);
    push(d.escaped, JSON.parse(`"${d.escaped}"`) as string, d.logprob, d.top);
  }
  return { tokens, logprobs, tops: top === 0 ? null : tops, offsets, promptCount };
}

/** The `logprobs` object of tokens `from` to `to` (a stream chunk's, or all of them). */
export function legacyLogprobsJson(l: LegacyLogprobs, from = 0, to = l.tokens.length): string {
  const tops = l.tops === null ? 'null' : `[${l.tops.slice(from, to).join(',')}]`;
  return `{"tokens":[${l.tokens.slice(from, to).join(',')}],"token_logprobs":[${l.logprobs.slice(from, to).join(',')}],"top_logprobs":${tops},"text_offset":[${l.offsets.slice(from, to).join(',')}]}`;
}
