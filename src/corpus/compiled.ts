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
  readonly tokenGapsMs: readonly number[] | null;
  readonly tags: readonly string[];
}

/** Plain data, cloneable into `workerData`; the two buffers are shared, not copied. */
export interface SharedCorpus {
  readonly bytes: SharedArrayBuffer;
  readonly offsets: SharedArrayBuffer;
  readonly meta: Uint8Array;
}

const metaPackr = new Packr({ useRecords: true });

/** JSON string body of `s` without the quotes, as UTF-8: what goes between `"` and `"` on the wire. */
export function escapeJsonString(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

export function compileCorpus(entries: readonly CorpusEntry[]): SharedCorpus {
  const pieces: Buffer[] = [];
  let totalTokens = 0;
  for (const e of entries) totalTokens += e.tokens.length + 1;
  const offsetsSab = new SharedArrayBuffer(totalTokens * 4);
  const offsets = new Int32Array(offsetsSab);
  const metas: EntryMeta[] = [];
  let byteLength = 0;
  let boundary = 0;
  for (const e of entries) {
    const tokenStart = boundary;
    for (const token of e.tokens) {
      offsets[boundary++] = byteLength;
      const piece = Buffer.from(escapeJsonString(token), 'utf8');
      pieces.push(piece);
      byteLength += piece.length;
    }
    offsets[boundary++] = byteLength;
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
      tokenGapsMs: e.timing && e.timing.tokenGapsMs.length > 0 ? e.timing.tokenGapsMs : null,
      tags: e.tags,
    });
  }
  const bytesSab = new SharedArrayBuffer(Math.max(1, byteLength));
  const bytes = Buffer.from(bytesSab);
  let at = 0;
  for (const piece of pieces) {
    piece.copy(bytes, at);
    at += piece.length;
  }
  return { bytes: bytesSab, offsets: offsetsSab, meta: metaPackr.pack(metas) };
}

export function decodeEntryMetas(shared: SharedCorpus): EntryMeta[] {
  return metaPackr.unpack(shared.meta) as EntryMeta[];
}
