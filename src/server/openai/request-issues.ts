/**
 * Turns schema validation issues into OpenAI's 400 messages, with `param` in OpenAI's dotted,
 * indexed form (`messages[0].role`) and OpenAI's `code` values.
 */
import type { z } from 'zod';
import { invalidRequest, type OpenAIError } from './errors.js';

export function paramPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out.length === 0 ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

function quoteList(values: readonly unknown[]): string {
  const q = values.map((v) => `'${String(v)}'`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/** Maps the first issue of a failed parse (run with `reportInput: true`) to an OpenAI error. */
export function issueToOpenAIError(issue: z.core.$ZodIssue): OpenAIError {
  const param = paramPath(issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return invalidRequest(`Invalid type for '${param}': expected ${expected}, but got ${jsonTypeName(issue.input)} instead.`, param, 'invalid_type');
    }
    case 'invalid_value':
      // An enum field that is absent is reported as missing, not as the value 'undefined'.
      if (issue.input === undefined) return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
      return invalidRequest(`Invalid value: '${typeof issue.input === 'string' ? issue.input : JSON.stringify(issue.input)}'. Supported values are: ${quoteList(issue.values)}.`, param, 'invalid_value');
    case 'too_small': {
      if (issue.origin === 'array' && Number(issue.minimum) === 1) {
        return invalidRequest(`Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`, param, 'empty_array');
      }
      if (issue.origin === 'string') {
        return invalidRequest(`Invalid '${param}': string too short. Expected a string with minimum length ${String(issue.minimum)}, but got a string with length ${String(issue.input).length} instead.`, param, 'string_too_short');
      }
      const kind = issue.origin === 'int' || Number.isInteger(issue.input) ? 'integer' : 'decimal';
      return invalidRequest(`Invalid '${param}': ${kind} below minimum value. Expected a value >= ${String(issue.minimum)}, but got ${String(issue.input)} instead.`, param, `${kind}_below_min_value`);
    }
    case 'too_big': {
      if (issue.origin === 'array' || issue.origin === 'string') {
        const a = issue.origin === 'array' ? 'an array' : 'a string';
        const length = Array.isArray(issue.input) || typeof issue.input === 'string' ? issue.input.length : NaN;
        return invalidRequest(`Invalid '${param}': ${issue.origin} too long. Expected ${a} with maximum length ${String(issue.maximum)}, but got ${a} with length ${length} instead.`, param, `${issue.origin}_above_max_length`);
      }
      const kind = issue.origin === 'int' || Number.isInteger(issue.input) ? 'integer' : 'decimal';
      return invalidRequest(`Invalid '${param}': ${kind} above maximum value. Expected a value <= ${String(issue.maximum)}, but got ${String(issue.input)} instead.`, param, `${kind}_above_max_value`);
    }
    case 'invalid_format':
      return invalidRequest(`Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '${issue.format === 'regex' ? String(issue.pattern) : issue.format}'.`, param, 'invalid_value');
    case 'invalid_union': {
      // A value of the right kind but the wrong length (a fifth `stop`) gets that branch's message, as OpenAI words it.
      const sized = issue.errors.find((branch) => branch[0]?.code === 'too_big' || branch[0]?.code === 'too_small')?.[0];
      if (sized !== undefined) return issueToOpenAIError({ ...sized, path: [...issue.path, ...sized.path] });
      return invalidRequest(`Invalid value for '${param}'.`, param, 'invalid_value');
    }
    default:
      return invalidRequest(`Invalid '${param}': ${issue.message}`, param, 'invalid_value');
  }
}
