/**
 * The o200k table the build writes (`scripts/o200k-table.ts`) and every start reads instead of
 * compiling gpt-tokenizer's rank list: it is that list's table byte for byte, a start uses it, and
 * a file for another rank list or layout, or a damaged one, is not used.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { buildO200kTable, buildO200kTableFromRanks, O200k, SLOT_BITS, type O200kTableData } from '../src/corpus/o200k.js';
import { decodeO200kTable, encodeO200kTable, O200K_TABLE_FILE, rankSource } from '../src/corpus/o200k-table-file.js';

const same = (a: O200kTableData, b: O200kTableData): void => {
  expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  expect(Buffer.from(a.offsets).equals(Buffer.from(b.offsets))).toBe(true);
  expect(Buffer.from(a.slots).equals(Buffer.from(b.slots))).toBe(true);
};

describe('the built o200k table file', () => {
  it('holds the table gpt-tokenizer\'s rank list builds, byte for byte, in shared buffers', () => {
    const source = rankSource();
    const fromFile = decodeO200kTable(readFileSync(O200K_TABLE_FILE()), source, SLOT_BITS);
    expect(fromFile).not.toBeNull();
    same(fromFile!, buildO200kTableFromRanks(source));
    expect(fromFile!.bytes).toBeInstanceOf(SharedArrayBuffer);
    const text = 'Hello, world! Ünïcödé, 12345 tokens, 日本語 and 🙂.';
    expect(new O200k(fromFile!).count(text)).toBe(encode(text).length);
  });

  it('is what `understudy serve` starts from, and says so at debug level', async () => {
    const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', '--threads', '1', '--log-level', 'debug']);
    let err = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /o200k table: .*/.exec(err);
        if (m) resolve(m[0]);
      });
      child.on('exit', () => reject(new Error(`exited before the table line:\n${err}`)));
    });
    child.kill('SIGKILL');
    expect(line).toBe(`o200k table: read from ${O200K_TABLE_FILE()}`);
  });
});

describe('a table file that does not fit', () => {
  const source = { path: '/nowhere', version: '4.0.0', bytes: 1000 };
  const table = buildO200kTable(['a', 'b', [0xff, 0xfe], undefined, 'ab']);
  const file = encodeO200kTable(table, source, SLOT_BITS);

  it('round-trips a table written for the same rank list and layout', () => {
    same(decodeO200kTable(file, source, SLOT_BITS)!, table);
  });

  it('is not used when built from another gpt-tokenizer, another rank list, or for another layout', () => {
    expect(decodeO200kTable(file, { ...source, version: '4.0.1' }, SLOT_BITS)).toBeNull();
    expect(decodeO200kTable(file, { ...source, bytes: 1001 }, SLOT_BITS)).toBeNull();
    expect(decodeO200kTable(file, source, SLOT_BITS + 1)).toBeNull();
  });

  it('is not used when cut short, grown, or not a table at all', () => {
    expect(decodeO200kTable(file.subarray(0, file.length - 8), source, SLOT_BITS)).toBeNull();
    expect(decodeO200kTable(Buffer.concat([file, Buffer.alloc(8)]), source, SLOT_BITS)).toBeNull();
    expect(decodeO200kTable(file.subarray(0, 3), source, SLOT_BITS)).toBeNull();
    expect(decodeO200kTable(Buffer.from('{"format":"x"}'), source, SLOT_BITS)).toBeNull();
    const badJson = Buffer.from(file);
    badJson.write('}', 4);
    expect(decodeO200kTable(badJson, source, SLOT_BITS)).toBeNull();
    const hugeHeader = Buffer.from(file);
    hugeHeader.writeUInt32LE(0xffffffff, 0);
    expect(decodeO200kTable(hugeHeader, source, SLOT_BITS)).toBeNull();
  });
});
