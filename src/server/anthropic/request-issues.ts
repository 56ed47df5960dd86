/**
 * Turns schema validation issues into Anthropic's 400 messages, which are pydantic's:
 * `<dotted location>: <what is wrong>`, e.g. `max_tokens: Field required` or
 * `messages.0.role: Input should be 'user' or 'assistant'`.
 */
import type { z } from 'zod';

/** Pydantic's name for each expected JSON type. */
const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a valid string',
  number: 'a valid number',
  int: 'a valid integer',
  boolean: 'a valid boolean',
  array: 'a valid list',
  object: 'a valid dictionary',
  record: 'a valid dictionary',
  null: 'None',
};

export function location(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`, as pydantic lists literal choices. */
function choices(values: readonly unknown[]): string {
  const q = values.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v)));
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

/** The branch that got furthest (deepest first issue) is the one the caller most likely meant. */
function bestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): z.core.$ZodIssue | undefined {
  let best: z.core.$ZodIssue | undefined;
  for (const issues of branches) {
    const first = issues[0];
    if (first !== undefined && (best === undefined || first.path.length > best.path.length)) best = first;
  }
  return best;
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'Field required';
      if (issue.expected === 'int' && typeof issue.input === 'number') return 'Input should be a valid integer, got a number with a fractional part';
      return `Input should be ${EXPECTED[issue.expected] ?? issue.expected}`;
    }
    case 'invalid_value':
      // An enum or literal field that is absent is reported as missing, not as the value 'undefined'.
      return issue.input === undefined ? 'Field required' : `Input should be ${choices(issue.values)}`;
    case 'too_small':
      if (issue.origin === 'array') return `List should have at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? '' : 's'} after validation, not ${Array.isArray(issue.input) ? issue.input.length : 0}`;
      if (issue.origin === 'string') return `String should have at least ${String(issue.minimum)} character${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `Input should be greater than ${issue.inclusive === false ? '' : 'or equal to '}${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array') return `List should have at most ${String(issue.maximum)} items after validation`;
      if (issue.origin === 'string') return `String should have at most ${String(issue.maximum)} characters`;
      return `Input should be less than ${issue.inclusive === false ? '' : 'or equal to '}${String(issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `String should match pattern '${String(issue.pattern).replace(/^\/(.*)\/[a-z]*$/, '$1')}'` : `Input should be a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/**
 * Maps the first issue of a failed parse (run with `reportInput: true`) to Anthropic's message;
 * `prefix` is where the parsed value sits in the request body.
 */
export function issueMessage(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  if (issue.code === 'invalid_union') {
    const inner = bestBranch(issue.errors);
    if (inner !== undefined && inner.path.length > 0) return issueMessage(inner, [...prefix, ...issue.path]);
    // Every branch failed on the value itself: a string-or-list field got something else.
    const wanted = issue.errors.map((b) => (b[0]?.code === 'invalid_type' ? EXPECTED[b[0].expected] : undefined)).filter((w) => w !== undefined);
    const text = wanted.length > 0 ? `Input should be ${wanted.join(' or ')}` : 'Input does not match any of the accepted forms';
    return `${location([...prefix, ...issue.path])}: ${text}`;
  }
  return `${location([...prefix, ...issue.path])}: ${describe(issue)}`;
}
