/**
 * The config fields as data, derived from the schema: the CLI builds its flags from this list
 * and the README's configuration table is generated from it, so neither can drift from the schema.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'string-list';

export interface ConfigField {
  readonly key: string;
  /** `--kebab-case` flag name. */
  readonly flag: string;
  readonly kind: FieldKind;
  readonly description: string;
  readonly defaultText: string;
  readonly choices: readonly string[];
}

interface JsonSchemaProp {
  type?: string;
  enum?: string[];
  default?: unknown;
  description?: string;
  items?: { type?: string };
}

/** Defaults that depend on the machine are shown as words. */
const DEFAULT_TEXT: Readonly<Record<string, string>> = { threads: 'number of cores', corpus: 'embedded default corpus', profiles: 'built-in profiles' };

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function configFields(): ConfigField[] {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, JsonSchemaProp> };
  return Object.entries(json.properties).map(([key, p]) => {
    const kind: FieldKind = p.enum ? 'enum' : p.type === 'array' ? 'string-list' : p.type === 'integer' ? 'integer' : p.type === 'number' ? 'number' : p.type === 'boolean' ? 'boolean' : 'string';
    const defaultText = DEFAULT_TEXT[key] ?? (p.default === undefined ? '' : Array.isArray(p.default) ? p.default.join(',') || '(none)' : JSON.stringify(p.default).replace(/^"|"$/g, ''));
    // A switch that is on by default is turned off with `--no-…`.
    const flag = kind === 'boolean' && p.default === true ? `--no-${kebab(key)}` : `--${kebab(key)}`;
    return { key, flag, kind, description: p.description ?? '', defaultText, choices: p.enum ?? [] };
  });
}

/** Markdown table of every field, for the README. */
export function configTableMarkdown(): string {
  const rows = configFields().map((f) => {
    const type = f.kind === 'enum' ? f.choices.map((c) => `\`${c}\``).join(' \\| ') : f.kind;
    return `| \`${f.key}\` | \`${f.flag}\` | ${type} | ${f.defaultText === '' ? '' : `\`${f.defaultText}\``} | ${f.description} |`;
  });
  return ['| field | flag | type | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
