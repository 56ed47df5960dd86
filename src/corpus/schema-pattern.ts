/**
 * Strings that match a JSON Schema `pattern`, for the common subset of ECMAScript regular
 * expressions: literals, escapes (`\d \w \s \D \W \S`, `\n`, `\xHH`, `\uHHHH`, `\u{H…}`), classes
 * with ranges and negation, `.`, groups (capturing, `(?:…)`, `(?<name>…)`), alternation, and the
 * quantifiers `* + ? {n} {n,} {n,m}` (lazy or not). Anchors and `\b` match the empty string.
 *
 * Anything else (backreferences, lookaround, `\p{…}`) makes `parsePattern` return `undefined`,
 * and the caller falls back to text that ignores the pattern. A user's pattern is never compiled
 * or run: a hostile one (`(a+)+$`) could backtrack for minutes, and generation from the parsed
 * tree takes time linear in the output, which is capped.
 */
import type { SeededRandom } from '../timing/random.js';

/** Longest pattern parsed; longer ones are not real-world field formats. */
const MAX_PATTERN_LENGTH = 1024;
/** Deepest group nesting parsed; the parser recurses once per level. */
const MAX_GROUP_DEPTH = 32;
/** Extra repetitions drawn beyond the minimum for `*`, `+` and `{n,}`. */
const OPEN_REPEAT_EXTRA = 3;
/** Extra repetitions drawn beyond the minimum for `{n,m}`, so `{1,1000}` stays short. */
const BOUNDED_REPEAT_EXTRA = 16;

type CodeRange = readonly [number, number];

export type PatternNode =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'set';
      readonly ranges: readonly CodeRange[];
      readonly negated: boolean;
      /** Printable ASCII characters the set matches, preferred when drawing. */
      readonly pool: string;
    }
  | { readonly kind: 'sequence'; readonly items: readonly PatternNode[] }
  | { readonly kind: 'choice'; readonly options: readonly PatternNode[] }
  | { readonly kind: 'repeat'; readonly node: PatternNode; readonly min: number; readonly max: number };

const DIGIT: readonly CodeRange[] = [[0x30, 0x39]];
const WORD: readonly CodeRange[] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: readonly CodeRange[] = [[0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x2028, 0x2029], [0xfeff, 0xfeff]];
/** `.` matches anything but line terminators; a drawn `.` is a letter. */
const DOT: PatternNode = set([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]], true);
const EMPTY: PatternNode = { kind: 'text', text: '' };

function inRanges(code: number, ranges: readonly CodeRange[]): boolean {
  return ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

function set(ranges: readonly CodeRange[], negated: boolean): PatternNode {
  let pool = '';
  for (let code = 0x20; code <= 0x7e; code++) if (inRanges(code, ranges) !== negated) pool += String.fromCharCode(code);
  // `.` and wide negations draw letters and digits, not punctuation.
  if (negated && pool.length > 62) pool = pool.replace(/[^0-9A-Za-z]/g, '');
  return { kind: 'set', ranges, negated, pool };
}

/** A construct outside the supported subset; caught in `parsePattern`, never escapes it. */
class UnsupportedPattern extends Error {}

class PatternParser {
  readonly #src: string;
  #pos: number;
  #depth: number;

  constructor(src: string) {
    this.#src = src;
    this.#pos = 0;
    this.#depth = 0;
  }

  parse(): PatternNode {
    const node = this.#alternation();
    if (this.#pos < this.#src.length) throw new UnsupportedPattern('unbalanced )');
    return node;
  }

  #peek(): string {
    return this.#src[this.#pos] ?? '';
  }

  #alternation(): PatternNode {
    const options = [this.#sequence()];
    while (this.#peek() === '|') {
      this.#pos++;
      options.push(this.#sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'choice', options };
  }

  #sequence(): PatternNode {
    const items: PatternNode[] = [];
    while (this.#pos < this.#src.length && this.#peek() !== '|' && this.#peek() !== ')') {
      const atom = this.#atom();
      items.push(this.#quantified(atom));
    }
    return items.length === 1 ? items[0]! : { kind: 'sequence', items };
  }

  #atom(): PatternNode {
    const c = this.#peek();
    switch (c) {
      case '(':
        return this.#group();
      case '[':
        return this.#class();
      case '.':
        this.#pos++;
        return DOT;
      case '^':
      case '$':
        this.#pos++;
        return EMPTY;
      case '\\':
        this.#pos++;
        return this.#escape(false);
      case '*':
      case '+':
      case '?':
        throw new UnsupportedPattern('nothing to repeat');
      default: {
        if (c === '{' && this.#braceQuantifierAhead()) throw new UnsupportedPattern('nothing to repeat');
        const code = this.#src.codePointAt(this.#pos) ?? 0;
        this.#pos += code > 0xffff ? 2 : 1;
        return { kind: 'text', text: String.fromCodePoint(code) };
      }
    }
  }

  #braceQuantifierAhead(): boolean {
    return /^\{\d+(,\d*)?\}/.test(this.#src.slice(this.#pos, this.#pos + 24));
  }

  #quantified(atom: PatternNode): PatternNode {
    let min: number;
    let max: number;
    const c = this.#peek();
    if (c === '*' || c === '+' || c === '?') {
      this.#pos++;
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : Infinity;
    } else if (c === '{' && this.#braceQuantifierAhead()) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#src.slice(this.#pos, this.#pos + 24))!;
      this.#pos += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) throw new UnsupportedPattern('quantifier range out of order');
    } else {
      return atom;
    }
    if (this.#peek() === '?') this.#pos++; // lazy: same strings
    return { kind: 'repeat', node: atom, min, max };
  }

  #group(): PatternNode {
    this.#pos++;
    if (this.#src.startsWith('?:', this.#pos)) {
      this.#pos += 2;
    } else if (this.#src.startsWith('?<', this.#pos) && /^\?<[A-Za-z_$][\w$]*>/.test(this.#src.slice(this.#pos, this.#pos + 64))) {
      this.#pos = this.#src.indexOf('>', this.#pos) + 1;
    } else if (this.#peek() === '?') {
      throw new UnsupportedPattern('lookaround or modifier group');
    }
    if (++this.#depth > MAX_GROUP_DEPTH) throw new UnsupportedPattern('groups nested too deep');
    const node = this.#alternation();
    this.#depth--;
    if (this.#peek() !== ')') throw new UnsupportedPattern('unclosed group');
    this.#pos++;
    return node;
  }

  #class(): PatternNode {
    this.#pos++;
    const negated = this.#peek() === '^';
    if (negated) this.#pos++;
    const ranges: CodeRange[] = [];
    if (this.#peek() === ']' && !negated) throw new UnsupportedPattern('empty class');
    while (this.#peek() !== ']') {
      if (this.#pos >= this.#src.length) throw new UnsupportedPattern('unclosed class');
      const first = this.#classAtom(negated);
      if (typeof first !== 'number') {
        ranges.push(...first);
        continue;
      }
      if (this.#peek() === '-' && this.#src[this.#pos + 1] !== ']' && this.#pos + 1 < this.#src.length) {
        this.#pos++;
        const last = this.#classAtom(negated);
        if (typeof last !== 'number') {
          // `[a-\d]` is a literal `-` beside the escape in Annex B; keep all three.
          ranges.push([first, first], [0x2d, 0x2d], ...last);
        } else if (last < first) {
          throw new UnsupportedPattern('class range out of order');
        } else {
          ranges.push([first, last]);
        }
      } else {
        ranges.push([first, first]);
      }
    }
    this.#pos++;
    return set(ranges, negated);
  }

  /** One class member: a code point, or the ranges of a class escape such as `\d`. */
  #classAtom(negated: boolean): number | readonly CodeRange[] {
    if (this.#peek() !== '\\') {
      const code = this.#src.codePointAt(this.#pos) ?? 0;
      this.#pos += code > 0xffff ? 2 : 1;
      return code;
    }
    this.#pos++;
    const c = this.#peek();
    if (c === 'b') {
      this.#pos++;
      return 0x08;
    }
    if (c === 's' && !negated) {
      // Drawn from, not excluded: a space is the one whitespace worth writing.
      this.#pos++;
      return [[0x20, 0x20]];
    }
    const node = this.#escape(true);
    if (node.kind === 'text') return node.text.codePointAt(0) ?? 0;
    if (node.kind === 'set' && !node.negated) return node.ranges;
    throw new UnsupportedPattern('negated escape inside a class');
  }

  #escape(inClass: boolean): PatternNode {
    const code = this.#src.codePointAt(this.#pos);
    if (code === undefined) throw new UnsupportedPattern('trailing backslash');
    const c = String.fromCodePoint(code);
    this.#pos += c.length;
    switch (c) {
      case 'd':
        return set(DIGIT, false);
      case 'D':
        return set(DIGIT, true);
      case 'w':
        return set(WORD, false);
      case 'W':
        return set(WORD, true);
      case 's':
        return inClass ? set(SPACE, false) : { kind: 'text', text: ' ' };
      case 'S':
        return set(SPACE, true);
      case 'b':
      case 'B':
        return EMPTY;
      case 'n':
        return { kind: 'text', text: '\n' };
      case 'r':
        return { kind: 'text', text: '\r' };
      case 't':
        return { kind: 'text', text: '\t' };
      case 'v':
        return { kind: 'text', text: '\v' };
      case 'f':
        return { kind: 'text', text: '\f' };
      case '0':
        if (/\d/.test(this.#peek())) throw new UnsupportedPattern('octal escape');
        return { kind: 'text', text: '\0' };
      case 'x':
        return this.#hexEscape(/^[0-9a-fA-F]{2}/);
      case 'u':
        if (this.#peek() === '{') {
          const m = /^\{([0-9a-fA-F]{1,6})\}/.exec(this.#src.slice(this.#pos, this.#pos + 9));
          const code = m === null ? NaN : parseInt(m[1]!, 16);
          if (m === null || code > 0x10ffff) throw new UnsupportedPattern('bad \\u{} escape');
          this.#pos += m[0].length;
          return { kind: 'text', text: String.fromCodePoint(code) };
        }
        return this.#hexEscape(/^[0-9a-fA-F]{4}/);
      default:
        // Backreferences, \c, \p, \k and friends are outside the subset.
        if (/^[1-9cpPk]$/.test(c)) throw new UnsupportedPattern(`escape \\${c}`);
        return { kind: 'text', text: c };
    }
  }

  #hexEscape(shape: RegExp): PatternNode {
    const m = shape.exec(this.#src.slice(this.#pos, this.#pos + 4));
    if (m === null) throw new UnsupportedPattern('bad hex escape');
    this.#pos += m[0].length;
    return { kind: 'text', text: String.fromCharCode(parseInt(m[0], 16)) };
  }
}

/** The pattern's tree, or `undefined` when it uses a construct outside the supported subset. */
export function parsePattern(pattern: string): PatternNode | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return undefined;
  try {
    return new PatternParser(pattern).parse();
  } catch (err) {
    if (err instanceof UnsupportedPattern) return undefined;
    throw err;
  }
}

/**
 * How repetition counts are chosen: `random` draws them (the first tries), `stretch` sets every
 * quantifier to its minimum plus `extra`, capped at its maximum, so a caller can search for an
 * `extra` that meets a length window.
 */
export type RepeatPlan = { readonly mode: 'random' } | { readonly mode: 'stretch'; readonly extra: number };

class PatternWriter {
  readonly #rng: SeededRandom;
  readonly #plan: RepeatPlan;
  readonly #capUnits: number;
  #out: string;

  constructor(rng: SeededRandom, plan: RepeatPlan, capUnits: number) {
    this.#rng = rng;
    this.#plan = plan;
    this.#capUnits = capUnits;
    this.#out = '';
  }

  write(node: PatternNode): string {
    this.#node(node);
    return this.#out;
  }

  #node(node: PatternNode): void {
    if (this.#out.length >= this.#capUnits) return;
    switch (node.kind) {
      case 'text':
        this.#out += node.text;
        return;
      case 'set':
        this.#out += this.#char(node);
        return;
      case 'sequence':
        for (const item of node.items) this.#node(item);
        return;
      case 'choice':
        this.#node(node.options[this.#rng.int(node.options.length)]!);
        return;
      case 'repeat': {
        const count = this.#count(node.min, node.max);
        for (let i = 0; i < count && this.#out.length < this.#capUnits; i++) this.#node(node.node);
        return;
      }
    }
  }

  #count(min: number, max: number): number {
    if (this.#plan.mode === 'stretch') return Math.min(max, min + this.#plan.extra);
    const top = Math.min(max, min + (max === Infinity ? OPEN_REPEAT_EXTRA : BOUNDED_REPEAT_EXTRA));
    return min + this.#rng.int(top - min + 1);
  }

  #char(node: Extract<PatternNode, { kind: 'set' }>): string {
    if (node.pool.length > 0) return node.pool[this.#rng.int(node.pool.length)]!;
    if (!node.negated && node.ranges.length > 0) {
      const [lo, hi] = node.ranges[this.#rng.int(node.ranges.length)]!;
      return String.fromCodePoint(lo + this.#rng.int(hi - lo + 1));
    }
    // A negation of every printable ASCII character: try Latin-1 letters.
    for (let code = 0xc0; code <= 0xff; code++) if (!inRanges(code, node.ranges)) return String.fromCharCode(code);
    return 'a';
  }
}

/** A string matching `node`, stopping early (and so not matching) past `capUnits` UTF-16 units. */
export function writePattern(node: PatternNode, rng: SeededRandom, plan: RepeatPlan, capUnits: number): string {
  return new PatternWriter(rng, plan, capUnits).write(node);
}
