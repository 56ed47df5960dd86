/**
 * Strings for the schema instance generator: `pattern` (via schema-pattern.ts), `format`, and
 * `minLength`/`maxLength` counted in code points as validators count them. Priority when they
 * conflict: pattern, then format, then plain words; lengths are met when the chosen source can
 * meet them, and otherwise the value keeps its shape (a date stays a date).
 */
import { parsePattern, writePattern } from './schema-pattern.js';
import type { SchemaConstraints } from './schema-keywords.js';
import type { SeededRandom } from '../timing/random.js';

/**
 * Longest string generated, in code points: `minLength: 1e9` gets a 256-character string.
 * Enum and const values are copied as written and are not cut.
 */
export const MAX_STRING_LENGTH = 256;
/** Repetition surplus tried when searching for a pattern match inside a length window. */
const MAX_PATTERN_STRETCH = 64;
/** Random pattern draws tried before the stretch search. */
const PATTERN_DRAWS = 4;

/** Text when the caller passes no vocabulary: plain words that read as field content. */
const DEFAULT_WORDS = [
  'report', 'status', 'update', 'summary', 'project', 'review', 'customer', 'order', 'meeting', 'plan',
  'draft', 'note', 'team', 'budget', 'launch', 'quarterly', 'weekly', 'new', 'final', 'pending',
] as const;
/** Lowercase ASCII names for emails, hostnames and URLs, which vocabulary words may not fit. */
const NAME_WORDS = ['alex', 'sam', 'jordan', 'casey', 'riley', 'morgan', 'acme', 'orbit', 'cedar', 'harbor', 'nova', 'summit'] as const;
const TLDS = ['com', 'org', 'net', 'io', 'dev'] as const;

/** The `format` values written as themselves; any other format gets plain words. */
export type StringFormat =
  | 'date-time' | 'date' | 'time' | 'duration'
  | 'email' | 'idn-email' | 'hostname' | 'idn-hostname' | 'ipv4' | 'ipv6'
  | 'uri' | 'url' | 'uri-reference' | 'iri' | 'iri-reference' | 'uuid' | 'json-pointer' | 'regex';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function pick<T>(rng: SeededRandom, list: readonly T[]): T {
  return list[rng.int(list.length)]!;
}

function date(rng: SeededRandom): string {
  // Days stop at 28 so every month is valid without a calendar.
  return `${2020 + rng.int(11)}-${pad(1 + rng.int(12))}-${pad(1 + rng.int(28))}`;
}

function time(rng: SeededRandom): string {
  return `${pad(rng.int(24))}:${pad(rng.int(60))}:${pad(rng.int(60))}Z`;
}

function hostname(rng: SeededRandom): string {
  return `${pick(rng, NAME_WORDS)}.${pick(rng, TLDS)}`;
}

function hex(rng: SeededRandom, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += '0123456789abcdef'[rng.int(16)];
  return s;
}

function uri(rng: SeededRandom): string {
  return `https://${hostname(rng)}/${pick(rng, NAME_WORDS)}/${1 + rng.int(999)}`;
}

function email(rng: SeededRandom): string {
  return `${pick(rng, NAME_WORDS)}.${pick(rng, NAME_WORDS)}@${hostname(rng)}`;
}

const FORMAT_WRITERS = {
  'date-time': (rng) => `${date(rng)}T${time(rng)}`,
  date,
  time,
  duration: (rng) => `P${1 + rng.int(30)}DT${rng.int(24)}H${rng.int(60)}M`,
  email,
  'idn-email': email,
  hostname,
  'idn-hostname': hostname,
  ipv4: (rng) => `${1 + rng.int(223)}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`,
  ipv6: (rng) => `2001:db8:${hex(rng, 4)}:${hex(rng, 4)}::${hex(rng, 4)}`,
  uri,
  url: uri,
  'uri-reference': (rng) => `/${pick(rng, NAME_WORDS)}/${1 + rng.int(999)}`,
  iri: uri,
  'iri-reference': (rng) => `/${pick(rng, NAME_WORDS)}/${1 + rng.int(999)}`,
  // Version 4: the version nibble is 4 and the variant nibble one of 8, 9, a, b.
  uuid: (rng) => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${'89ab'[rng.int(4)]}${hex(rng, 3)}-${hex(rng, 12)}`,
  'json-pointer': (rng) => `/${pick(rng, NAME_WORDS)}/${rng.int(10)}`,
  regex: () => '^[a-z]+$',
} as const satisfies Record<StringFormat, (rng: SeededRandom) => string>;

function isStringFormat(format: string): format is StringFormat {
  return Object.hasOwn(FORMAT_WRITERS, format);
}

/** Whether `format` is one this module writes (so a schema naming it is a string schema). */
export function isKnownStringFormat(format: string): boolean {
  return isStringFormat(format.toLowerCase());
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function truncateCodePoints(s: string, n: number): string {
  return codePointLength(s) <= n ? s : Array.from(s).slice(0, n).join('');
}

/**
 * A trimmed, non-empty word from `words`, or a built-in one when the drawn word is blank: the
 * vocabulary is whatever the corpus holds, and may carry BPE spacing or empty entries.
 */
export function drawWord(rng: SeededRandom, words: readonly string[] | undefined): string {
  const list = words !== undefined && words.length > 0 ? words : DEFAULT_WORDS;
  const word = (list[rng.int(list.length)] ?? '').trim();
  return word !== '' ? word : pick(rng, DEFAULT_WORDS);
}

type StringConstraints = Pick<SchemaConstraints, 'minLength' | 'maxLength' | 'pattern' | 'format'>;

function fromPattern(rng: SeededRandom, pattern: string, lo: number, hi: number): string | undefined {
  const tree = parsePattern(pattern);
  if (tree === undefined) return undefined;
  const fits = (s: string): boolean => {
    const n = codePointLength(s);
    return n >= lo && n <= hi;
  };
  let first: string | undefined;
  for (let i = 0; i < PATTERN_DRAWS; i++) {
    const s = writePattern(tree, rng, { mode: 'random' }, MAX_STRING_LENGTH);
    if (fits(s)) return s;
    first ??= s;
  }
  // Random counts missed the window: raise every quantifier together until a draw lands in it.
  for (let extra = 0; extra <= MAX_PATTERN_STRETCH; extra++) {
    const s = writePattern(tree, rng, { mode: 'stretch', extra }, MAX_STRING_LENGTH);
    if (fits(s)) return s;
    if (codePointLength(s) > hi || s.length >= MAX_STRING_LENGTH) break;
  }
  return first;
}

function fromWords(rng: SeededRandom, words: readonly string[] | undefined, lo: number, hi: number): string {
  let s = drawWord(rng, words);
  let n = codePointLength(s);
  for (let extra = rng.int(4); extra > 0 || n < lo; extra--) {
    const word = drawWord(rng, words);
    s += ` ${word}`;
    n += 1 + codePointLength(word);
  }
  if (n > hi) {
    s = truncateCodePoints(s, hi).trimEnd();
    // Trimming a space at the cut can drop below the minimum; pad with letters.
    n = codePointLength(s);
    if (n < lo) s += 'x'.repeat(lo - n);
  }
  return s;
}

/**
 * A string meeting `pattern`, `format` and the length bounds, each capped at
 * `MAX_STRING_LENGTH` code points.
 */
export function stringFromConstraints(rng: SeededRandom, c: StringConstraints, words: readonly string[] | undefined): string {
  const lo = Math.min(c.minLength, MAX_STRING_LENGTH);
  // Contradictory bounds (min > max) cannot both hold; the minimum wins.
  const hi = Math.max(lo, Math.min(c.maxLength, MAX_STRING_LENGTH));
  if (c.pattern !== undefined) {
    const s = fromPattern(rng, c.pattern, lo, Math.max(lo, c.maxLength));
    if (s !== undefined) return s;
  }
  const format = c.format?.toLowerCase();
  if (format !== undefined && isStringFormat(format)) return FORMAT_WRITERS[format](rng);
  return fromWords(rng, words, lo, hi);
}
