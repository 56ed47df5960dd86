/**
 * Constraints a schema states in its `description` rather than as keywords. The Anthropic SDKs'
 * structured-output helpers (`zodOutputFormat`, `jsonSchemaOutputFormat`, their beta twins) strip
 * the keywords the API does not enforce (`minimum`, `maxLength`, `pattern`, `minItems` above 1, …)
 * and append them to the description as `{minimum: 1, maximum: 5}`, so the model still reads them;
 * then `messages.parse()` validates the answer against the original schema and throws when one is
 * broken. A model follows what it reads there, so the generator does too.
 */
/** The keywords read from a description: those the generator honours and the SDK moves there. */
const DESCRIBED_KEYWORDS: ReadonlySet<string> = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
]);

/** The SDK's trailers are a few keywords long; a longer description is the author's own text. */
const MAX_TRAILER_CHARS = 4096;

/** A key of the SDK's trailer where an entry starts: `{key: ` first, `, key: ` after. */
const ENTRY_KEY = /(?:^\{|, )([A-Za-z_$][\w$]*): /g;

/**
 * The keywords of the `{key: <JSON>, …}` trailer that ends `schema`'s description (the SDK writes
 * it alone or after the author's text and a blank line), those `DESCRIBED_KEYWORDS` names only;
 * undefined when the description has no such trailer or every entry does not read as JSON.
 */
export function describedKeywords(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  const description = Object.hasOwn(schema, 'description') ? schema['description'] : undefined;
  if (typeof description !== 'string' || !description.endsWith('}')) return undefined;
  const blank = description.lastIndexOf('\n\n{');
  const trailer = blank >= 0 ? description.slice(blank + 2) : description;
  if (!trailer.startsWith('{') || trailer.length > MAX_TRAILER_CHARS) return undefined;
  const keys = [...trailer.matchAll(ENTRY_KEY)];
  if (keys.length === 0 || keys[0]!.index !== 0) return undefined;
  const found: Record<string, unknown> = {};
  let kept = 0;
  let k = 0;
  while (k < keys.length) {
    const key = keys[k]![1]!;
    const from = keys[k]!.index + keys[k]![0].length;
    // A value's JSON can hold `, name: ` inside a string: try the later entry starts as its end.
    let value: { v: unknown } | undefined;
    let next = k + 1;
    for (; next <= keys.length && value === undefined; next++) {
      const to = next < keys.length ? keys[next]!.index : trailer.length - 1;
      value = parsed(trailer.slice(from, to));
    }
    if (value === undefined) return undefined;
    k = next - 1;
    if (DESCRIBED_KEYWORDS.has(key)) {
      found[key] = value.v;
      kept++;
    }
  }
  return kept > 0 ? found : undefined;
}

function parsed(text: string): { v: unknown } | undefined {
  try {
    return { v: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
