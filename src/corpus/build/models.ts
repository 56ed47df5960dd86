/**
 * The model ids the default corpus is written for, by provider family (current as of late 2026).
 * Entries are spread evenly over each family's ids, so a request for any of them finds answers
 * recorded "from" that model.
 */

export type ProviderFamily = 'openai' | 'anthropic' | 'google' | 'xai';
export const PROVIDER_FAMILIES = ['openai', 'anthropic', 'google', 'xai'] as const satisfies readonly ProviderFamily[];

export const DEFAULT_MODELS: Readonly<Record<ProviderFamily, readonly string[]>> = Object.freeze({
  openai: Object.freeze(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'o3', 'o4-mini']),
  anthropic: Object.freeze(['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-sonnet-4-5', 'claude-haiku-4-5']),
  google: Object.freeze(['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-3-flash']),
  xai: Object.freeze(['grok-4', 'grok-3-mini']),
});

/**
 * Models that reason before their first visible token by default; their recorded time to first
 * token is several times longer than a plain chat model's.
 */
export const THINKING_MODELS: ReadonlySet<string> = new Set([
  'gpt-5',
  'gpt-5-mini',
  'gpt-5-nano',
  'o3',
  'o4-mini',
  'gemini-2.5-pro',
  'gemini-3-flash',
  'grok-4',
  'grok-3-mini',
]);
