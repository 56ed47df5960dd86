/**
 * What the simulator knows about model ids by their shape: the vendor they belong to and whether
 * they are reasoning models (which reject `max_tokens`). Used to pick a corpus family for model
 * ids the corpus lacks and to answer like the provider would.
 */
export type Vendor = 'openai' | 'anthropic' | 'google' | 'xai';

const VENDOR_PREFIXES: readonly (readonly [string, Vendor])[] = [
  ['gpt-', 'openai'],
  ['chatgpt-', 'openai'],
  ['o1', 'openai'],
  ['o3', 'openai'],
  ['o4', 'openai'],
  ['text-', 'openai'],
  ['davinci', 'openai'],
  ['babbage', 'openai'],
  ['claude-', 'anthropic'],
  ['gemini-', 'google'],
  ['gemma-', 'google'],
  ['grok-', 'xai'],
];

export function vendorOf(model: string): Vendor | undefined {
  for (const [prefix, vendor] of VENDOR_PREFIXES) if (model.startsWith(prefix)) return vendor;
  return undefined;
}

/** o-series and gpt-5 reasoning models reject `max_tokens` in Chat Completions. */
export function isReasoningModel(model: string): boolean {
  return /^o\d/.test(model) || (model.startsWith('gpt-5') && !model.startsWith('gpt-5-chat'));
}

export const OWNED_BY: Readonly<Record<Vendor, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  xai: 'xai',
};
