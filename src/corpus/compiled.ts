/**
 * The corpus as the server threads use it. The main thread compiles entries once into shared
 * memory: every token JSON-string-escaped and concatenated into one byte arena, plus token
 * boundaries. Threads wrap the same SharedArrayBuffers (no copy of the text per thread) and
 * write slices of the arena straight into responses, so nothing is serialized per token; each
 * thread decodes only the small per-entry metadata.
 */
import { Packr } from 'msgpackr';
import type { CorpusEntry, CorpusToolCall, EntryKind, FinishReason } from './format.js';

export interface EntryMeta {
  readonly id: string;
  readonly model: string;
  readonly kind: EntryKind;
  readonly finishReason: FinishReason;
  /** Index of the entry's first boundary in the offsets array; it has tokenCount + 1 of them. */
  readonly tokenStart: number;
  readonly tokenCount: number;
  readonly toolCalls: readonly CorpusToolCall[];
  readonly recordedPromptTokens: number;
  readonly ttftMs: number | null;
  /** Recorded gaps between tokens (tokenCount − 1 of them): a view of the shared gaps. */
  readonly tokenGapsMs: Float64Array | null;
  readonly tags: readonly string[];
}

/**
 * An entry's metadata as packed: its recorded gaps stay in the shared `gaps` buffer. Unpacked
 * into plain arrays, every thread held each gap as a boxed double, 30,000 small objects that
 * every mark-compact walked.
 */
interface PackedMeta extends Omit<EntryMeta, 'tokenGapsMs'> {
  /** Index of the entry's first gap in `gaps`, or −1 when it has none. */
  readonly gapStart: number;
}

/** Plain data, cloneable into `workerData`; the buffers are shared, not copied. */
export interface SharedCorpus {
  readonly bytes: SharedArrayBuffer;
  readonly offsets: SharedArrayBuffer;
  /** Float64 recorded gaps between tokens, of every entry that has them. */
  readonly gaps: SharedArrayBuffer;
  readonly meta: Uint8Array;
}

const metaPackr = new Packr({ useRecords: true });

/** JSON string body of `s` without the quotes, as UTF-8: what goes between `"` and `"` on the wire. */
export function escapeJsonString(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** UTF-8 byte length of a string without encoding it. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      // A surrogate pair is one 4-byte character; escaping leaves no lone surrogates.
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function compileCorpus(entries: readonly CorpusEntry[]): SharedCorpus {
  let totalTokens = 0;
  for (const e of entries) totalTokens += e.tokens.length + 1;
  const offsetsSab = new SharedArrayBuffer(totalTokens * 4);
  const offsets = new Int32Array(offsetsSab);
  const pieces: string[] = [];
  const metas: PackedMeta[] = [];
  let totalGaps = 0;
  for (const e of entries) totalGaps += e.timing?.tokenGapsMs.length ?? 0;
  const gapsSab = new SharedArrayBuffer(totalGaps * 8);
  const gaps = new Float64Array(gapsSab);
  let gapAt = 0;
  let byteLength = 0;
  let boundary = 0;
  for (const e of entries) {
    const tokenStart = boundary;
    for (const token of e.tokens) {
      offsets[boundary++] = byteLength;
      const escaped = escapeJsonString(token);
      pieces.push(escaped);
      byteLength += utf8Length(escaped);
    }
    offsets[boundary++] = byteLength;
    let gapStart = -1;
    if (e.timing && e.timing.tokenGapsMs.length > 0) {
      gapStart = gapAt;
      gaps.set(e.timing.tokenGapsMs, gapAt);
      gapAt += e.timing.tokenGapsMs.length;
    }
    metas.push({
      id: e.id,
      model: e.model,
      kind: e.kind,
      finishReason: e.finishReason,
      tokenStart,
      tokenCount: e.tokens.length,
      toolCalls: e.toolCalls,
      recordedPromptTokens: e.usage.promptTokens,
      ttftMs: e.timing ? e.timing.ttftMs : null,
      gapStart,
      tags: e.tags,
    });
  }
  const bytesSab = new SharedArrayBuffer(Math.max(1, byteLength));
  const written = Buffer.from(bytesSab).write(pieces.join(''), 'utf8');
  if (written !== byteLength) throw new Error(`compileCorpus: wrote ${written} bytes, expected ${byteLength}`);
  return { bytes: bytesSab, offsets: offsetsSab, gaps: gapsSab, meta: metaPackr.pack(metas) };
}

const compiledOf = new WeakMap<readonly CorpusEntry[], SharedCorpus>();

/**
 * The entry list compiled once (the list `readCorpusFileOnce` shares between simulators in one
 * process): compiling escapes every token, another fifth of a start, and the result is read-only.
 */
export function compileCorpusOnce(entries: readonly CorpusEntry[]): SharedCorpus {
  let compiled = compiledOf.get(entries);
  if (compiled === undefined) {
    compiled = compileCorpus(entries);
    compiledOf.set(entries, compiled);
  }
  return compiled;
}

export function decodeEntryMetas(shared: SharedCorpus): EntryMeta[] {
  const gaps = new Float64Array(shared.gaps);
  return (metaPackr.unpack(shared.meta) as PackedMeta[]).map((m) => ({
    id: m.id,
    model: m.model,
    kind: m.kind,
    finishReason: m.finishReason,
    tokenStart: m.tokenStart,
    tokenCount: m.tokenCount,
    toolCalls: m.toolCalls,
    recordedPromptTokens: m.recordedPromptTokens,
    ttftMs: m.ttftMs,
    tokenGapsMs: m.gapStart < 0 ? null : gaps.subarray(m.gapStart, m.gapStart + m.tokenCount - 1),
    tags: m.tags,
  }));
}
