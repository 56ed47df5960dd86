import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsToWrite, saveResults, type SavedResults } from '../bench/chart.js';

const lag = (p50: number, p99: number) => ({ count: 1, min: 0, mean: p50, p50, p90: p99, p99, p999: p99, max: p99 });
const results = {
  meta: { cpu: 'test', node: 'v20', date: '2026-12-07' },
  stream: { levels: [{ concurrency: 1000, server: { stats: { histograms: { emissionLagMs: lag(0.1, 5) } } } }] },
} as unknown as SavedResults;

describe('bench results file', () => {
  it('writes latest.json and the lag chart into the results folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    expect(saveResults(results, undefined, dir)).toEqual([join(dir, 'latest.json'), join(dir, 'lag-vs-concurrency.svg')]);
    expect(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'))).toEqual(results);
  });

  it('with --json writes that file alone, leaving the record and its chart as they were', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    const file = join(mkdtempSync(join(tmpdir(), 'bench-json-')), 'ab.json');
    expect(saveResults(results, file, dir)).toEqual([file]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(results);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'latest.json'))).toBe(false);
  });
});

describe('what a partial run writes', () => {
  const meta = (commit: string) => ({ commit, date: `${commit}-date` });
  const earlier = { meta: { ...meta('aaa'), kept: { policy: meta('old') } }, nonstream: { ratio: 0.7 }, micro: [{ name: 'm' }], policy: { cpuOverhead: 0.1 }, stream: { levels: [] } };
  const run = { meta: meta('bbb'), stream: { levels: [{ concurrency: 100 }] } };

  it('to --json holds its own sections alone, not the record\'s under its commit', () => {
    expect(resultsToWrite(earlier, run, '/tmp/scratch.json')).toEqual(run);
  });

  it('to latest.json keeps the sections it did not run, each named with the run that measured it', () => {
    expect(resultsToWrite(earlier, run, undefined)).toEqual({
      meta: { ...meta('bbb'), kept: { nonstream: meta('aaa'), micro: meta('aaa'), policy: meta('old') } },
      nonstream: { ratio: 0.7 },
      micro: [{ name: 'm' }],
      policy: { cpuOverhead: 0.1 },
      stream: { levels: [{ concurrency: 100 }] },
    });
    // A whole run keeps nothing.
    expect(resultsToWrite(earlier, { meta: meta('ccc'), nonstream: {}, micro: [], policy: {}, stream: {} }, undefined).meta).toEqual(meta('ccc'));
  });
});
