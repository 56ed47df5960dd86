/**
 * Builds the embedded default corpus: `npm run corpus:build [-- --seed N --out PATH --per-family N]`.
 * The output depends only on the seed, the per-family count and the generator source, so a
 * rebuild with the defaults reproduces the committed corpus/default.msgpack byte for byte.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeCorpus } from '../src/corpus/codec.js';
import { DEFAULT_CORPUS_CREATED_BY, DEFAULT_CORPUS_SEED, DEFAULT_PER_FAMILY, generateDefaultCorpus } from '../src/corpus/build/generate.js';
import { summarizeCorpus } from '../src/corpus/build/summary.js';

const DEFAULT_OUT = 'corpus/default.msgpack';

interface BuildOptions {
  readonly seed: number;
  readonly out: string;
  readonly perFamily: number;
}

function parseIntegerFlag(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function parseOptions(argv: string[]): BuildOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      out: { type: 'string' },
      'per-family': { type: 'string' },
    },
    strict: true,
  });
  return {
    seed: parseIntegerFlag('seed', values.seed, DEFAULT_CORPUS_SEED, 0, 0xffffffff),
    out: values.out ?? DEFAULT_OUT,
    perFamily: parseIntegerFlag('per-family', values['per-family'], DEFAULT_PER_FAMILY, 1, 100_000),
  };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const entries = generateDefaultCorpus(opts.seed, { perFamily: opts.perFamily });
  const bytes = encodeCorpus(entries, { createdBy: DEFAULT_CORPUS_CREATED_BY, seed: opts.seed });
  const out = resolve(opts.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  const elapsedMs = performance.now() - started;

  const s = summarizeCorpus(entries);
  const pct = (n: number): string => `${((100 * n) / s.entryCount).toFixed(1)}%`;
  const lines = [
    `wrote ${opts.out}: ${s.entryCount} entries, ${formatBytes(bytes.length)} (${bytes.length} bytes), seed ${opts.seed}, ${opts.perFamily} per family, ${(elapsedMs / 1000).toFixed(1)} s`,
    `kinds: ${Object.entries(s.byKind)
      .map(([k, n]) => `${k} ${n} (${pct(n)})`)
      .join(', ')}`,
    `completion tokens: p50 ${s.completionTokens.p50}, p90 ${s.completionTokens.p90}, p99 ${s.completionTokens.p99}, max ${s.completionTokens.max}, mean ${s.completionTokens.mean}`,
    `recorded timing: ${s.timedEntries} entries (${pct(s.timedEntries)}); non-ASCII text: ${s.nonAsciiEntries} entries (${pct(s.nonAsciiEntries)})`,
    'entries per model:',
    ...Object.entries(s.byModel).map(([model, n]) => `  ${model.padEnd(24)} ${n}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`corpus:build: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
