/**
 * Turns schema validation issues into the Gemini API's 400 messages. Field paths are written as the
 * API writes them, in snake_case with indexes (`contents[0].parts[0].text`); type errors say
 * `Invalid value at '<field>' (TYPE_STRING), 5` with a `BadRequest` field violation, and rule
 * violations say `* GenerateContentRequest.<field>: …`.
 */
import type { z } from 'zod';
import { invalidArgument, type GeminiError } from './errors.js';
import { THINKING_LEVEL_TYPE } from './thinking-levels.js';

/** The request message a route validates, named in rule-violation messages. */
export type RequestName = 'GenerateContentRequest' | 'CountTokensRequest' | 'EmbedContentRequest' | 'BatchEmbedContentsRequest' | 'BatchGenerateContentRequest' | 'AsyncBatchEmbedContentRequest';

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out.length === 0 ? snake(String(seg)) : `.${snake(String(seg))}`;
  }
  return out;
}

/** A rule violation as the API words it; the message ends in a newline, as the API's do. */
export function ruleViolation(request: RequestName, field: string, rule: string): GeminiError {
  return invalidArgument(`* ${request}${field.length > 0 ? `.${field}` : ''}: ${rule}\n`);
}

/** Proto types of the integer fields, so a string sent for one names the right type. */
const INT_FIELDS = new Set(['maxOutputTokens', 'candidateCount', 'topK', 'seed', 'outputDimensionality', 'thinkingBudget', 'logprobs']);

/** A Map, so that an issue whose path ends in a client's key (`constructor`) finds nothing. */
const ENUM_TYPES: ReadonlyMap<string, string> = new Map([
  ['mode', 'type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode'],
  ['taskType', 'type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType'],
  ['category', 'type.googleapis.com/google.ai.generativelanguage.v1beta.HarmCategory'],
  ['threshold', 'type.googleapis.com/google.ai.generativelanguage.v1beta.SafetySetting.HarmBlockThreshold'],
  ['thinkingLevel', THINKING_LEVEL_TYPE],
]);

function protoType(expected: string, last: PropertyKey | undefined): string {
  if (typeof last === 'string' && INT_FIELDS.has(last)) return 'TYPE_INT32';
  switch (expected) {
    case 'string':
      return 'TYPE_STRING';
    case 'int':
      return 'TYPE_INT32';
    case 'number':
      return 'TYPE_FLOAT';
    case 'boolean':
      return 'TYPE_BOOL';
    default:
      return 'TYPE_MESSAGE';
  }
}

const render = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** Maps the first issue of a failed parse (run with `reportInput: true`) to a Gemini error. */
export function issueToGeminiError(issue: z.core.$ZodIssue, request: RequestName): GeminiError {
  const field = fieldPath(issue.path);
  const last = issue.path[issue.path.length - 1];
  const name = typeof last === 'number' ? field : snake(String(last ?? ''));
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) {
        if (last === 'parts') return ruleViolation(request, field, 'contents.parts must not be empty.');
        return ruleViolation(request, field, `${name} is not specified`);
      }
      if (Array.isArray(issue.input) && issue.expected !== 'array') {
        const parent = fieldPath(issue.path.slice(0, -1));
        return invalidArgument(
          `Invalid JSON payload received. Unknown name "${String(last)}" at '${parent.length > 0 ? parent : 'request'}': Proto field is not repeating, cannot start list.`,
          field,
        );
      }
      if (issue.expected === 'array' || issue.expected === 'object') {
        return invalidArgument(`Invalid value at '${field}' (${issue.expected === 'array' ? 'repeated field' : 'TYPE_MESSAGE'}), ${render(issue.input)}`, field);
      }
      return invalidArgument(`Invalid value at '${field}' (${protoType(issue.expected, last)}), ${render(issue.input)}`, field);
    }
    case 'invalid_value': {
      if (last === 'role') return invalidArgument('Please use a valid role: user, model.');
      if (issue.input === undefined) return ruleViolation(request, field, `${name} is not specified`);
      const type = typeof last === 'string' ? (ENUM_TYPES.get(last) ?? 'TYPE_ENUM') : 'TYPE_ENUM';
      return invalidArgument(`Invalid value at '${field}' (${type}), ${render(issue.input)}`, field);
    }
    case 'too_small':
      if (issue.origin === 'array') {
        if (last === 'parts') return ruleViolation(request, field, 'contents.parts must not be empty.');
        if (last === 'contents') return ruleViolation(request, field, 'contents is not specified');
        return ruleViolation(request, field, `${name} must not be empty.`);
      }
      return ruleViolation(request, field, `${name} must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}.`);
    case 'too_big':
      if (issue.origin === 'array') return ruleViolation(request, field, `at most ${String(issue.maximum)} ${name} can be given.`);
      return ruleViolation(request, field, `${name} must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}.`);
    case 'invalid_format':
      if (last === 'name') {
        return ruleViolation(
          request,
          field,
          'Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contains underscores, dots, colons and dashes, with a maximum length of 64.',
        );
      }
      return invalidArgument(`Invalid value at '${field}': ${render(issue.input)}`, field);
    default:
      return invalidArgument(`Invalid value at '${field}': ${issue.message}`, field);
  }
}
