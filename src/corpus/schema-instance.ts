/**
 * Seeded JSON values that validate against a caller's JSON Schema: the content for an OpenAI
 * `response_format: {type: "json_schema"}` reply, and tool-call arguments for OpenAI
 * `parameters`, Anthropic `input_schema` and Gemini `parameters` (uppercase `"OBJECT"` types).
 *
 * The schema is user input arriving over HTTP, so generation never throws and its work and output
 * are bounded whatever the schema says:
 * - nesting past `maxDepth` (default 8) takes the smallest valid value: only required properties,
 *   only `minItems` items, the `anyOf` branch that ends recursion (a `null`, a non-`$ref`);
 * - nesting past `maxDepth + 32` (or 96 levels at most) writes `{}` and `[]` without descending,
 *   so a self-referencing schema with no base case, or one 10,000 levels deep, still returns;
 * - arrays hold at most 64 items and objects gain at most 64 properties beyond the required ones,
 *   whatever `minItems`/`minProperties` ask; strings hold at most 256 code points
 *   (`MAX_STRING_LENGTH`);
 * - past about 256 KiB of output, no further array items or optional properties are added and
 *   nested values are written as their smallest shallow form;
 * - past `maxUnits` (when given), no further property or item at all, required or not: for a
 *   caller that sends only a prefix of the text, so a schema of 20,000 required properties costs
 *   only about the part that is sent (`boundedInstance` says whether it stopped there).
 * Where a schema cannot be met (`false`, `minimum > maximum`, a cap below a minimum, `not`,
 * `if`/`then`), the value is a best effort that may fail validation.
 *
 * Keywords read: type (string or array, any case), nullable, enum, const, properties, required,
 * additionalProperties, unevaluatedProperties: false, propertyOrdering (Gemini), minProperties,
 * maxProperties, dependentRequired/dependencies, items, prefixItems, additionalItems, contains,
 * minContains, minItems, maxItems, uniqueItems, minLength, maxLength, pattern, format, minimum,
 * maximum, exclusiveMinimum, exclusiveMaximum (number and boolean forms), multipleOf, anyOf,
 * oneOf, allOf, and local $ref (`#`, `#/$defs/…`, `#/definitions/…`, any `#/pointer`). Others
 * (description, title, patternProperties, propertyNames, not, if/then/else) are ignored.
 */
import {
  absorbSchemas,
  branchCost,
  emptyConstraints,
  isRecord,
  jsonKey,
  resolveRef,
  type JsonType,
  type SchemaConstraints,
} from './schema-keywords.js';
import { integerFromConstraints, numberFromConstraints } from './schema-numbers.js';
import { drawWord, isKnownStringFormat, stringFromConstraints } from './schema-strings.js';
import type { SeededRandom } from '../timing/random.js';

export { MAX_STRING_LENGTH } from './schema-strings.js';

export interface SchemaInstanceOptions {
  /** Words to draw string values from (the simulator passes corpus vocabulary); a built-in short list if absent. */
  readonly words?: readonly string[];
  /** Probability of including each optional (non-required) property. Default 0.5. */
  readonly optionalPropertyRate?: number;
  /** Maximum nesting depth before choosing the smallest valid value. Default 8. */
  readonly maxDepth?: number;
  /**
   * Output size, in approximate characters of JSON, past which nothing is added, not even a
   * required property or a `minItems` item. For a caller that sends only a prefix of the text
   * (an answer cut at its token budget); what it makes up to there is what it would make without
   * the limit. Default: none.
   */
  readonly maxUnits?: number;
}

/** Most items in one array, whatever `minItems` asks. */
export const MAX_ARRAY_ITEMS = 64;
/** Most properties added to one object beyond its required ones (for `minProperties`). */
export const MAX_EXTRA_PROPERTIES = 64;
/** Output size, in approximate characters of JSON, past which nothing optional is added. */
export const MAX_OUTPUT_UNITS = 256 * 1024;
/** Largest `maxDepth` honoured; larger values are clamped. */
const MAX_DEPTH_LIMIT = 64;
/** Levels past `maxDepth` spent on smallest-valid values before writing shallow ones. */
const MINIMAL_DEPTH_MARGIN = 32;
/** Rounds of `anyOf`/`oneOf` resolution per value; each chosen branch may add more groups. */
const MAX_CHOICE_ROUNDS = 8;
/** Retries for an item that duplicates an earlier one under `uniqueItems`. */
const UNIQUE_RETRIES = 8;
/** Probability of `null` when a type list allows null and something else. */
const NULL_RATE = 0.2;
/** Deepest enum or const value copied; deeper parts become `null`. */
const MAX_COPY_DEPTH = 64;
/** Items drawn when a schema gives no `minItems`/`maxItems`: 1 to 3. */
const DEFAULT_ITEM_SPREAD = 2;

/** Cheapest first: the order types are tried at the depth limit. */
const TYPES_BY_COST = ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object'] as const satisfies readonly JsonType[];
/** What a schema with no type and no typed keyword produces. */
const ANY_TYPES = ['string', 'integer', 'boolean'] as const satisfies readonly JsonType[];

/** Writes an own data property, so a key named `__proto__` is data and not a prototype change. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function jsonTypeOf(value: unknown): JsonType | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'string':
      return 'string';
    case 'object':
      return 'object';
    default:
      return undefined;
  }
}

function allowsValue(types: readonly JsonType[], value: unknown): boolean {
  const t = jsonTypeOf(value);
  return t !== undefined && (types.includes(t) || (t === 'integer' && types.includes('number')));
}

/** The type implied by keywords when a schema names none (`properties` → object, ...). */
function impliedType(c: SchemaConstraints): JsonType | undefined {
  if (c.properties.size > 0 || c.required.length > 0 || c.allowedKeys !== undefined || c.minProperties > 0 || c.extraSchema !== undefined) {
    return 'object';
  }
  if (c.prefixItems.length > 0 || c.items !== undefined || c.contains !== undefined || c.minItems > 0 || c.itemsClosed) return 'array';
  if (c.pattern !== undefined || c.minLength > 0 || c.maxLength !== Infinity || (c.format !== undefined && isKnownStringFormat(c.format))) {
    return 'string';
  }
  if (c.lower !== -Infinity || c.upper !== Infinity || c.multipleOf !== undefined) return 'number';
  return undefined;
}

function clampNumber(value: number | undefined, lo: number, hi: number, fallback: number): number {
  return value === undefined || Number.isNaN(value) ? fallback : Math.min(hi, Math.max(lo, value));
}

/**
 * What every generation from one root schema object can share: `$ref` targets and choice-free
 * constraints depend on the schema alone (recursive schemas revisit both often). Kept per root
 * object, so a caller that passes the same object for the same schema (`answer.ts` interns tool
 * schemas) reads each schema once; schema objects are never mutated.
 */
interface SchemaMemo {
  readonly refs: Map<string, unknown>;
  readonly constraintsBySchema: Map<object, SchemaConstraints>;
}
const memos = new WeakMap<object, SchemaMemo>();

function memoFor(root: unknown): SchemaMemo {
  const key = isRecord(root) ? root : undefined;
  let memo = key === undefined ? undefined : memos.get(key);
  if (memo === undefined) {
    memo = { refs: new Map(), constraintsBySchema: new Map() };
    if (key !== undefined) memos.set(key, memo);
  }
  return memo;
}

/** One generation: the root for `$ref`, the random source, and the output budget spent so far. */
class InstanceGenerator {
  readonly #root: unknown;
  readonly #refs: Map<string, unknown>;
  readonly #constraintsBySchema: Map<object, SchemaConstraints>;
  readonly #resolve: (ref: string) => unknown;
  readonly #rng: SeededRandom;
  readonly #words: readonly string[] | undefined;
  readonly #optionalRate: number;
  readonly #maxDepth: number;
  readonly #shallowDepth: number;
  readonly #maxUnits: number;
  #units: number;
  /** Set when `maxUnits` left something out. */
  stopped: boolean;

  constructor(root: unknown, rng: SeededRandom, options: SchemaInstanceOptions) {
    this.#root = root;
    const memo = memoFor(root);
    this.#refs = memo.refs;
    this.#constraintsBySchema = memo.constraintsBySchema;
    this.#resolve = (ref) => this.#resolveRef(ref);
    this.#rng = rng;
    this.#words = options.words;
    this.#optionalRate = clampNumber(options.optionalPropertyRate, 0, 1, 0.5);
    this.#maxDepth = Math.floor(clampNumber(options.maxDepth, 0, MAX_DEPTH_LIMIT, 8));
    this.#shallowDepth = this.#maxDepth + MINIMAL_DEPTH_MARGIN;
    this.#maxUnits = options.maxUnits ?? Infinity;
    this.#units = 0;
    this.stopped = false;
  }

  get #exhausted(): boolean {
    return this.#units >= MAX_OUTPUT_UNITS;
  }

  /** Past the caller's cut: nothing more is added, required or not. */
  get #spent(): boolean {
    if (this.#units < this.#maxUnits) return false;
    this.stopped = true;
    return true;
  }

  generate(schema: unknown, depth: number): unknown {
    const minimal = depth >= this.#maxDepth;
    const c = this.#constraints(schema, minimal);
    if (c.hasConst) return this.#copy(c.constValue, 0);
    if (c.enumValues !== undefined) {
      const types = c.types;
      const fitting = types === undefined ? c.enumValues : c.enumValues.filter((v) => allowsValue(types, v));
      const from = fitting.length > 0 ? fitting : c.enumValues;
      return this.#copy(from[this.#rng.int(from.length)], 0);
    }
    const shallow = depth >= this.#shallowDepth || this.#exhausted;
    switch (this.#chooseType(c, minimal)) {
      case 'null':
        this.#units += 4;
        return null;
      case 'boolean':
        this.#units += 5;
        return this.#rng.next() < 0.5;
      case 'integer':
        return this.#chargeNumber(integerFromConstraints(this.#rng, c));
      case 'number':
        return this.#chargeNumber(numberFromConstraints(this.#rng, c));
      case 'string': {
        const s = stringFromConstraints(this.#rng, c, this.#words);
        this.#units += s.length + 2;
        return s;
      }
      case 'array':
        this.#units += 2;
        return shallow ? [] : this.#array(c, depth, minimal);
      case 'object':
        this.#units += 2;
        return shallow ? {} : this.#object(c, depth, minimal);
    }
  }

  #resolveRef(ref: string): unknown {
    if (this.#refs.has(ref)) return this.#refs.get(ref);
    const target = resolveRef(this.#root, ref);
    this.#refs.set(ref, target);
    return target;
  }

  /**
   * Reads `schema` and resolves its `anyOf`/`oneOf` groups by drawing (or, when minimal, the
   * cheapest) branch. A result without groups is cached and shared, so callers never mutate it.
   */
  #constraints(schema: unknown, minimal: boolean): SchemaConstraints {
    const cached = isRecord(schema) ? this.#constraintsBySchema.get(schema) : undefined;
    if (cached !== undefined) return cached;
    const c = absorbSchemas(this.#resolve, [schema], emptyConstraints());
    if (c.choices.length === 0) {
      if (isRecord(schema)) this.#constraintsBySchema.set(schema, c);
      return c;
    }
    for (let round = 0; round < MAX_CHOICE_ROUNDS && c.choices.length > 0; round++) {
      const groups = c.choices;
      c.choices = [];
      const branches = groups.map((group) => (minimal ? this.#cheapest(group) : group[this.#rng.int(group.length)]));
      absorbSchemas(this.#resolve, branches, c);
    }
    return c;
  }

  #cheapest(group: readonly unknown[]): unknown {
    let best = group[0];
    let bestCost = branchCost(best);
    for (let i = 1; i < group.length; i++) {
      const cost = branchCost(group[i]);
      if (cost < bestCost) {
        best = group[i];
        bestCost = cost;
      }
    }
    return best;
  }

  #chooseType(c: SchemaConstraints, minimal: boolean): JsonType {
    const types = c.types ?? [impliedType(c) ?? (minimal ? 'null' : ANY_TYPES[this.#rng.int(ANY_TYPES.length)])];
    if (minimal) return TYPES_BY_COST.find((t) => types.includes(t)) ?? 'null';
    const nonNull = types.filter((t) => t !== 'null');
    if (nonNull.length === 0 || (nonNull.length < types.length && this.#rng.next() < NULL_RATE)) return 'null';
    return nonNull[this.#rng.int(nonNull.length)]!;
  }

  #chargeNumber(n: number): number {
    this.#units += 24;
    return n;
  }

  /** A bounded copy of an enum or const value, so the caller owns its result and the budget sees its size. */
  #copy(value: unknown, level: number): unknown {
    if (Array.isArray(value)) {
      this.#units += 2;
      return level >= MAX_COPY_DEPTH ? null : value.map((v: unknown) => this.#copy(v, level + 1));
    }
    if (isRecord(value)) {
      this.#units += 2;
      if (level >= MAX_COPY_DEPTH) return null;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        this.#units += key.length + 4;
        setOwn(out, key, this.#copy(value[key], level + 1));
      }
      return out;
    }
    this.#units += typeof value === 'string' ? value.length + 2 : 8;
    // Values JSON cannot hold (a programmatic caller's undefined or function) become null.
    return jsonTypeOf(value) === undefined ? null : value;
  }

  #object(c: SchemaConstraints, depth: number, minimal: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let count = 0;
    const put = (key: string, schema: unknown): void => {
      if (this.#spent) return;
      this.#units += key.length + 4;
      setOwn(out, key, this.generate(schema, depth + 1));
      count++;
    };
    const schemaFor = (key: string): unknown => c.properties.get(key) ?? c.extraSchema ?? true;
    const required = new Set(c.required);
    let optionalSlots = Math.max(0, c.maxProperties - required.size);

    const declared = [...c.properties.keys()].filter((key) => c.allowedKeys?.has(key) ?? true);
    for (const key of declared) {
      if (required.has(key)) {
        put(key, schemaFor(key));
      } else if (!minimal && optionalSlots > 0 && !this.#exhausted && c.properties.get(key) !== false && this.#rng.next() < this.#optionalRate) {
        put(key, schemaFor(key));
        optionalSlots--;
      }
    }
    // Required keys are written even when `additionalProperties: false` leaves them undeclared:
    // the schema is then unsatisfiable, and a missing key is the worse miss for tool arguments.
    for (const key of required) if (!Object.hasOwn(out, key)) put(key, schemaFor(key));
    for (const [trigger, needed] of c.dependentRequired) {
      if (!Object.hasOwn(out, trigger)) continue;
      for (const key of needed) if (!Object.hasOwn(out, key)) put(key, schemaFor(key));
    }

    const wanted = Math.min(c.minProperties, required.size + MAX_EXTRA_PROPERTIES);
    for (const key of declared) {
      if (count >= wanted || this.#exhausted) break;
      if (!Object.hasOwn(out, key)) put(key, schemaFor(key));
    }
    for (let n = 0; count < wanted && c.extrasAllowed && !this.#exhausted && n < 2 * MAX_EXTRA_PROPERTIES; n++) {
      const word = drawWord(this.#rng, this.#words);
      const key = Object.hasOwn(out, word) || c.properties.has(word) ? `${word}_${n + 1}` : word;
      if (!Object.hasOwn(out, key) && !c.properties.has(key)) put(key, c.extraSchema ?? true);
    }
    return out;
  }

  #array(c: SchemaConstraints, depth: number, minimal: boolean): unknown[] {
    const prefix = c.prefixItems;
    const minItems = Math.min(c.minItems, MAX_ARRAY_ITEMS);
    let maxItems = Math.min(c.maxItems, c.itemsClosed ? prefix.length : Infinity);
    // Contradictory bounds: the minimum wins (the cap still holds).
    if (maxItems < minItems) maxItems = minItems;
    const needsContains = c.contains !== undefined ? Math.min(c.minContains, MAX_ARRAY_ITEMS) : 0;

    let target: number;
    if (minimal) {
      target = Math.max(minItems, Math.min(needsContains, maxItems));
    } else if (prefix.length > 0) {
      target = Math.max(minItems, Math.min(prefix.length, maxItems));
    } else {
      const lo = Math.max(minItems, Math.min(1, maxItems), Math.min(needsContains, maxItems));
      target = lo + this.#rng.int(Math.min(maxItems, lo + DEFAULT_ITEM_SPREAD) - lo + 1);
    }
    target = Math.min(target, MAX_ARRAY_ITEMS);

    const out: unknown[] = [];
    const seen = c.uniqueItems ? new Set<string>() : undefined;
    for (let i = 0; i < target && !this.#exhausted && !this.#spent; i++) {
      let schema: unknown = i < prefix.length ? prefix[i] : (c.items ?? true);
      if (i < needsContains) schema = { allOf: [schema, c.contains] };
      let item = this.generate(schema, depth + 1);
      if (seen !== undefined) {
        let key = jsonKey(item);
        for (let retry = 0; seen.has(key) && retry < UNIQUE_RETRIES; retry++) {
          item = this.generate(schema, depth + 1);
          key = jsonKey(item);
        }
        // The schema may not hold enough distinct values; stop once the minimum is met.
        if (seen.has(key) && i >= minItems) break;
        seen.add(key);
      }
      this.#units += 1;
      out.push(item);
    }
    return out;
  }
}

/**
 * A value that validates against `schema`, drawn from `rng`: the same schema, seed and options
 * give the same value, with properties in schema order. Never throws; see the module comment for
 * the caps that bound its output and for what is a best effort.
 *
 * @example
 * const rng = new SeededRandom(combineSeeds(runSeed, hashString(requestId)));
 * const args = instanceFromSchema(tool.function.parameters, rng, { words: corpusWords });
 * const argumentsJson = JSON.stringify(args);
 */
export function instanceFromSchema(schema: unknown, rng: SeededRandom, options: SchemaInstanceOptions = {}): unknown {
  return boundedInstance(schema, rng, options).value;
}

/** `instanceFromSchema`, and whether `options.maxUnits` stopped it before the value was whole. */
export function boundedInstance(schema: unknown, rng: SeededRandom, options: SchemaInstanceOptions): { value: unknown; stopped: boolean } {
  const g = new InstanceGenerator(schema, rng, options);
  const value = g.generate(schema, 0);
  return { value, stopped: g.stopped };
}
