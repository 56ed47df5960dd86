import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  instanceFromSchema,
  MAX_ARRAY_ITEMS,
  MAX_EXTRA_PROPERTIES,
  MAX_OUTPUT_UNITS,
  MAX_STRING_LENGTH,
} from '../src/corpus/schema-instance.js';
import { parsePattern, writePattern } from '../src/corpus/schema-pattern.js';
import { SeededRandom } from '../src/timing/random.js';

const SEEDS = Array.from({ length: 50 }, (_, i) => 1 + i * 7919);

/**
 * ajv-formats is not installed: these are the formats the generator writes, checked by regexes
 * registered with Ajv, so a wrong format fails validation like any other keyword.
 */
const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  time: /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  duration: /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
  email: /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i,
  hostname: /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  ipv6: /^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){0,6}::[0-9a-f]{1,4}$|^([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$/i,
  uri: /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#]+[^\s]*$/i,
  url: /^https?:\/\/[^\s/?#]+[^\s]*$/i,
  'uri-reference': /^[^\s]*$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i,
};

function makeAjv(draft: '07' | '2020'): Ajv | Ajv2020 {
  const ajv = draft === '07' ? new Ajv({ strict: false, logger: false }) : new Ajv2020({ strict: false, logger: false });
  for (const [name, pattern] of Object.entries(FORMATS)) ajv.addFormat(name, pattern);
  return ajv;
}

/** Gemini's schema is OpenAPI-flavoured: uppercase types and int64 counts as strings. Ajv wants JSON Schema. */
function geminiToJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(geminiToJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && typeof value === 'string') out[key] = value.toLowerCase();
    else if (['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'].includes(key)) out[key] = Number(value);
    else if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, geminiToJsonSchema(v)]));
    else out[key] = geminiToJsonSchema(value);
  }
  return out;
}

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

interface SchemaCase {
  readonly name: string;
  readonly schema: Record<string, unknown>;
  readonly draft?: '07' | '2020';
  /** What Ajv validates against, when the generator's input is not plain JSON Schema. */
  readonly validateWith?: object;
  readonly check?: (value: Record<string, unknown>) => void;
}

const geminiWeather = {
  type: 'OBJECT',
  properties: {
    location: { type: 'STRING', description: 'City and country' },
    unit: { type: 'STRING', format: 'enum', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'INTEGER', minimum: 1, maximum: 14 },
    alerts: { type: 'BOOLEAN', nullable: true },
    hourly: { type: 'ARRAY', items: { type: 'NUMBER', minimum: -40, maximum: 50 }, minItems: '2', maxItems: '4' },
    station: {
      type: 'OBJECT',
      properties: { id: { type: 'STRING', minLength: '3', maxLength: '8' }, elevation: { type: 'NUMBER' } },
      required: ['id'],
    },
  },
  required: ['location', 'unit', 'hourly', 'station'],
  propertyOrdering: ['unit', 'location', 'days', 'alerts', 'hourly', 'station'],
};

const CASES: readonly SchemaCase[] = [
  {
    name: 'math reasoning steps (OpenAI structured outputs)',
    schema: {
      type: 'object',
      properties: {
        steps: {
          type: 'array',
          items: {
            type: 'object',
            properties: { explanation: { type: 'string' }, output: { type: 'string' } },
            required: ['explanation', 'output'],
            additionalProperties: false,
          },
        },
        final_answer: { type: 'string' },
      },
      required: ['steps', 'final_answer'],
      additionalProperties: false,
    },
    check: (v) => expect(Object.keys(v)).toEqual(['steps', 'final_answer']),
  },
  {
    name: 'calendar event extraction',
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        date: { type: 'string', format: 'date' },
        start: { type: 'string', format: 'date-time' },
        participants: { type: 'array', items: { type: 'string' } },
      },
      required: ['name', 'date', 'start', 'participants'],
      additionalProperties: false,
    },
  },
  {
    name: 'UI component with recursive $ref to the root',
    schema: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: ['div', 'button', 'header', 'section', 'field', 'form'] },
        label: { type: 'string' },
        children: { type: 'array', items: { $ref: '#' } },
        attributes: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, value: { type: 'string' } },
            required: ['name', 'value'],
            additionalProperties: false,
          },
        },
      },
      required: ['type', 'label', 'children', 'attributes'],
      additionalProperties: false,
    },
    check: (v) => expect(depthOf(v)).toBeLessThanOrEqual(8 + 2),
  },
  {
    name: 'enums and const',
    schema: {
      type: 'object',
      properties: {
        color: { type: 'string', enum: ['red', 'green', 'blue'] },
        priority: { type: 'integer', enum: [1, 2, 3] },
        mixed: { enum: ['a', 1, null, true, { deep: [1, 2] }] },
        version: { const: 'v2' },
        typedEnum: { type: 'string', enum: ['x', 2, 'y'] },
      },
      required: ['color', 'priority', 'mixed', 'version', 'typedEnum'],
    },
  },
  {
    name: 'nested arrays of objects',
    schema: {
      type: 'object',
      properties: {
        orders: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              lines: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    sku: { type: 'string' },
                    quantity: { type: 'integer', minimum: 1 },
                    options: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] } },
                  },
                  required: ['sku', 'quantity', 'options'],
                  additionalProperties: false,
                },
              },
            },
            required: ['id', 'lines'],
          },
        },
      },
      required: ['orders'],
    },
  },
  {
    name: 'nullable via type arrays and OpenAPI nullable',
    schema: {
      type: 'object',
      properties: {
        nickname: { type: ['string', 'null'] },
        age: { type: ['integer', 'null'], minimum: 0, maximum: 120 },
        tags: { type: ['array', 'null'], items: { type: 'string' } },
        middleName: { type: 'string', nullable: true },
      },
      required: ['nickname', 'age', 'tags', 'middleName'],
      additionalProperties: false,
    },
  },
  {
    name: 'Gemini uppercase OBJECT schema with string counts',
    schema: geminiWeather,
    validateWith: geminiToJsonSchema(geminiWeather) as object,
    check: (v) => {
      const keys = Object.keys(v);
      expect(keys.slice(0, 2)).toEqual(['unit', 'location']);
      expect((v.hourly as unknown[]).length).toBeGreaterThanOrEqual(2);
    },
  },
  {
    name: 'anyOf: discriminated shapes and a field-level union',
    schema: {
      type: 'object',
      properties: {
        shape: {
          anyOf: [
            {
              type: 'object',
              properties: { kind: { const: 'circle' }, radius: { type: 'number', exclusiveMinimum: 0 } },
              required: ['kind', 'radius'],
              additionalProperties: false,
            },
            {
              type: 'object',
              properties: { kind: { const: 'square' }, side: { type: 'integer', minimum: 1, maximum: 10 } },
              required: ['kind', 'side'],
              additionalProperties: false,
            },
          ],
        },
        id: { anyOf: [{ type: 'string', format: 'uuid' }, { type: 'integer', minimum: 0 }] },
      },
      required: ['shape', 'id'],
      additionalProperties: false,
    },
  },
  {
    name: 'allOf merging object branches, one through draft-07 definitions',
    draft: '07',
    schema: {
      definitions: {
        base: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, createdAt: { type: 'string', format: 'date-time' } }, required: ['id'] },
      },
      allOf: [
        { $ref: '#/definitions/base' },
        { type: 'object', properties: { title: { type: 'string', maxLength: 40 }, score: { type: 'number', minimum: 0 } }, required: ['title'] },
        { properties: { score: { maximum: 1 } }, required: ['score'] },
      ],
    },
  },
  {
    name: 'string formats',
    schema: {
      type: 'object',
      properties: Object.fromEntries(Object.keys(FORMATS).map((format) => [format, { type: 'string', format }])),
      required: Object.keys(FORMATS),
    },
  },
  {
    name: 'numeric bounds',
    schema: {
      type: 'object',
      properties: {
        percent: { type: 'number', minimum: 0, maximum: 100 },
        temperature: { type: 'number', minimum: -273.15, maximum: -200 },
        open: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        tiny: { type: 'number', exclusiveMinimum: 0.001, exclusiveMaximum: 0.0011 },
        count: { type: 'integer', exclusiveMinimum: 5, exclusiveMaximum: 8 },
        negative: { type: 'integer', maximum: -1000 },
        large: { type: 'integer', minimum: 1e12 },
        huge: { type: 'number', minimum: -1e308, maximum: 1e308 },
      },
      required: ['percent', 'temperature', 'open', 'tiny', 'count', 'negative', 'large', 'huge'],
    },
  },
  {
    name: 'multipleOf',
    schema: {
      type: 'object',
      properties: {
        fives: { type: 'integer', multipleOf: 5, minimum: 12, maximum: 98 },
        quarters: { type: 'number', multipleOf: 0.25, minimum: 1, maximum: 3 },
        tenths: { type: 'number', multipleOf: 0.1 },
        cents: { type: 'number', multipleOf: 0.01, minimum: 10, maximum: 20 },
        halves: { type: 'integer', multipleOf: 0.5 },
        both: { allOf: [{ type: 'integer', multipleOf: 4 }, { multipleOf: 6 }] },
      },
      required: ['fives', 'quarters', 'tenths', 'cents', 'halves', 'both'],
    },
  },
  {
    name: 'string lengths',
    schema: {
      type: 'object',
      properties: {
        code: { type: 'string', minLength: 5, maxLength: 5 },
        short: { type: 'string', maxLength: 3 },
        long: { type: 'string', minLength: 120 },
        window: { type: 'string', minLength: 10, maxLength: 12 },
        empty: { type: 'string', maxLength: 0 },
      },
      required: ['code', 'short', 'long', 'window', 'empty'],
    },
  },
  {
    name: 'tuple via prefixItems',
    schema: {
      type: 'object',
      properties: {
        point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false, minItems: 2 },
        row: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }, { type: 'boolean' }], items: { type: 'null' } },
      },
      required: ['point', 'row'],
    },
  },
  {
    name: 'draft-07 tuple: items array with additionalItems false',
    draft: '07',
    schema: { type: 'array', items: [{ type: 'string', format: 'date' }, { enum: ['open', 'closed'] }], additionalItems: false, minItems: 2 },
  },
  {
    name: 'patterns',
    schema: {
      type: 'object',
      properties: {
        slug: { type: 'string', pattern: '^[a-z]+$' },
        phone: { type: 'string', pattern: '^\\d{3}-\\d{4}$' },
        e164: { type: 'string', pattern: '^\\+?[1-9]\\d{1,14}$' },
        hexColor: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
        fixedLength: { type: 'string', pattern: '^[a-z0-9]+$', minLength: 5, maxLength: 5 },
        longSlug: { type: 'string', pattern: '^[a-z]+$', minLength: 20, maxLength: 30 },
        semver: { type: 'string', pattern: '^v\\d+\\.\\d+\\.\\d+$' },
      },
      required: ['slug', 'phone', 'e164', 'hexColor', 'fixedLength', 'longSlug', 'semver'],
    },
  },
  {
    name: 'uniqueItems',
    schema: {
      type: 'object',
      properties: {
        letters: { type: 'array', items: { enum: ['a', 'b', 'c', 'd'] }, uniqueItems: true, minItems: 3, maxItems: 4 },
        ids: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 1000 }, uniqueItems: true, minItems: 10 },
        flags: { type: 'array', items: { type: 'boolean' }, uniqueItems: true },
      },
      required: ['letters', 'ids', 'flags'],
    },
  },
  {
    name: 'linked list through $defs with a null base case',
    schema: {
      $defs: {
        node: {
          type: 'object',
          properties: { value: { type: 'integer' }, next: { anyOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] } },
          required: ['value', 'next'],
          additionalProperties: false,
        },
      },
      $ref: '#/$defs/node',
    },
  },
  {
    name: 'minProperties, maxProperties and additionalProperties schema',
    schema: {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' }, d: { type: 'string' } },
      minProperties: 6,
      maxProperties: 8,
      additionalProperties: { type: 'integer', minimum: 0 },
    },
  },
  {
    name: 'OpenAI strict tool parameters (get_weather)',
    schema: {
      type: 'object',
      properties: {
        location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' },
        units: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit', null] },
      },
      required: ['location', 'units'],
      additionalProperties: false,
    },
  },
  {
    name: 'oneOf with const discriminators',
    schema: {
      oneOf: [
        { type: 'object', properties: { action: { const: 'search' }, query: { type: 'string', minLength: 1 } }, required: ['action', 'query'], additionalProperties: false },
        { type: 'object', properties: { action: { const: 'open' }, url: { type: 'string', format: 'uri' } }, required: ['action', 'url'], additionalProperties: false },
        { type: 'object', properties: { action: { const: 'stop' } }, required: ['action'], additionalProperties: false },
      ],
    },
  },
  {
    name: '$ref with sibling keywords, and contains',
    schema: {
      $defs: { tagged: { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, contains: { const: 'urgent' } } }, required: ['tags'] } },
      $ref: '#/$defs/tagged',
      properties: { owner: { type: 'string', format: 'email' } },
      required: ['owner'],
    },
    check: (v) => expect(v.tags).toContain('urgent'),
  },
  {
    name: 'Anthropic input_schema with optional properties and dependentRequired',
    schema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Search query' },
        max_results: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
        since: { type: 'string', format: 'date' },
        until: { type: 'string', format: 'date' },
        domains: { type: 'array', items: { type: 'string', format: 'hostname' }, maxItems: 5 },
      },
      required: ['query'],
      dependentRequired: { since: ['until'] },
    },
  },
  {
    name: 'recursive tree through definitions with items $ref',
    draft: '07',
    schema: {
      definitions: {
        node: {
          type: 'object',
          properties: { name: { type: 'string' }, kids: { type: 'array', items: { $ref: '#/definitions/node' }, maxItems: 3 } },
          required: ['name', 'kids'],
        },
      },
      type: 'object',
      properties: { root: { $ref: '#/definitions/node' } },
      required: ['root'],
    },
  },
  {
    name: 'mixed type list and untyped values',
    schema: {
      type: 'object',
      properties: { anything: {}, scalar: { type: ['string', 'number', 'boolean'] }, open: true },
      required: ['anything', 'scalar', 'open'],
    },
  },
];

describe('instanceFromSchema: generated values validate', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const validate = makeAjv(c.draft ?? '2020').compile(c.validateWith ?? c.schema);
      const seen = new Set<string>();
      for (const seed of SEEDS) {
        const value = instanceFromSchema(c.schema, new SeededRandom(seed));
        const ok = validate(value);
        if (!ok) expect.fail(`seed ${seed}: ${JSON.stringify(value)}\n${JSON.stringify(validate.errors, null, 1)}`);
        c.check?.(value as Record<string, unknown>);
        seen.add(JSON.stringify(value));
      }
      // Values vary by seed, or the generator is ignoring its random source.
      expect(seen.size).toBeGreaterThan(1);
    });
  }
});

describe('instanceFromSchema: determinism and options', () => {
  it('gives the same value, key order included, for the same seed', () => {
    for (const c of CASES) {
      for (const seed of SEEDS.slice(0, 10)) {
        const a = JSON.stringify(instanceFromSchema(c.schema, new SeededRandom(seed)));
        const b = JSON.stringify(instanceFromSchema(c.schema, new SeededRandom(seed)));
        expect(a).toBe(b);
      }
    }
  });

  it('writes properties in schema order', () => {
    const schema = { type: 'object', properties: { zeta: { type: 'string' }, alpha: { type: 'integer' }, mid: { type: 'boolean' } } };
    for (const seed of SEEDS) {
      const keys = Object.keys(instanceFromSchema(schema, new SeededRandom(seed), { optionalPropertyRate: 1 }) as object);
      expect(keys).toEqual(['zeta', 'alpha', 'mid']);
    }
  });

  it('includes optional properties at optionalPropertyRate', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['a'] };
    for (const seed of SEEDS) {
      expect(Object.keys(instanceFromSchema(schema, new SeededRandom(seed), { optionalPropertyRate: 0 }) as object)).toEqual(['a']);
      expect(Object.keys(instanceFromSchema(schema, new SeededRandom(seed), { optionalPropertyRate: 1 }) as object)).toEqual(['a', 'b']);
    }
  });

  it('draws string values from the given words', () => {
    for (const seed of SEEDS) {
      const value = instanceFromSchema({ type: 'string' }, new SeededRandom(seed), { words: ['  kumquat', '', 'kumquat '] });
      expect(value).toMatch(/^(kumquat|report|status|update|summary|project|review|customer|order|meeting|plan|draft|note|team|budget|launch|quarterly|weekly|new|final|pending)( \w+)*$/);
    }
    const value = instanceFromSchema({ type: 'string', minLength: 30 }, new SeededRandom(1), { words: ['kumquat'] });
    expect(value).toMatch(/^kumquat( kumquat)+$/);
  });

  it('stops recursion at maxDepth with the smallest valid value', () => {
    const ui = CASES[2]!.schema;
    const validate = makeAjv('2020').compile(ui);
    for (const maxDepth of [0, 1, 2, 4]) {
      for (const seed of SEEDS) {
        const value = instanceFromSchema(ui, new SeededRandom(seed), { maxDepth });
        expect(validate(value)).toBe(true);
        // Past maxDepth only required properties and minItems items: `children` is [].
        expect(depthOf(value)).toBeLessThanOrEqual(maxDepth + 2);
      }
    }
  });
});

describe('instanceFromSchema: patterns', () => {
  const SUPPORTED = [
    '^[a-z]+$',
    '^\\d{3}-\\d{4}$',
    '^[A-Z]{2}\\d{2,4}$',
    '^(foo|bar)-[0-9a-f]{8}$',
    '^\\+?[1-9]\\d{1,14}$',
    '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$',
    '^[A-Z][a-z]+(?: [A-Z][a-z]+)*$',
    '^(?<year>\\d{4})-(?<month>0[1-9]|1[0-2])$',
    '^\\w+$',
    '^\\S+$',
    '^[\\w.-]+$',
    '^.{3,5}$',
    '^\\u00e9\\x41\\u{1F600}$',
    '^[^,]*$',
    '^SKU-\\d{6}$',
    '^[A-Z]{3}$',
    '\\bword\\b',
    'contains-this',
    '^[\\s\\d]+$',
    '^\\W\\D$',
    '^a{2,}?b*?c??$',
    '^[\\]-a]$',
    '^[^]$',
    '^x{1,1000}$',
  ];

  for (const pattern of SUPPORTED) {
    it(`matches ${pattern}`, () => {
      const tree = parsePattern(pattern);
      expect(tree).toBeDefined();
      const regex = new RegExp(pattern, 'u');
      for (const seed of SEEDS) {
        const value = instanceFromSchema({ type: 'string', pattern }, new SeededRandom(seed));
        expect(value).toMatch(regex);
      }
    });
  }

  it('reports unsupported constructs so the caller falls back to text', () => {
    for (const pattern of ['^(a)\\1$', '^(?=a)a$', '(?<!x)y', '^\\p{L}+$', '(', '[a', 'a)', '*a', '[z-a]', '^[]$', 'x'.repeat(2000)]) {
      expect(parsePattern(pattern), pattern).toBeUndefined();
      expect(typeof instanceFromSchema({ type: 'string', pattern }, new SeededRandom(1))).toBe('string');
    }
  });

  it('stretches repetitions to meet a length window', () => {
    const tree = parsePattern('^[a-z]+-\\d+$')!;
    expect(writePattern(tree, new SeededRandom(1), { mode: 'stretch', extra: 0 }, 256)).toMatch(/^[a-z]-\d$/);
    expect(writePattern(tree, new SeededRandom(1), { mode: 'stretch', extra: 4 }, 256)).toMatch(/^[a-z]{5}-\d{5}$/);
    for (const seed of SEEDS) {
      const value = instanceFromSchema({ type: 'string', pattern: '^[a-z]+-\\d+$', minLength: 15, maxLength: 15 }, new SeededRandom(seed));
      expect(value).toMatch(/^[a-z]+-\d+$/);
      expect(value).toHaveLength(15);
    }
  });
});

/** Builds `{type: object, properties: {child: …}, required: [child]}` 10,000 levels deep without recursion. */
function deepObjectSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { child: schema }, required: ['child'] };
  return schema;
}

function deepKeywordSchema(levels: number, keyword: 'allOf' | 'anyOf' | 'items'): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'integer' };
  for (let i = 0; i < levels; i++) schema = keyword === 'items' ? { type: 'array', minItems: 1, items: schema } : { [keyword]: [schema] };
  return schema;
}

describe('instanceFromSchema: hostile and odd input', () => {
  const HOSTILE: readonly [string, unknown][] = [
    ['null', null],
    ['a number', 42],
    ['a string', 'x'],
    ['an array', []],
    ['true', true],
    ['false', false],
    ['an unknown type', { type: 'unknownType' }],
    ['an empty type list', { type: [] }],
    ['type of the wrong shape', { type: 7, properties: null, required: 'x', items: 5, enum: {}, minItems: -3, maxLength: 'lots' }],
    ['$ref to the root with no base case', { $ref: '#' }],
    ['required self-reference', { type: 'object', properties: { self: { $ref: '#' } }, required: ['self'] }],
    ['two refs in a cycle', { $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' }],
    ['allOf of itself', { allOf: [{ $ref: '#' }, { $ref: '#' }] }],
    ['anyOf of itself', { anyOf: [{ $ref: '#' }] }],
    ['unresolvable refs', { properties: { a: { $ref: '#/nope/x' }, b: { $ref: 'https://example.com/s.json' }, c: { $ref: '#%E0%A4%A' }, d: { $ref: '#/constructor' } }, required: ['a', 'b', 'c', 'd'] }],
    ['binary tree of required refs', { $defs: { n: { type: 'object', properties: { l: { $ref: '#/$defs/n' }, r: { $ref: '#/$defs/n' } }, required: ['l', 'r'] } }, $ref: '#/$defs/n' }],
    ['minItems 1e9', { type: 'array', minItems: 1e9 }],
    ['minLength 1e9', { type: 'string', minLength: 1e9 }],
    ['minProperties 1e9', { type: 'object', minProperties: 1e9 }],
    ['64^3 arrays of long strings', { type: 'array', minItems: 64, items: { type: 'array', minItems: 64, items: { type: 'array', minItems: 64, items: { type: 'string', minLength: 256 } } } }],
    ['catastrophic regex', { type: 'string', pattern: '^(a+)+$', minLength: 200 }],
    ['deeply nested groups', { type: 'string', pattern: `${'('.repeat(5000)}a${')'.repeat(5000)}` }],
    ['contradictory bounds', { type: 'object', properties: { n: { minimum: 10, maximum: 1 }, i: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 1 }, s: { type: 'string', minLength: 9, maxLength: 2 }, a: { type: 'array', minItems: 5, maxItems: 1 } }, required: ['n', 'i', 's', 'a'] }],
    ['bad multipleOf', { type: 'object', properties: { z: { type: 'number', multipleOf: 0 }, n: { type: 'integer', multipleOf: -1 }, t: { type: 'number', multipleOf: 1e-300 }, b: { type: 'integer', multipleOf: 7, minimum: 1, maximum: 6 } }, required: ['z', 'n', 't', 'b'] }],
    ['non-finite and huge bounds', { type: 'integer', minimum: 1e300 }],
    ['empty enum and anyOf', { enum: [], anyOf: [], oneOf: [], allOf: [] }],
    ['false property and items', { type: 'object', properties: { never: false }, required: ['never'], items: false }],
    ['10,000-level nested object', deepObjectSchema(10_000)],
    ['10,000-level nested allOf', deepKeywordSchema(10_000, 'allOf')],
    ['10,000-level nested anyOf', deepKeywordSchema(10_000, 'anyOf')],
    ['10,000-level nested array items', deepKeywordSchema(10_000, 'items')],
  ];

  for (const [name, schema] of HOSTILE) {
    it(`returns a bounded value for ${name}`, () => {
      for (const seed of SEEDS.slice(0, 5)) {
        const value = instanceFromSchema(schema, new SeededRandom(seed));
        const text = JSON.stringify(value);
        expect(text).toBeDefined();
        expect(text.length).toBeLessThan(2 * MAX_OUTPUT_UNITS);
      }
    });
  }

  it('caps minItems, minLength and minProperties', () => {
    const rng = new SeededRandom(3);
    expect(instanceFromSchema({ type: 'array', minItems: 1e9 }, rng)).toHaveLength(MAX_ARRAY_ITEMS);
    expect(instanceFromSchema({ type: 'string', minLength: 1e9 }, rng)).toHaveLength(MAX_STRING_LENGTH);
    expect(Object.keys(instanceFromSchema({ type: 'object', minProperties: 1e9 }, rng) as object)).toHaveLength(MAX_EXTRA_PROPERTIES);
    // Below the caps, minimums are met.
    expect((instanceFromSchema({ type: 'array', minItems: 40 }, rng) as unknown[]).length).toBeGreaterThanOrEqual(40);
    expect([...(instanceFromSchema({ type: 'string', minLength: 200, maxLength: 200 }, rng) as string)]).toHaveLength(200);
  });

  it('keeps __proto__ and prototype-named keys as data', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__","constructor","toString"]}') as unknown;
    const value = instanceFromSchema(schema, new SeededRandom(1)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(typeof value['constructor']).not.toBe('function');
    expect(JSON.parse(JSON.stringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('accepts out-of-range options', () => {
    const schema = CASES[2]!.schema;
    for (const options of [{ maxDepth: -5 }, { maxDepth: 1e9 }, { maxDepth: NaN }, { optionalPropertyRate: 7 }, { optionalPropertyRate: -1 }, { words: [] }]) {
      expect(() => instanceFromSchema(schema, new SeededRandom(1), options)).not.toThrow();
    }
  });

  it('rejects non-options at compile time only', () => {
    // @ts-expect-error: options must be an object of the documented shape
    expect(() => instanceFromSchema({ type: 'string' }, new SeededRandom(1), { maxDepth: 'deep' })).not.toThrow();
  });
});
