/**
 * What a PDF sent inline costs in prompt tokens. Each provider bills a PDF by its pages (Gemini
 * 258 tokens a page; Anthropic and OpenAI an image of each page) and, for Anthropic and OpenAI,
 * the text extracted from it too. The simulator reads both from the bytes without rendering:
 *
 * - **pages**: the page objects (`/Type /Page`), in the file and in the compressed object streams
 *   of PDF 1.5+; at least 1 for a PDF with none found.
 * - **text**: the literal strings that content streams show between `BT` and `ET`, raw or
 *   Flate-compressed. Text in hex strings (CID fonts) is not decoded, so such a PDF counts its
 *   pages only.
 *
 * The work is bounded whatever the bytes: one pass over them, at most `MAX_INFLATED_BYTES`
 * decompressed in all, at most `MAX_TEXT_CHARS` of text tokenized (the tokens of more text are
 * scaled from those), and nothing here throws.
 */
import { constants, inflateSync } from 'node:zlib';
import { countTokens } from '../corpus/tokens.js';

/** Bytes decompressed from one PDF's streams, in all. */
const MAX_INFLATED_BYTES = 1024 * 1024;
/** Text tokenized for one PDF; the rest is counted in proportion. */
const MAX_TEXT_CHARS = 200_000;
/** How far before a stream its dictionary is looked for. */
const DICT_WINDOW = 1024;

/** A PDF's pages and the tokens of the text it shows. */
export interface PdfCount {
  readonly pages: number;
  readonly textTokens: number;
}

/** Whether `bytes` start as a PDF does (`%PDF-`, within the first 1 KB as readers allow). */
export function isPdf(bytes: Buffer): boolean {
  const at = bytes.indexOf('%PDF-');
  return at >= 0 && at < 1024;
}

const PAGE = /\/Type\s*\/Page(?![A-Za-z])/g;

function countPages(text: string): number {
  let n = 0;
  PAGE.lastIndex = 0;
  while (PAGE.exec(text) !== null) n++;
  return n;
}

/** The strings a content stream shows, spaced where a text operator separates them. */
function shownText(content: string, out: string[]): void {
  // The next '(' from where reading stands, kept across text objects: searched afresh in each, a
  // stream of many empty ones (`BT ET`) and one string at its end was scanned once per object.
  let nextOpen = content.indexOf('(');
  let at = content.indexOf('BT');
  while (at >= 0) {
    const end = content.indexOf('ET', at + 2);
    const stop = end < 0 ? content.length : end;
    let i = at + 2;
    let last = -1;
    while (i < stop) {
      if (nextOpen >= 0 && nextOpen < i) nextOpen = content.indexOf('(', i);
      const open = nextOpen;
      if (open < 0 || open >= stop) break;
      // A text operator (Tj, TJ, ', ", T*, Td) between two strings starts a new run of text.
      if (last >= 0 && /T[jJ*dD]|'|"/.test(content.slice(last, open))) out.push(' ');
      let depth = 1;
      let j = open + 1;
      let s = '';
      while (j < content.length && depth > 0) {
        const c = content[j]!;
        if (c === '\\') {
          // An escaped delimiter is text; \n, \r, \t space it; other escapes (octal codes) are dropped.
          const next = content[j + 1] ?? '';
          if (next === '(' || next === ')' || next === '\\') s += next;
          else if (next === 'n' || next === 'r' || next === 't') s += ' ';
          j += 2;
          continue;
        }
        if (c === '(') depth++;
        else if (c === ')' && --depth === 0) break;
        s += c;
        j++;
      }
      out.push(s);
      last = j + 1;
      i = j + 1;
    }
    if (end < 0) break;
    // Past the last string read too: a string running over its ET is not read twice.
    at = content.indexOf('BT', Math.max(end + 2, i));
  }
}

/**
 * The pages and shown text of a PDF, or null when `bytes` are not one. Streams holding images or
 * fonts are skipped unread.
 */
export function countPdf(bytes: Buffer): PdfCount | null {
  if (!isPdf(bytes)) return null;
  const raw = bytes.toString('latin1');
  let pages = countPages(raw);
  const text: string[] = [];
  let inflated = 0;
  let at = raw.indexOf('stream');
  while (at >= 0) {
    // `endstream` contains `stream`: only a keyword followed by its end of line opens one.
    const eol = raw[at + 6] === '\r' ? (raw[at + 7] === '\n' ? at + 8 : at + 7) : raw[at + 6] === '\n' ? at + 7 : -1;
    if (eol < 0 || raw.startsWith('end', at - 3)) {
      at = raw.indexOf('stream', at + 6);
      continue;
    }
    const end = raw.indexOf('endstream', eol);
    const stop = end < 0 ? raw.length : end;
    const dict = raw.slice(Math.max(0, at - DICT_WINDOW), at);
    const dictStart = dict.lastIndexOf('obj');
    const own = dictStart < 0 ? dict : dict.slice(dictStart);
    if (!/\/Subtype\s*\/Image|\/FontFile|\/Length[123]\b/.test(own)) {
      let content: string | null = null;
      if (/\/FlateDecode/.test(own)) {
        if (inflated < MAX_INFLATED_BYTES) {
          const out = inflateBounded(bytes.subarray(eol, stop), MAX_INFLATED_BYTES - inflated);
          // A stream that failed may have cost the whole allowance (one past it throws): no more are tried.
          inflated = out === null ? MAX_INFLATED_BYTES : inflated + out.length;
          content = out?.toString('latin1') ?? null;
        }
      } else if (!/\/Filter/.test(own)) content = raw.slice(eol, stop);
      if (content !== null) {
        if (/\/Type\s*\/ObjStm/.test(own)) pages += countPages(content);
        else {
          // Each content stream (a page's, mostly) starts a new run of text.
          if (text.length > 0) text.push(' ');
          shownText(content, text);
        }
      }
    }
    if (end < 0) break;
    at = raw.indexOf('stream', end + 9);
  }
  return { pages: Math.max(1, pages), textTokens: textTokens(text.join('')) };
}

/** A Flate stream's bytes (a cut one's as far as it goes), or null when they pass `limit` or are corrupt. */
function inflateBounded(data: Buffer, limit: number): Buffer | null {
  try {
    return inflateSync(data, { maxOutputLength: limit, finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return null;
  }
}

function textTokens(text: string): number {
  const trimmed = text.trim();
  if (trimmed.length <= MAX_TEXT_CHARS) return countTokens(trimmed);
  return Math.round((countTokens(trimmed.slice(0, MAX_TEXT_CHARS)) * trimmed.length) / MAX_TEXT_CHARS);
}

/**
 * The bytes of base64 data, bare or as a data URL (`data:application/pdf;base64,…`); characters
 * outside the alphabet are skipped, as Node's decoder does, so malformed data gives fewer bytes,
 * never an error.
 */
export function base64Bytes(data: string): Buffer {
  const comma = data.startsWith('data:') ? data.indexOf(',') : -1;
  return Buffer.from(comma < 0 ? data : data.slice(comma + 1), 'base64');
}

/** How a provider bills an inline file: tokens per PDF page, whether a PDF's text counts too, and what bytes that are not a PDF count. */
export interface InlineFileBilling {
  readonly perPage: number;
  readonly text: boolean;
  readonly notPdf: (bytes: Buffer) => number;
}

// A request's prompt is often counted twice (its tokens, then its cacheable prefixes): the last
// file counted is kept, so its bytes are decoded and scanned once.
let lastData = '';
let lastBilling: InlineFileBilling | null = null;
let lastTokens = 0;

/** The prompt tokens of a file's bytes (sent inline or uploaded), billed as `billing` says. */
export function fileBytesTokens(bytes: Buffer, billing: InlineFileBilling): number {
  const pdf = countPdf(bytes);
  return pdf === null ? billing.notPdf(bytes) : pdf.pages * billing.perPage + (billing.text ? pdf.textTokens : 0);
}

/** The prompt tokens of a file sent as base64 (bare or a data URL), billed as `billing` says. */
export function inlineFileTokens(data: string, billing: InlineFileBilling): number {
  if (data === lastData && billing === lastBilling) return lastTokens;
  const tokens = fileBytesTokens(base64Bytes(data), billing);
  lastData = data;
  lastBilling = billing;
  lastTokens = tokens;
  return tokens;
}

/** Bytes read as UTF-8 text and counted (a text file's tokens), at most `MAX_TEXT_CHARS` of them tokenized. */
export function textFileTokens(bytes: Buffer): number {
  const read = 4 * MAX_TEXT_CHARS;
  if (bytes.length <= read) return textTokens(bytes.toString('utf8'));
  return Math.round((textTokens(bytes.toString('utf8', 0, read)) * bytes.length) / read);
}
