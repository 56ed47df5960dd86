/**
 * What the log says of a handler's internal error: its type and where it was thrown, never its
 * message, which can quote the request (a tokenizer's error names the text it choked on).
 */
import { describe, expect, it } from 'vitest';
import { describeInternalError } from '../src/server/http-exchange.js';

describe('describeInternalError', () => {
  it('gives the error type and its top frames, not the message', () => {
    const secret = 'Disallowed special token found: sk-live-1234 <|endoftext|>';
    const line = describeInternalError(new TypeError(secret));
    expect(line).toMatch(/^TypeError at /);
    expect(line).toContain('internal-error-log.test.ts');
    expect(line).not.toContain('sk-live-1234');
    expect(line).not.toContain('endoftext');
    expect(line.split(' < ').length).toBeLessThanOrEqual(4);
  });

  it('names what was thrown when it is not an Error', () => {
    expect(describeInternalError('the request body')).toBe('a thrown string');
    expect(describeInternalError(undefined)).toBe('a thrown undefined');
  });
});
