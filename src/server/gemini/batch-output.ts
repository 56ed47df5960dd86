/**
 * A Gemini batch's output (`./batches.ts`) and its limit. The output is the inlined responses,
 * which the operation carries twice (`metadata.output` and `response`) in one JSON string, or a
 * responses file kept by the Files API (`./files.ts`). Each has a largest size the simulator can
 * keep and serve; a batch whose answers pass it stops answering and ends `BATCH_STATE_FAILED`,
 * the operation's `error` a `google.rpc.Status` (8, RESOURCE_EXHAUSTED) that names the limit, as
 * the API reports a batch it could not complete, rather than succeed with an output no get or
 * download can return.
 *
 * The size is counted as the answers come in: each slot's UTF-8 bytes and its separator (a
 * responses file's newline, the inlined list's comma), so the output is never built to learn it.
 */
import { constants } from 'node:buffer';
import { invalidArgument, type GeminiError } from './errors.js';
import { MAX_FILE_BYTES } from './files.js';
import { RPC_RESOURCE_EXHAUSTED } from './batch-slots.js';

/**
 * The largest inlined output, in UTF-8 bytes (at least its length in characters). A get builds
 * the operation as one string holding it twice, and V8's strings hold at most
 * `buffer.constants.MAX_STRING_LENGTH` characters (2^29 − 24 on 64-bit Node, about 512 MiB): at
 * 128 MiB the operation takes about half of that. About 3,000 full-length (3,072-dimension)
 * embeddings; a batch larger than that takes file input, whose responses file may hold twice as
 * much.
 */
export const MAX_INLINE_OUTPUT_BYTES = 128 * 1024 * 1024;

/** The header that lowers a batch's output limit (with `overrideHeaders`), for tests of a batch too large to keep. */
export const OUTPUT_LIMIT_HEADER = 'x-understudy-batch-output-limit-bytes';

/** A batch's output limit: the simulator's for its form of output, or lower where the create's override header says so. */
export interface OutputLimit {
  readonly bytes: number;
  readonly inline: boolean;
  /** Whether the override header set it below the simulator's own. */
  readonly lowered: boolean;
}

const WHOLE_BYTES = /^[1-9]\d{0,14}$/;

/** The limit of a batch created with `override` (the header's value, '' when absent), or the 400 for a value that is no number of bytes. */
export function outputLimit(inline: boolean, override: string): OutputLimit | GeminiError {
  const own = inline ? MAX_INLINE_OUTPUT_BYTES : MAX_FILE_BYTES;
  if (override === '') return { bytes: own, inline, lowered: false };
  if (!WHOLE_BYTES.test(override)) return invalidArgument(`${OUTPUT_LIMIT_HEADER} must be a whole number of bytes, 1 or more; got ${JSON.stringify(override)}.`);
  const bytes = Math.min(own, Number(override));
  return { bytes, inline, lowered: bytes < own };
}

/** What one slot adds to the output: its UTF-8 bytes and its separator. */
export const slotBytes = (slot: string): number => Buffer.byteLength(slot) + 1;

/**
 * The operation's `error` for a batch whose output passed its limit after `answered` of its
 * `total` requests: a `google.rpc.Status` naming the limit and how to stay under it.
 */
export function outputTooLarge(limit: OutputLimit, answered: number, total: number): string {
  const what = limit.inline ? 'inlined responses' : 'responses file';
  const why = limit.lowered
    ? `the ${limit.bytes} bytes that ${OUTPUT_LIMIT_HEADER} allows`
    : limit.inline
      ? `the ${limit.bytes} bytes this simulator keeps inline (the operation carries them twice, in one string of at most ${constants.MAX_STRING_LENGTH} characters)`
      : `the ${limit.bytes} bytes this simulator keeps of one file`;
  const advice = limit.inline && !limit.lowered ? `split it into batches of fewer requests, or give its requests as an input file, whose responses file may hold ${MAX_FILE_BYTES} bytes` : 'split it into batches of fewer requests, or ask for shorter answers (a lower maxOutputTokens, or outputDimensionality for embeddings)';
  const message = `The batch's ${what} passed ${why} at request ${answered} of ${total}, so the batch was stopped there and its output is not kept. To run it, ${advice}.`;
  return JSON.stringify({ code: RPC_RESOURCE_EXHAUSTED, message });
}

/** The inlined output's fields, as the operation splices them in. */
export function inlinedOutput(slots: readonly string[]): string {
  return `"inlinedResponses":{"inlinedResponses":[${slots.join(',')}]}`;
}

/** A responses file's bytes, a slot a line, written straight into one buffer of `bytes` (the slots' `slotBytes`) without joining them first. */
export function responsesFileContent(slots: readonly string[], bytes: number): Buffer {
  const content = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  for (const slot of slots) {
    at += content.write(slot, at, 'utf8');
    content[at++] = 0x0a;
  }
  return at === bytes ? content : content.subarray(0, at);
}
