/**
 * A walk over every subschema of a JSON Schema that the providers' structured-output checks look
 * into (OpenAI's strict subset, Anthropic's closed objects): `properties`, `$defs` and
 * `definitions` by name, `items`, and the members of `anyOf`, `allOf`, `oneOf` and `prefixItems`.
 * The schema comes from a client: the walk stops 64 levels down (deeper is the body-depth checks'
 * business) and costs one visit per subschema.
 */

export type SchemaPathSegment = string | number;

/** What a check says of one subschema: a refusal's words, or undefined to walk on. */
export type SchemaCheck = (node: Readonly<Record<string, unknown>>, path: readonly SchemaPathSegment[]) => string | undefined;

export function isSchemaRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MAP_KEYWORDS = ['properties', '$defs', 'definitions'] as const;
const LIST_KEYWORDS = ['anyOf', 'allOf', 'oneOf', 'prefixItems'] as const;
const MAX_DEPTH = 64;

function visit(node: unknown, path: SchemaPathSegment[], depth: number, check: SchemaCheck): string | undefined {
  if (!isSchemaRecord(node) || depth > MAX_DEPTH) return undefined;
  const own = check(node, path);
  if (own !== undefined) return own;
  for (const keyword of MAP_KEYWORDS) {
    const map = node[keyword];
    if (!isSchemaRecord(map)) continue;
    for (const key of Object.keys(map)) {
      const found = visit(map[key], [...path, keyword, key], depth + 1, check);
      if (found !== undefined) return found;
    }
  }
  const found = visit(node['items'], [...path, 'items'], depth + 1, check);
  if (found !== undefined) return found;
  for (const keyword of LIST_KEYWORDS) {
    const list = node[keyword];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const inner = visit(list[i], [...path, keyword, i], depth + 1, check);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/** The first refusal `check` makes of `schema` or any subschema, parents before children; undefined when none. */
export function firstSchemaRefusal(schema: unknown, check: SchemaCheck): string | undefined {
  return visit(schema, [], 0, check);
}
