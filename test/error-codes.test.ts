import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIM_ERROR_CODES, SimError, simErrorCode } from '../src/sim-error.js';

describe('simulator error codes', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.keys(SIM_ERROR_CODES))('%s is documented in docs/errors.md', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/\| `(SIM_ERR_[A-Z_]+)` \|/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(SIM_ERROR_CODES).sort());
  });

  it('keeps the code when an error is cloned across a worker boundary', () => {
    const err = new SimError('SIM_ERR_CORPUS_EMPTY', 'x');
    const cloned: unknown = structuredClone({ code: err.code, message: err.message });
    expect(simErrorCode(cloned)).toBe('SIM_ERR_CORPUS_EMPTY');
    expect(simErrorCode({ code: 'ENOENT' })).toBeUndefined();
  });
});
