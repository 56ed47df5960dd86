/**
 * Reading and writing corpus files (format in ./format.ts). Every failure names the file and
 * the problem, with a `SIM_ERR_CORPUS_*` code.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { z } from 'zod';
import { SimError } from '../sim-error.js';
import {
  CORPUS_FORMAT_MAGIC,
  CORPUS_FORMAT_VERSION,
  ENTRY_KINDS,
  FINISH_REASONS,
  type CorpusEntry,
  type CorpusEnvelope,
} from './format.js';

// Records keep repeated entry shapes compact; structures are embedded in the file itself.
const packr = new Packr({ useRecords: true, moreTypes: false });

/**
 * A recorded time, ms after the request (or the token before). The bound catches wall-clock stamps
 * and unit slips, whose answers would otherwise wait for decades, holding their sockets.
 */
const MAX_RECORDED_MS = 3_600_000;
const recordedMs = z.number().nonnegative().max(MAX_RECORDED_MS, 'must be at most 3,600,000 (an hour): recorded times are ms after the request, or after the token before');

const entrySchema = z.object({
  // Ids go out in a response header, so they are printable ASCII without spaces.
  id: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1-200 printable ASCII characters without spaces'),
  model: z.string().min(1),
  kind: z.enum(ENTRY_KINDS),
  tokens: z.array(z.string()),
  toolCalls: z.array(z.object({ name: z.string().min(1), arguments: z.string() })),
  finishReason: z.enum(FINISH_REASONS),
  usage: z.object({
    promptTokens: z.number().int().nonnegative(),
    completionTokens: z.number().int().nonnegative(),
  }),
  timing: z
    .object({
      ttftMs: recordedMs,
      tokenGapsMs: z.array(recordedMs),
    })
    .optional(),
  tags: z.array(z.string()),
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function encodeCorpus(
  entries: readonly CorpusEntry[],
  meta: { createdBy: string; seed?: number },
): Uint8Array {
  const payload = packr.pack(entries);
  const envelope: CorpusEnvelope = {
    format: CORPUS_FORMAT_MAGIC,
    version: CORPUS_FORMAT_VERSION,
    createdBy: meta.createdBy,
    ...(meta.seed === undefined ? {} : { seed: meta.seed }),
    entryCount: entries.length,
    payloadSha256: sha256(payload),
    payload,
  };
  return packr.pack(envelope);
}

/** Checks one decoded entry against the format rules; the message names the entry and field. */
function checkEntry(raw: unknown, index: number, file: string): CorpusEntry {
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.join('.') : '?';
    const id = typeof raw === 'object' && raw !== null && 'id' in raw ? String((raw).id) : `#${index}`;
    throw new SimError('SIM_ERR_CORPUS_ENTRY', `${file}: entry ${id} (index ${index}): field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  if (e.kind === 'tool_call' && e.toolCalls.length === 0) {
    throw new SimError('SIM_ERR_CORPUS_ENTRY', `${file}: entry ${e.id}: field "toolCalls": a tool_call entry needs at least one call`);
  }
  if (e.timing && e.timing.tokenGapsMs.length !== 0 && e.timing.tokenGapsMs.length !== e.tokens.length - 1) {
    throw new SimError(
      'SIM_ERR_CORPUS_ENTRY',
      `${file}: entry ${e.id}: field "timing.tokenGapsMs": must hold tokens.length - 1 (${e.tokens.length - 1}) gaps or none, has ${e.timing.tokenGapsMs.length}`,
    );
  }
  return e;
}

/** Decodes and validates a corpus held in memory; `file` only labels error messages. */
export function decodeCorpus(bytes: Uint8Array, file: string): CorpusEntry[] {
  let envelope: unknown;
  try {
    envelope = packr.unpack(bytes);
  } catch (cause) {
    throw new SimError('SIM_ERR_CORPUS_FORMAT', `${file}: not a msgpack file (${(cause as Error).message})`, { cause });
  }
  if (typeof envelope !== 'object' || envelope === null || (envelope as { format?: unknown }).format !== CORPUS_FORMAT_MAGIC) {
    throw new SimError('SIM_ERR_CORPUS_FORMAT', `${file}: not an llm-understudy corpus (missing "format": "${CORPUS_FORMAT_MAGIC}")`);
  }
  const env = envelope as Partial<CorpusEnvelope>;
  if (env.version !== CORPUS_FORMAT_VERSION) {
    throw new SimError(
      'SIM_ERR_CORPUS_VERSION',
      `${file}: corpus format version ${String(env.version)} is not supported (this build reads version ${CORPUS_FORMAT_VERSION})`,
    );
  }
  if (!(env.payload instanceof Uint8Array) || typeof env.payloadSha256 !== 'string') {
    throw new SimError('SIM_ERR_CORPUS_FORMAT', `${file}: envelope lacks "payload" bytes or "payloadSha256"`);
  }
  if (sha256(env.payload) !== env.payloadSha256) {
    throw new SimError('SIM_ERR_CORPUS_INTEGRITY', `${file}: payload checksum mismatch (the file is truncated or was edited)`);
  }
  let rawEntries: unknown;
  try {
    rawEntries = packr.unpack(env.payload);
  } catch (cause) {
    throw new SimError('SIM_ERR_CORPUS_FORMAT', `${file}: payload is not msgpack (${(cause as Error).message})`, { cause });
  }
  if (!Array.isArray(rawEntries)) {
    throw new SimError('SIM_ERR_CORPUS_FORMAT', `${file}: payload is not an entry list`);
  }
  if (rawEntries.length === 0) throw new SimError('SIM_ERR_CORPUS_EMPTY', `${file}: the corpus holds no entries`);
  if (env.entryCount !== rawEntries.length) {
    throw new SimError('SIM_ERR_CORPUS_INTEGRITY', `${file}: envelope says ${String(env.entryCount)} entries, payload holds ${rawEntries.length}`);
  }
  const entries = rawEntries.map((raw, i) => checkEntry(raw, i, file));
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.id)) throw new SimError('SIM_ERR_CORPUS_ENTRY', `${file}: entry ${e.id}: field "id": duplicate id`);
    seen.add(e.id);
  }
  return entries;
}

function readCorpusBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new SimError('SIM_ERR_CORPUS_READ', `${file}: cannot read corpus file (${(cause as Error).message})`, { cause });
  }
}

export function readCorpusFile(file: string): CorpusEntry[] {
  return decodeCorpus(readCorpusBytes(file), file);
}

/**
 * The last corpus file read, by the digest of its bytes. A process that starts simulators one
 * after another on one corpus (a test file's blocks, an app's test setup) decodes and checks it
 * once; each check runs every entry through its schema, a fifth of a start. The entries are
 * shared between those simulators, so they are read-only.
 */
let lastRead: { readonly digest: string; readonly entries: readonly CorpusEntry[] } | null = null;

export function readCorpusFileOnce(file: string): readonly CorpusEntry[] {
  const bytes = readCorpusBytes(file);
  const digest = sha256(bytes);
  if (lastRead?.digest !== digest) lastRead = { digest, entries: decodeCorpus(bytes, file) };
  return lastRead.entries;
}
