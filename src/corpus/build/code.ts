/**
 * Fenced code blocks and the sentences around them. The snippet banks live in
 * ./code-snippets-dynamic.ts (Python, TypeScript) and ./code-snippets-systems.ts (Go, SQL, Bash);
 * this file picks identifiers, fences a snippet and writes the notes that follow it.
 */
import type { SeededRandom } from '../../timing/random.js';
import { pick, pickDistinct } from './choice.js';
import { PYTHON_SNIPPETS, TYPESCRIPT_SNIPPETS } from './code-snippets-dynamic.js';
import { BASH_SNIPPETS, GO_SNIPPETS, SQL_SNIPPETS } from './code-snippets-systems.js';

export type CodeLanguage = 'python' | 'typescript' | 'go' | 'sql' | 'bash';

/** Identifiers a snippet is written over, so one snippet appears with many names. */
export interface NameSet {
  /** Singular, lower case: `order`. */
  readonly entity: string;
  readonly entities: string;
  readonly Entity: string;
  readonly Entities: string;
  /** A status-like string column. */
  readonly field: string;
  readonly table: string;
  /** Service or package name. */
  readonly service: string;
}

export interface CodeSnippet {
  /** Noun phrase for the sentence that introduces the block: "a retry decorator with …". */
  readonly summary: string;
  /** `Topic.name` of the topic the snippet illustrates, when it illustrates one. */
  readonly topic?: string;
  readonly body: (names: NameSet) => string;
}

const LANGUAGE_LABELS = {
  python: 'Python',
  typescript: 'TypeScript',
  go: 'Go',
  sql: 'SQL',
  bash: 'Bash',
} as const satisfies Record<CodeLanguage, string>;

export const SNIPPETS = {
  python: PYTHON_SNIPPETS,
  typescript: TYPESCRIPT_SNIPPETS,
  go: GO_SNIPPETS,
  sql: SQL_SNIPPETS,
  bash: BASH_SNIPPETS,
} as const satisfies Record<CodeLanguage, readonly CodeSnippet[]>;

const ENTITIES: readonly [string, string, string][] = [
  ['order', 'orders', 'status'],
  ['invoice', 'invoices', 'state'],
  ['user', 'users', 'status'],
  ['event', 'events', 'kind'],
  ['product', 'products', 'category'],
  ['ticket', 'tickets', 'priority'],
  ['shipment', 'shipments', 'status'],
  ['session', 'sessions', 'state'],
];

const SERVICES: readonly string[] = ['billing', 'catalog', 'accounts', 'shipping', 'support', 'inventory'];

function upperFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

export function pickNames(rng: SeededRandom): NameSet {
  const [entity, entities, field] = pick(rng, ENTITIES);
  return {
    entity,
    entities,
    Entity: upperFirst(entity),
    Entities: upperFirst(entities),
    field,
    table: entities,
    service: pick(rng, SERVICES),
  };
}

export function fence(language: CodeLanguage, body: string): string {
  return `\`\`\`${language}\n${body}\n\`\`\``;
}

export function codeIntro(language: CodeLanguage, snippet: CodeSnippet, rng: SeededRandom): string {
  const label = LANGUAGE_LABELS[language];
  return pick(rng, [
    `Here is ${snippet.summary} in ${label}:`,
    `Below is ${snippet.summary}. It is written in ${label}, but the idea carries over to other languages.`,
    `A minimal example of ${snippet.summary} (${label}):`,
    `For example, ${snippet.summary} looks like this:`,
    `This is how I would write ${snippet.summary}:`,
  ]);
}

const CODE_NOTES: readonly string[] = [
  'Nothing here depends on global state, so it is easy to test in isolation.',
  'The names are placeholders; swap in your own types and tables.',
  'Timeouts are explicit rather than left to library defaults.',
  'Errors are surfaced to the caller instead of being swallowed.',
  'It needs no dependencies beyond the imports shown.',
  'The limits are constants at the top, so they are easy to tune.',
  'Each step is small enough to read in isolation, which makes review easier.',
  'In production you would add metrics around the slow path.',
  'The happy path comes first and the error handling stays out of its way.',
  'It is deliberately minimal; add logging once you know what you need to see.',
  'Run it against a staging copy first and compare the numbers.',
  'Types document the contract, so misuse fails at compile time instead of in production.',
];

/** `count` short notes about a code block, as a bullet list. */
export function codeNotes(rng: SeededRandom, count: number): string {
  return pickDistinct(rng, CODE_NOTES, count)
    .map((n) => `- ${n}`)
    .join('\n');
}
