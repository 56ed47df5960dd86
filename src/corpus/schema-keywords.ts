/**
 * Reads a JSON Schema (draft-07, 2019-09, 2020-12, or the OpenAPI subset Gemini takes) into one
 * flat `SchemaConstraints` record that the instance generator works from.
 *
 * A schema arrives over HTTP, so everything here reads it defensively: only own properties are
 * read (a property named `constructor` or `__proto__` is data, not the prototype), malformed
 * keywords are ignored, and `$ref` chains and `allOf` trees are walked with a worklist of bounded
 * length instead of recursion, so a cyclic or 10,000-deep schema costs a bounded amount of work.
 * Child schemas (property values, items, branches) stay raw; they are read when generated.
 */
import { describedKeywords } from './schema-described.js';

/** The JSON types a schema can name. Gemini's uppercase names (`"OBJECT"`) are lowercased first. */
export type JsonType = 'null' | 'boolean' | 'object' | 'array' | 'number' | 'integer' | 'string';
const JSON_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'] as const satisfies readonly JsonType[];

/** Schemas (the one read, `$ref` targets and `allOf` members) absorbed into one record, at most. */
const MAX_SCHEMA_PARTS = 64;

/** Everything the generator needs from one schema, its `$ref` targets and its `allOf` members. */
export interface SchemaConstraints {
  /** Allowed types; `undefined` when no part names a known type. */
  types: JsonType[] | undefined;
  enumValues: readonly unknown[] | undefined;
  hasConst: boolean;
  constValue: unknown;
  /** Declared properties in schema order (Gemini's `propertyOrdering` first). */
  properties: Map<string, unknown>;
  required: string[];
  /** Set when some part has `additionalProperties: false`: the declared keys every such part allows. */
  allowedKeys: Set<string> | undefined;
  /** False when some part forbids undeclared keys (`additionalProperties` or `unevaluatedProperties` false). */
  extrasAllowed: boolean;
  /** Schema for undeclared keys (`additionalProperties` as a schema); `undefined` means any value. */
  extraSchema: unknown;
  dependentRequired: Map<string, string[]>;
  minProperties: number;
  maxProperties: number;
  prefixItems: unknown[];
  /** Schema for items past `prefixItems`; `undefined` means any value. */
  items: unknown;
  /** `items: false` (or draft-07 `additionalItems: false` after a tuple): no items past the prefix. */
  itemsClosed: boolean;
  contains: unknown;
  minContains: number;
  minItems: number;
  maxItems: number;
  uniqueItems: boolean;
  minLength: number;
  maxLength: number;
  pattern: string | undefined;
  format: string | undefined;
  lower: number;
  lowerExclusive: boolean;
  upper: number;
  upperExclusive: boolean;
  multipleOf: number | undefined;
  /** `anyOf`/`oneOf` groups not yet resolved; the generator picks one branch from each. */
  choices: (readonly unknown[])[];
}

export function emptyConstraints(): SchemaConstraints {
  return {
    types: undefined,
    enumValues: undefined,
    hasConst: false,
    constValue: undefined,
    properties: new Map(),
    required: [],
    allowedKeys: undefined,
    extrasAllowed: true,
    extraSchema: undefined,
    dependentRequired: new Map(),
    minProperties: 0,
    maxProperties: Infinity,
    prefixItems: [],
    items: undefined,
    itemsClosed: false,
    contains: undefined,
    minContains: 1,
    minItems: 0,
    maxItems: Infinity,
    uniqueItems: false,
    minLength: 0,
    maxLength: Infinity,
    pattern: undefined,
    format: undefined,
    lower: -Infinity,
    lowerExclusive: false,
    upper: Infinity,
    upperExclusive: false,
    multipleOf: undefined,
    choices: [],
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Array.isArray` narrows to `any[]`; this narrows to what JSON can hold. */
function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** Reads an own property only, so `required: ["toString"]` never finds `Object.prototype.toString`. */
export function ownField(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Stable text for comparing JSON values (enum intersection, `uniqueItems`). Values built from
 * JSON cannot be cyclic, but a programmatic caller's can, and this must not throw.
 */
export function jsonKey(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return `\u0000${String(typeof value)}`;
  }
}

/**
 * Resolves a local `$ref` (`#`, `#/$defs/x`, `#/definitions/x`, any `#/json/pointer`) against the
 * root schema. Remote references and `#anchor` names are not followed: they resolve to
 * `undefined`, which the caller treats as "any value".
 */
export function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let pointer = ref.slice(1);
  try {
    pointer = decodeURIComponent(pointer);
  } catch {
    // A malformed %-escape: use the pointer as written.
  }
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(token)) return undefined;
      const index = Number(token);
      if (index >= node.length) return undefined;
      node = node[index] as unknown;
    } else if (isRecord(node)) {
      if (!Object.hasOwn(node, token)) return undefined;
      node = node[token];
    } else {
      return undefined;
    }
  }
  return node;
}

/** A non-negative count; Gemini sends int64 keywords (`minItems`, `maxLength`) as decimal strings. */
function readCount(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && n >= 0 && !Number.isNaN(n) ? Math.floor(n) : undefined;
}

function readNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function isJsonType(name: string): name is JsonType {
  return (JSON_TYPES as readonly string[]).includes(name);
}

/** Known types named by `type` (string or array, any case), or `undefined` when none is known. */
function readTypes(schema: Record<string, unknown>): JsonType[] | undefined {
  const raw = ownField(schema, 'type');
  const names = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const types: JsonType[] = [];
  for (const name of names) {
    if (typeof name !== 'string') continue;
    const lower = name.toLowerCase();
    if (isJsonType(lower) && !types.includes(lower)) types.push(lower);
  }
  if (types.length === 0) return undefined;
  // OpenAPI 3.0 (and Gemini) spell "or null" as `nullable: true` beside `type`.
  if (ownField(schema, 'nullable') === true && !types.includes('null')) types.push('null');
  return types;
}

/** Intersects type sets; `integer` survives a meet with `number`. An empty meet keeps the old set. */
function meetTypes(current: JsonType[] | undefined, next: JsonType[]): JsonType[] {
  if (current === undefined) return next;
  const met: JsonType[] = [];
  for (const t of current) {
    let kept: JsonType | undefined;
    if (next.includes(t)) kept = t;
    else if ((t === 'number' && next.includes('integer')) || (t === 'integer' && next.includes('number'))) kept = 'integer';
    if (kept !== undefined && !met.includes(kept)) met.push(kept);
  }
  return met.length > 0 ? met : current;
}

/** Two schemas for one slot become their conjunction, read when that slot is generated. */
function conjoin(current: unknown, next: unknown): unknown {
  return current === undefined ? next : { allOf: [current, next] };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function raiseLower(c: SchemaConstraints, bound: number | undefined, exclusive: boolean): void {
  if (bound === undefined) return;
  if (bound > c.lower) {
    c.lower = bound;
    c.lowerExclusive = exclusive;
  } else if (bound === c.lower) {
    c.lowerExclusive ||= exclusive;
  }
}

function dropUpper(c: SchemaConstraints, bound: number | undefined, exclusive: boolean): void {
  if (bound === undefined) return;
  if (bound < c.upper) {
    c.upper = bound;
    c.upperExclusive = exclusive;
  } else if (bound === c.upper) {
    c.upperExclusive ||= exclusive;
  }
}

function meetMultipleOf(current: number | undefined, next: number): number {
  if (current === undefined) return next;
  if (Number.isInteger(current) && Number.isInteger(next)) {
    let a = current;
    let b = next;
    while (b !== 0) [a, b] = [b, a % b];
    const lcm = (current / a) * next;
    if (Number.isSafeInteger(lcm)) return lcm;
  }
  // Non-integer steps have no exact common multiple in floating point; keep the coarser one.
  return Math.max(current, next);
}

function absorbObjectKeywords(c: SchemaConstraints, schema: Record<string, unknown>): void {
  const properties = ownField(schema, 'properties');
  // A Set, not an array: a client's schema may declare tens of thousands of properties, and a
  // linear `includes` per key made that quadratic (20,000 keys held a server thread for 0.2 s).
  const ownKeys = new Set<string>();
  if (isRecord(properties)) {
    // Gemini's `propertyOrdering` is its schema order; keys it does not list follow in object order.
    const ordering = stringList(ownField(schema, 'propertyOrdering')).filter((k) => Object.hasOwn(properties, k));
    for (const key of [...ordering, ...Object.keys(properties)]) {
      if (ownKeys.has(key)) continue;
      ownKeys.add(key);
      c.properties.set(key, conjoin(c.properties.get(key), properties[key]));
    }
  }
  for (const key of stringList(ownField(schema, 'required'))) c.required.push(key);

  const additional = ownField(schema, 'additionalProperties');
  if (additional === false) {
    c.extrasAllowed = false;
    c.allowedKeys = new Set(c.allowedKeys === undefined ? ownKeys : [...ownKeys].filter((k) => c.allowedKeys?.has(k)));
  } else if (additional !== undefined && additional !== true) {
    c.extraSchema = conjoin(c.extraSchema, additional);
  }
  if (ownField(schema, 'unevaluatedProperties') === false) c.extrasAllowed = false;

  for (const keyword of ['dependentRequired', 'dependencies']) {
    const deps = ownField(schema, keyword);
    if (!isRecord(deps)) continue;
    for (const trigger of Object.keys(deps)) {
      const needed = stringList(deps[trigger]);
      if (needed.length > 0) c.dependentRequired.set(trigger, [...(c.dependentRequired.get(trigger) ?? []), ...needed]);
    }
  }
  const minProperties = readCount(ownField(schema, 'minProperties'));
  if (minProperties !== undefined) c.minProperties = Math.max(c.minProperties, minProperties);
  const maxProperties = readCount(ownField(schema, 'maxProperties'));
  if (maxProperties !== undefined) c.maxProperties = Math.min(c.maxProperties, maxProperties);
}

function absorbArrayKeywords(c: SchemaConstraints, schema: Record<string, unknown>): void {
  const items = ownField(schema, 'items');
  let prefix = ownField(schema, 'prefixItems');
  let rest: unknown = items;
  if (Array.isArray(items)) {
    // draft-07 tuple: `items` is the prefix and `additionalItems` the rest.
    prefix = items;
    rest = ownField(schema, 'additionalItems');
  }
  if (Array.isArray(prefix)) {
    prefix.forEach((item: unknown, i) => {
      c.prefixItems[i] = conjoin(c.prefixItems[i], item);
    });
  }
  if (rest === false) c.itemsClosed = true;
  else if (rest !== undefined && rest !== true) c.items = conjoin(c.items, rest);

  const contains = ownField(schema, 'contains');
  if (contains !== undefined) c.contains = conjoin(c.contains, contains);
  const minContains = readCount(ownField(schema, 'minContains'));
  if (minContains !== undefined) c.minContains = Math.max(c.minContains, minContains);
  const minItems = readCount(ownField(schema, 'minItems'));
  if (minItems !== undefined) c.minItems = Math.max(c.minItems, minItems);
  const maxItems = readCount(ownField(schema, 'maxItems'));
  if (maxItems !== undefined) c.maxItems = Math.min(c.maxItems, maxItems);
  if (ownField(schema, 'uniqueItems') === true) c.uniqueItems = true;
}

function absorbScalarKeywords(c: SchemaConstraints, schema: Record<string, unknown>): void {
  const minLength = readCount(ownField(schema, 'minLength'));
  if (minLength !== undefined) c.minLength = Math.max(c.minLength, minLength);
  const maxLength = readCount(ownField(schema, 'maxLength'));
  if (maxLength !== undefined) c.maxLength = Math.min(c.maxLength, maxLength);
  const pattern = ownField(schema, 'pattern');
  if (typeof pattern === 'string') c.pattern ??= pattern;
  const format = ownField(schema, 'format');
  if (typeof format === 'string') c.format ??= format;

  const minimum = readNumber(ownField(schema, 'minimum'));
  const maximum = readNumber(ownField(schema, 'maximum'));
  const exclusiveMinimum = ownField(schema, 'exclusiveMinimum');
  const exclusiveMaximum = ownField(schema, 'exclusiveMaximum');
  // draft-04 and OpenAPI 3.0 spell exclusivity as a boolean beside minimum/maximum.
  raiseLower(c, minimum, exclusiveMinimum === true);
  dropUpper(c, maximum, exclusiveMaximum === true);
  raiseLower(c, readNumber(exclusiveMinimum), true);
  dropUpper(c, readNumber(exclusiveMaximum), true);
  const multipleOf = readNumber(ownField(schema, 'multipleOf'));
  if (multipleOf !== undefined && multipleOf > 0) c.multipleOf = meetMultipleOf(c.multipleOf, multipleOf);
}

/** Folds one schema's own keywords (not its `$ref` or `allOf`) into `c`. */
function absorbOwnKeywords(c: SchemaConstraints, schema: Record<string, unknown>): void {
  const types = readTypes(schema);
  if (types !== undefined) c.types = meetTypes(c.types, types);

  if (Object.hasOwn(schema, 'const') && !c.hasConst) {
    c.hasConst = true;
    c.constValue = schema['const'];
  }
  const enumValues = ownField(schema, 'enum');
  if (Array.isArray(enumValues) && enumValues.length > 0) {
    if (c.enumValues === undefined) {
      c.enumValues = enumValues;
    } else {
      const keys = new Set(enumValues.map(jsonKey));
      const met = c.enumValues.filter((v) => keys.has(jsonKey(v)));
      if (met.length > 0) c.enumValues = met;
    }
  }
  for (const keyword of ['anyOf', 'oneOf']) {
    const branches = ownField(schema, keyword);
    if (Array.isArray(branches) && branches.length > 0) c.choices.push(branches);
  }
  absorbObjectKeywords(c, schema);
  absorbArrayKeywords(c, schema);
  absorbScalarKeywords(c, schema);
}

/**
 * Folds `schemas` (and, transitively, their `$ref` targets and `allOf` members) into `into`;
 * `resolve` is `resolveRef` against the root, usually cached.
 * Each part is absorbed once per visit, in breadth-first order, so a schema's own properties
 * come before those of what it references. `not`, `if`/`then`/`else` and `patternProperties`
 * are not read: the result may then fail them (a documented best effort).
 */
export function absorbSchemas(
  resolve: (ref: string) => unknown,
  schemas: readonly unknown[],
  into: SchemaConstraints,
): SchemaConstraints {
  const queue = [...schemas];
  for (let i = 0; i < queue.length && i < MAX_SCHEMA_PARTS; i++) {
    const schema = queue[i];
    // `true`, `false` (unsatisfiable: a best effort follows) and non-schemas add nothing.
    if (!isRecord(schema)) continue;
    absorbOwnKeywords(into, schema);
    const described = describedKeywords(schema);
    if (described !== undefined) absorbOwnKeywords(into, described);
    const ref = ownField(schema, '$ref');
    if (typeof ref === 'string') queue.push(resolve(ref));
    const allOf = ownField(schema, 'allOf');
    if (isList(allOf)) queue.push(...allOf.slice(0, MAX_SCHEMA_PARTS));
  }
  return into;
}

/**
 * A rough cost of generating from a branch, read from its own keywords only: used at the depth
 * limit to prefer the branch that ends recursion (`null` over an object, anything over a `$ref`).
 */
export function branchCost(schema: unknown): number {
  if (schema === false) return 100;
  if (!isRecord(schema)) return 1;
  if (Object.hasOwn(schema, '$ref')) return 50;
  if (Object.hasOwn(schema, 'const') || Object.hasOwn(schema, 'enum')) return 1;
  const types = readTypes(schema);
  if (types === undefined) return 2;
  if (types.includes('null')) return 0;
  if (types.includes('object')) return 5 + stringList(ownField(schema, 'required')).length;
  if (types.includes('array')) return (readCount(ownField(schema, 'minItems')) ?? 0) > 0 ? 20 : 3;
  return 1;
}
