/**
 * OpenAI's check of a schema sent with `strict: true` (Structured Outputs and strict function
 * calling): every object must set `additionalProperties: false` and list every property, and
 * nothing else, in `required`. OpenAI refuses the request otherwise, naming where in the schema as
 * a Python tuple (`In context=('properties', 'items', 'items'), …`); a client that breaks a rule
 * must see that 400 here, not an answer.
 */

import { firstSchemaRefusal, isSchemaRecord, type SchemaPathSegment } from '../schema-walk.js';

/** The path as OpenAI prints it: Python's repr of a tuple (`()`, `('items',)`, `('properties', 'a')`). */
function context(path: readonly SchemaPathSegment[]): string {
  const items = path.map((s) => (typeof s === 'number' ? String(s) : `'${s}'`));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

function isObjectSchema(node: Readonly<Record<string, unknown>>): boolean {
  const type = node['type'];
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || isSchemaRecord(node['properties']);
}

const REQUIRED_RULE = "'required' is required to be supplied and to be an array including every key in properties.";

function objectRuleBroken(node: Readonly<Record<string, unknown>>, path: readonly SchemaPathSegment[]): string | undefined {
  if (!isObjectSchema(node)) return undefined;
  if (node['additionalProperties'] !== false) return `In context=${context(path)}, 'additionalProperties' is required to be supplied and to be false.`;
  const properties = isSchemaRecord(node['properties']) ? node['properties'] : {};
  const listed = Array.isArray(node['required']) ? (node['required'] as unknown[]) : [];
  // A set, not a scan of the array per key: a body of 200,000 properties held the thread for minutes.
  const required = new Set(listed);
  const missing = Object.keys(properties).find((k) => !required.has(k));
  if (missing !== undefined) return `In context=${context(path)}, ${REQUIRED_RULE} Missing '${missing}'.`;
  // A typo in required, or a property dropped and still required, is refused too.
  const extra = listed.find((k): k is string => typeof k === 'string' && !Object.hasOwn(properties, k));
  if (extra !== undefined) return `In context=${context(path)}, ${REQUIRED_RULE} Extra required key '${extra}' supplied.`;
  return undefined;
}

/** The first strict-mode rule `schema` breaks, worded as OpenAI words it after the schema's name; undefined when it keeps them. */
export function strictSchemaViolation(schema: unknown): string | undefined {
  return firstSchemaRefusal(schema, objectRuleBroken);
}
