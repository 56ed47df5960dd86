/**
 * OpenAI's check of a schema sent with `strict: true` (Structured Outputs and strict function
 * calling): every object must set `additionalProperties: false` and list every property in
 * `required`. OpenAI refuses the request otherwise, naming where in the schema as a Python tuple
 * (`In context=('properties', 'items', 'items'), …`); a client that forgets either rule must see
 * that 400 here, not an answer.
 */

type Segment = string | number;

/** The path as OpenAI prints it: Python's repr of a tuple (`()`, `('items',)`, `('properties', 'a')`). */
function context(path: readonly Segment[]): string {
  const items = path.map((s) => (typeof s === 'number' ? String(s) : `'${s}'`));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isObjectSchema(node: Record<string, unknown>): boolean {
  const type = node['type'];
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || isRecord(node['properties']);
}

/** Subschemas by the keyword that holds them, so the walk reaches every object in the schema. */
const MAP_KEYWORDS = ['properties', '$defs', 'definitions'] as const;
const LIST_KEYWORDS = ['anyOf', 'allOf', 'oneOf', 'prefixItems'] as const;

function visit(node: unknown, path: Segment[], depth: number): string | undefined {
  // Deeper than OpenAI's own nesting limit: left to the depth checks elsewhere.
  if (!isRecord(node) || depth > 64) return undefined;
  if (isObjectSchema(node)) {
    if (node['additionalProperties'] !== false) return `In context=${context(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    const properties = node['properties'];
    if (isRecord(properties)) {
      // A set, not a scan of the array per key: a body of 200,000 properties held the thread for minutes.
      const required = new Set(Array.isArray(node['required']) ? (node['required'] as unknown[]) : []);
      const missing = Object.keys(properties).find((k) => !required.has(k));
      if (missing !== undefined) {
        return `In context=${context(path)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
      }
    }
  }
  for (const keyword of MAP_KEYWORDS) {
    const map = node[keyword];
    if (!isRecord(map)) continue;
    for (const key of Object.keys(map)) {
      const found = visit(map[key], [...path, keyword, key], depth + 1);
      if (found !== undefined) return found;
    }
  }
  const items = node['items'];
  if (isRecord(items)) {
    const found = visit(items, [...path, 'items'], depth + 1);
    if (found !== undefined) return found;
  }
  for (const keyword of LIST_KEYWORDS) {
    const list = node[keyword];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const found = visit(list[i], [...path, keyword, i], depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The first strict-mode rule `schema` breaks, worded as OpenAI words it after the schema's name; undefined when it keeps them. */
export function strictSchemaViolation(schema: unknown): string | undefined {
  return visit(schema, [], 0);
}
