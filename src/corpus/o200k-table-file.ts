/**
 * The o200k rank table as one file, written by the build (`scripts/o200k-table.ts`) and read at
 * start instead of building the table from gpt-tokenizer's rank list.
 *
 * The rank list is a 2.4 MB JavaScript module: compiling and running it, then hashing 200,000
 * ranks, took 0.6–0.8 s of every process that counts tokens (each `understudy serve`, each test
 * file, each bench child), about half of a simulator's start. Reading the built table is a few
 * milliseconds. The file names the rank list it was built from and the table's layout; a file
 * built from another gpt-tokenizer, for another layout, or cut short is not used (the table is then
 * built from the rank list, as without a file).
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { O200kTableData } from './o200k.js';

const FORMAT = 'llm-understudy o200k table 1';

/** Where the build writes the table: beside the compiled code, so it is rebuilt with it. */
export const O200K_TABLE_FILE = (): string => join(packageRoot(), 'dist', 'o200k_base.table');

/** The rank list the table is built from, and what identifies the build of it. */
export interface RankSource {
  readonly path: string;
  readonly version: string;
  readonly bytes: number;
}

interface Header {
  readonly format: string;
  readonly source: { readonly version: string; readonly bytes: number };
  readonly slotBits: number;
  readonly lengths: readonly [bytes: number, offsets: number, slots: number];
}

export function rankSource(): RankSource {
  const require = createRequire(import.meta.url);
  const path = require.resolve('gpt-tokenizer/bpeRanks/o200k_base');
  const { version } = require('gpt-tokenizer/package.json') as { version: string };
  return { path, version, bytes: statSync(path).size };
}

// Each buffer starts on an 8-byte boundary, so a typed array over the file's bytes would be aligned.
const align = (n: number): number => (n + 7) & ~7;

/** The file's bytes: a 4-byte header length, the JSON header, then the three buffers. */
export function encodeO200kTable(data: O200kTableData, source: RankSource, slotBits: number): Buffer {
  const parts = [data.bytes, data.offsets, data.slots];
  const header: Header = {
    format: FORMAT,
    source: { version: source.version, bytes: source.bytes },
    slotBits,
    lengths: [data.bytes.byteLength, data.offsets.byteLength, data.slots.byteLength],
  };
  const json = Buffer.from(JSON.stringify(header));
  let at = align(4 + json.length);
  const out = Buffer.alloc(at + parts.reduce((n, p) => n + align(p.byteLength), 0));
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += align(p.byteLength);
  }
  return out;
}

/** The table in `file`, or null where it is missing, cut short, or built for another rank list or layout. */
export function decodeO200kTable(file: Uint8Array, source: RankSource, slotBits: number): O200kTableData | null {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 4) return null;
  const jsonLength = buf.readUInt32LE(0);
  if (4 + jsonLength > buf.length) return null;
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 4, 4 + jsonLength)) as Header;
  } catch {
    return null;
  }
  if (header.format !== FORMAT || header.slotBits !== slotBits) return null;
  if (header.source?.version !== source.version || header.source.bytes !== source.bytes) return null;
  const lengths = header.lengths;
  if (!Array.isArray(lengths) || lengths.length !== 3 || !lengths.every((n) => Number.isSafeInteger(n) && n > 0)) return null;
  let at = align(4 + jsonLength);
  if (at + lengths.reduce((n, len) => n + align(len), 0) !== buf.length) return null;
  // Shared buffers, as the built table's are, so threads get the same memory rather than copies.
  const [bytes, offsets, slots] = lengths.map((len) => {
    const sab = new SharedArrayBuffer(len);
    new Uint8Array(sab).set(buf.subarray(at, at + len));
    at += align(len);
    return sab;
  }) as [SharedArrayBuffer, SharedArrayBuffer, SharedArrayBuffer];
  return { bytes, offsets, slots };
}

/** The built table if the build left a current one, else null. */
export function readO200kTableFile(source: RankSource, slotBits: number, file = O200K_TABLE_FILE()): O200kTableData | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  return decodeO200kTable(bytes, source, slotBits);
}

/** Writes the table whole or not at all: a reader starting meanwhile sees the old file or none. */
export function writeO200kTableFile(data: O200kTableData, source: RankSource, slotBits: number, file = O200K_TABLE_FILE()): void {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, encodeO200kTable(data, source, slotBits));
  renameSync(partial, file);
}
