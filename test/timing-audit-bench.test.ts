/**
 * `npm run bench -- --help` must say how to run the bench, and a mistyped option must say what is
 * wrong in one line: both exit before any server starts, so these runs take well under a second.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-root.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function bench(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(packageRoot(), 'dist', 'bench', 'run.js'), ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

/** The options BENCHMARKS.md's table documents, as `--name`. */
function documentedOptions(): string[] {
  const doc = readFileSync(join(packageRoot(), 'BENCHMARKS.md'), 'utf8');
  return [...doc.matchAll(/^\| `(--[a-z-]+)/gm)].map((m) => m[1]!);
}

describe('bench command line', () => {
  it('--help prints the usage with every documented option and exits 0, running nothing', async () => {
    const run = await bench('--help');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run bench -- /);
    const options = documentedOptions();
    expect(options.length).toBeGreaterThanOrEqual(10);
    for (const option of options) expect(run.stdout).toContain(option);
  });

  it('an unknown option or a value for a switch is one line naming it, exit 2, no stack trace', async () => {
    const cases = [
      ['--bogus', '--bogus'],
      ['--quick=3', '--quick'],
    ] as const;
    const runs = await Promise.all(cases.map(([arg]) => bench(arg)));
    for (const [i, [, named]] of cases.entries()) {
      const run = runs[i]!;
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^bench: /);
      expect(run.stderr).toContain(named);
      expect(run.stderr).not.toMatch(/\bat \S+ \(|TypeError|ERR_PARSE_ARGS/);
      expect(run.stderr).toContain('--help');
    }
  });
});
