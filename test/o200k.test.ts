import { createRequire } from 'node:module';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { describe, expect, it } from 'vitest';
import { buildO200kTable, O200k, o200k } from '../src/corpus/o200k.js';
import { tokenizeText } from '../src/corpus/tokens.js';
import { SeededRandom } from '../src/timing/random.js';

// gpt-tokenizer is the reference: its default throws on special-token strings, the simulator treats them as text.
const ORDINARY = { disallowedSpecial: new Set<string>() };
const reference = (text: string): number[] => encode(text, ORDINARY);

/** Characters from ranges that exercise every UTF-8 length and the pre-tokenizer's classes. */
const RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e], // ASCII printable
  [0x20, 0x7e],
  [0x20, 0x7e],
  [0x09, 0x0d], // tabs and line breaks
  [0xc0, 0x24f], // Latin with diacritics (2 bytes)
  [0x300, 0x36f], // combining marks
  [0x391, 0x3c9], // Greek
  [0x410, 0x44f], // Cyrillic
  [0x5d0, 0x5ea], // Hebrew
  [0x660, 0x669], // Arabic-Indic digits
  [0x3040, 0x30ff], // kana (3 bytes)
  [0x4e00, 0x4fff], // CJK
  [0x1f300, 0x1f64f], // emoji (4 bytes)
];

function randomText(rng: SeededRandom, length: number): string {
  let s = '';
  while (s.length < length) {
    const [lo, hi] = RANGES[rng.int(RANGES.length)]!;
    const run = 1 + rng.int(8);
    for (let i = 0; i < run; i++) s += String.fromCodePoint(lo + rng.int(hi - lo + 1));
  }
  return s;
}

/*
 * Characters chosen to sit on every boundary of the pre-tokenizer's classes: both letter cases,
 * apostrophes and contraction letters, digits, each kind of ASCII whitespace, punctuation and
 * "/", and past ASCII a letter of each kind (Ll, Lu, Lt, Lm, Lo), a combining mark, other digits,
 * Unicode spaces, a symbol and an emoji.
 */
const BOUNDARY_CHARS = [
  ...'aAzZsStTlLvVeErRdDmM',
  ..."''",
  ...'0123456789',
  ...'  \t\n\r\v\f',
  ...'.,!?-_()/\\"#@*\u0000\u001f\u007f',
  ...'éÉǅʰ東\u0301\u0663\u00a0\u3000\u2028€😀',
];

function boundaryText(rng: SeededRandom, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += BOUNDARY_CHARS[rng.int(BOUNDARY_CHARS.length)]!;
  return s;
}

const patternPieces = (text: string): string[] => [...text.matchAll(O200K_TOKEN_SPLIT_REGEX)].map((m) => m[0]);

describe('o200k pre-tokenizer', () => {
  it('was written for the pattern gpt-tokenizer ships (an upgrade that changes it must be read against the scanner)', () => {
    const contraction = String.raw`(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`;
    expect(O200K_TOKEN_SPLIT_REGEX.source).toBe(
      String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+` +
        contraction +
        String.raw`|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*` +
        contraction +
        String.raw`|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
    );
  });

  it('splits 5,000 seeded texts over the classes\' boundaries exactly as the pattern does', () => {
    const enc = o200k();
    const rng = new SeededRandom(3);
    for (let i = 0; i < 5000; i++) {
      const text = boundaryText(rng, 1 + rng.int(24));
      expect(enc.pieces(text), JSON.stringify(text)).toEqual(patternPieces(text));
    }
  });

  it('splits the cases each rule of the pattern exists for', () => {
    const enc = o200k();
    const cases = [
      "HelloWorld HELLOworld ABC's they'LL we'Ve I'm I'D 'tis",
      '12345 1.5 a1b2',
      '  two spaces, three   then word\n\n  \r\n\t\n end  ',
      '(parens) "quotes" --> //comment\n/// path/to/x.ts\r\n',
      ' ?! ...\n\n/ x',
      'tab\tprefix\tWORD\vvt\fff',
    ];
    for (const text of cases) expect(enc.pieces(text), JSON.stringify(text)).toEqual(patternPieces(text));
  });
});

describe('o200k', () => {
  it('holds every rank of gpt-tokenizer\'s list, byte for byte', () => {
    const list = (createRequire(import.meta.url)('gpt-tokenizer/bpeRanks/o200k_base') as { default: (string | number[])[] }).default;
    const enc = o200k();
    expect(enc.size).toBe(list.length);
    for (let id = 0; id < list.length; id += 97) {
      const value = list[id]!;
      const want = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
      expect(Buffer.from(enc.tokenBytes(id)!).equals(want)).toBe(true);
      expect(enc.tokenLength(id)).toBe(want.length);
    }
    expect(enc.tokenBytes(list.length)).toBeUndefined();
    expect(enc.tokenBytes(-1)).toBeUndefined();
    expect(enc.tokenLength(list.length)).toBe(0);
  });

  it('encodes as gpt-tokenizer does: prose, code, numbers, whitespace and special-token strings', () => {
    const enc = o200k();
    const texts = [
      '',
      'Hello, world!',
      "I'm sure they'll say it's fine; we've seen THEIR results.",
      'const x = {"a": [1, 2, 3]};\n\tif (x) { return x.a?.length ?? 0; }\n',
      '1234567890 3.14159 -42 1e10 0xdeadbeef',
      '    four spaces, then \n\n\n three breaks and trailing   ',
      'antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis',
      'café naïve Übermaß 東京タワー 🎉👩‍💻🇯🇵',
      '<|endoftext|> and <|im_start|>user',
      '\r\n\r\n/path/to/file.ts:12:5 — “quoted” ‘text’ … ',
    ];
    for (const text of texts) {
      expect(enc.encode(text), text).toEqual(reference(text));
      expect(enc.count(text), text).toBe(reference(text).length);
    }
  });

  it('encodes 400 seeded random texts over many scripts as gpt-tokenizer does', () => {
    const enc = o200k();
    const rng = new SeededRandom(42);
    for (let i = 0; i < 400; i++) {
      const text = randomText(rng, 1 + rng.int(200));
      expect(enc.encode(text), JSON.stringify(text)).toEqual(reference(text));
    }
  });

  it('merges long pre-tokens the same way (runs of letters, digits, punctuation, spaces)', () => {
    const enc = o200k();
    for (const text of ['a'.repeat(700), 'ab'.repeat(300), '!?'.repeat(200), ' '.repeat(500), 'é'.repeat(300), '9'.repeat(50), 'x\u0301'.repeat(100)]) {
      expect(enc.encode(text)).toEqual(reference(text));
    }
  });

  it('merges 300 seeded long pieces (past the scan, through the heap) as gpt-tokenizer does', () => {
    const enc = o200k();
    const rng = new SeededRandom(11);
    const alphabets = ['abcdefghijklmnopqrstuvwxyz', 'ab', 'aeiou', 'éèêàç', '東京大学', ' ', ' \t', '!?.'].map((a) => [...a]);
    for (let i = 0; i < 300; i++) {
      const chars = alphabets[rng.int(alphabets.length)]!;
      let text = '';
      for (let n = 40 + rng.int(600); n > 0; n--) text += chars[rng.int(chars.length)]!;
      expect(enc.encode(text), `${text.length} of ${chars.join('')}`).toEqual(reference(text));
    }
  });

  it('encodes a byte-order mark as tiktoken does (gpt-tokenizer drops it when it decodes ranks)', () => {
    // Ids from tiktoken's encode_ordinary (o200k_base); gpt-tokenizer gives [64, 5416, 123, 65].
    expect(o200k().encode('a\ufeffb')).toEqual([64, 5574, 65]);
    expect(o200k().encode('\ufeff')).toEqual([5574]);
  });

  it('encodes a lone surrogate as U+FFFD, as UTF-8 encoding does', () => {
    const enc = o200k();
    expect(enc.encode('a\ud800b')).toEqual(enc.encode('a\ufffdb'));
    expect(enc.encode('x\udc00')).toEqual(reference('x\udc00'));
  });

  it('works over a table built from any rank list, and finds nothing outside it', () => {
    const enc = new O200k(buildO200kTable(['a', 'b', 'ab', [0xe2, 0x82], 'abab', undefined]));
    expect(enc.size).toBe(6);
    expect(enc.encode('abab')).toEqual([4]);
    expect(enc.encode('aba')).toEqual([2, 0]);
    expect(enc.tokenBytes(3)).toEqual(new Uint8Array([0xe2, 0x82]));
    // A hole in the list is no token.
    expect(enc.tokenBytes(5)).toBeUndefined();
    expect(enc.tokenLength(5)).toBe(0);
  });
});

describe('tokenizeText', () => {
  it('cuts seeded random texts into slices that join to the input, one per run of whole-character ids', () => {
    const rng = new SeededRandom(7);
    for (let i = 0; i < 200; i++) {
      const text = randomText(rng, 1 + rng.int(120));
      const { tokens, tokenIdCount } = tokenizeText(text);
      expect(tokens.join('')).toBe(text);
      expect(tokenIdCount).toBe(reference(text).length);
      for (const t of tokens) expect(Buffer.from(t, 'utf8').toString('utf8')).toBe(t);
    }
  });

  it('keeps a lone surrogate as it came, where decoding would have made it U+FFFD', () => {
    const text = 'one\ud83dtwo';
    const { tokens } = tokenizeText(text);
    expect(tokens.join('')).toBe(text);
  });
});
