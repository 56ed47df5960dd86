/**
 * The corpus file format, version 1. See docs/corpus-format.md for the full description.
 *
 * A file is one msgpack (msgpackr, records on) envelope whose `payload` holds the msgpack-encoded
 * entry list; `payloadSha256` lets the loader reject a truncated or edited file before decoding it.
 * Readers ignore fields they do not know, so later versions can add fields (provenance, costs,
 * recorded headers) without breaking older readers; a change that older readers would misread
 * bumps `version`.
 */

export const CORPUS_FORMAT_MAGIC = 'llm-understudy-corpus';
export const CORPUS_FORMAT_VERSION = 1;

export type EntryKind = 'text' | 'tool_call' | 'json' | 'refusal';
export const ENTRY_KINDS = ['text', 'tool_call', 'json', 'refusal'] as const satisfies readonly EntryKind[];

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';
export const FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter'] as const satisfies readonly FinishReason[];

export interface CorpusToolCall {
  /** Function name as recorded; served under the caller's own tool name when they differ. */
  readonly name: string;
  /** JSON-encoded arguments object, exactly as the provider streamed it. */
  readonly arguments: string;
}

export interface RecordedTiming {
  /** Time from request to the first content token, as recorded. */
  readonly ttftMs: number;
  /** Gap before each token after the first (length = tokens.length - 1, or empty). */
  readonly tokenGapsMs: readonly number[];
}

export interface CorpusEntry {
  /** Stable id, unique in the file; reported to clients in the ground-truth header. */
  readonly id: string;
  /** Model id the entry was recorded from (or written for), e.g. `gpt-4o-mini`. */
  readonly model: string;
  readonly kind: EntryKind;
  /**
   * The output text as the sequence of token strings the provider streamed, so chunk boundaries
   * are real. For `tool_call` entries this is the (often empty) text before the calls; for
   * `refusal` entries it is the refusal message.
   */
  readonly tokens: readonly string[];
  readonly toolCalls: readonly CorpusToolCall[];
  readonly finishReason: FinishReason;
  /** Usage as recorded; prompt tokens are recounted from each request when served. */
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
  readonly timing?: RecordedTiming;
  readonly tags: readonly string[];
}

export interface CorpusEnvelope {
  readonly format: typeof CORPUS_FORMAT_MAGIC;
  readonly version: number;
  readonly createdBy: string;
  /** Seed the generator used, when the corpus was generated rather than recorded. */
  readonly seed?: number;
  readonly entryCount: number;
  readonly payloadSha256: string;
  /** msgpack-encoded `CorpusEntry[]`. */
  readonly payload: Uint8Array;
}
