/**
 * What the simulator knows about model ids by their shape: the vendor they belong to and whether
 * they are reasoning models (which reject `max_tokens`). Used to pick a corpus family for model
 * ids the corpus lacks and to answer like the provider would.
 */
export type Vendor = 'openai' | 'anthropic' | 'google' | 'xai';

/**
 * The longest model id served: Anthropic's limit ("model: String should have at most 256
 * characters"); no provider has a longer id, so a longer one is each provider's not-found. Served
 * as an unknown id, it was repeated in every streamed chunk: a 1 MB id drew an 87 MB stream.
 */
export const MAX_MODEL_ID_CHARS = 256;

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

/**
 * The snapshot OpenAI answers with when a request names an alias: a response's `model` says which
 * dated snapshot served it (a request for `gpt-4o-mini` comes back as `gpt-4o-mini-2024-07-18`),
 * and cost reports keyed by model must handle those ids. Ids not listed (dated ids already,
 * fine-tunes, newer aliases, other vendors) come back as sent.
 */
const OPENAI_SNAPSHOTS: ReadonlyMap<string, string> = new Map([
  ['gpt-4o', 'gpt-4o-2024-08-06'],
  ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'],
  ['gpt-4.1', 'gpt-4.1-2025-04-14'],
  ['gpt-4.1-mini', 'gpt-4.1-mini-2025-04-14'],
  ['gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14'],
  ['gpt-5', 'gpt-5-2025-08-07'],
  ['gpt-5-mini', 'gpt-5-mini-2025-08-07'],
  ['gpt-5-nano', 'gpt-5-nano-2025-08-07'],
  ['o1', 'o1-2024-12-17'],
  ['o3', 'o3-2025-04-16'],
  ['o3-mini', 'o3-mini-2025-01-31'],
  ['o4-mini', 'o4-mini-2025-04-16'],
  ['gpt-4-turbo', 'gpt-4-turbo-2024-04-09'],
  ['gpt-4', 'gpt-4-0613'],
  ['gpt-3.5-turbo', 'gpt-3.5-turbo-0125'],
  ['gpt-3.5-turbo-instruct', 'gpt-3.5-turbo-instruct:20230824-v2'],
]);

export function servedModelId(model: string): string {
  return OPENAI_SNAPSHOTS.get(model) ?? model;
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

/** A figure by model id prefix; the first match wins, so a longer prefix goes before a shorter one it starts with. */
type PrefixTable = readonly (readonly [string, number])[];

/**
 * A lookup by model id, remembered: the tables are scanned by prefix, and a request looks several
 * of them up (its output limit, context window, endpoint). Bounded, since model ids come from requests.
 */
function perModel<T>(lookup: (model: string) => T): (model: string) => T {
  const known = new Map<string, T>();
  return (model) => {
    if (known.has(model)) return known.get(model) as T;
    const value = lookup(model);
    // A model id is the client's text: a long one (or junk past the bound) is looked up each time.
    if (known.size < PER_MODEL_LIMIT && model.length <= MEMO_ID_CHARS) known.set(model, value);
    return value;
  };
}
const PER_MODEL_LIMIT = 1024;
/** Longest model id remembered; real ids are a few dozen characters. */
export const MEMO_ID_CHARS = 128;

function byPrefix(table: PrefixTable, model: string): number | undefined {
  for (const [prefix, figure] of table) if (model.startsWith(prefix)) return figure;
  return undefined;
}

/** The most tokens a model writes in one response, from the providers' model pages, as listed in docs/surfaces.md. */
const MAX_OUTPUT_BY_PREFIX: PrefixTable = [
  ['gpt-5-chat', 16_384],
  ['gpt-5', 128_000],
  ['gpt-4.1', 32_768],
  ['gpt-4o', 16_384],
  ['chatgpt-4o', 16_384],
  ['gpt-4-turbo', 4_096],
  ['gpt-4.5', 16_384],
  ['gpt-4', 8_192],
  ['gpt-3.5-turbo', 4_096],
  ['davinci-002', 16_384],
  ['babbage-002', 16_384],
  ['o1-mini', 65_536],
  ['o1', 100_000],
  ['o3', 100_000],
  ['o4', 100_000],
  ['claude-fable-5', 128_000],
  ['claude-mythos-5', 128_000],
  ['claude-sonnet-5', 128_000],
  ['claude-opus-5', 128_000],
  ['claude-haiku-5-5', 128_000],
  ['claude-opus-4-8', 128_000],
  ['claude-opus-4-7', 128_000],
  ['claude-opus-4-6', 128_000],
  ['claude-sonnet-4-6', 128_000],
  ['claude-opus-4-5', 64_000],
  ['claude-sonnet-4-5', 64_000],
  ['claude-haiku-4-5', 64_000],
  ['claude-opus-4', 32_000],
  ['claude-sonnet-4', 64_000],
  ['claude-3-7-sonnet', 64_000],
  ['claude-3-5', 8_192],
  ['claude-3', 4_096],
  ['gemini-4', 65_536],
  ['gemini-3', 65_536],
  ['gemini-2.5', 65_536],
  ['gemini-2.0', 8_192],
  ['gemini-1.5', 8_192],
];

/**
 * The model each of Gemini's floating aliases serves, as of 2026-12-07 (the target moves with
 * Google's releases; docs/latency-profiles.md has the evidence): `gemini-flash-latest` followed
 * each Flash GA (3.5 Flash in June 2026) and 3.8 Flash is the newest (GA 2026-09-02); 3.5
 * Flash-Lite is the newest Flash-Lite; 3.1 Pro (preview) is the newest Pro on Google's models page.
 * An alias gets its target's limits, timing and thinking. Other ids stand for themselves.
 */
const GEMINI_ALIASES: ReadonlyMap<string, string> = new Map([
  ['gemini-flash-latest', 'gemini-3.8-flash'],
  ['gemini-flash-lite-latest', 'gemini-3.5-flash-lite'],
  ['gemini-pro-latest', 'gemini-3.1-pro-preview'],
]);

export function geminiAliasTarget(model: string): string {
  return GEMINI_ALIASES.get(model) ?? model;
}

/** The fewest tokens an Anthropic prompt-cache prefix may hold (the prompt-caching docs' table); 1,024 for the rest. */
const MIN_CACHEABLE_BY_PREFIX: PrefixTable = [
  ['claude-haiku-4-5', 4096],
  ['claude-opus-4-5', 4096],
  ['claude-3-5-haiku', 2048],
  ['claude-3-haiku', 2048],
];

export function minimumCacheable(model: string): number {
  return byPrefix(MIN_CACHEABLE_BY_PREFIX, model) ?? 1024;
}

const tableOutputLimit = perModel((model) => byPrefix(MAX_OUTPUT_BY_PREFIX, geminiAliasTarget(model)));

/** For ids the table does not know (xAI publishes no separate output limit; a vendor's new model). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 32_768;

export function maxOutputTokens(model: string): number {
  return tableOutputLimit(model) ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/**
 * Output limits a model raises behind an opt-in header (Claude 3.7 Sonnet's
 * `output-128k-2025-02-19` beta). The simulator reads no beta headers, so it refuses only past
 * the raised figure: it should refuse only what the provider surely refuses.
 */
const OPT_IN_OUTPUT_BY_PREFIX: PrefixTable = [['claude-3-7-sonnet', 128_000]];
const optInOutputLimit = perModel((model) => byPrefix(OPT_IN_OUTPUT_BY_PREFIX, model));

/**
 * The limit to quote when a request asks a known model for more output than it can write, as
 * OpenAI's Chat Completions, Anthropic's Messages and Gemini's generateContent refuse it;
 * undefined when the request fits or the table does not know the model (those are cut at the
 * default, not refused).
 */
export function refusedOutputLimit(model: string, requested: number | undefined): number | undefined {
  if (requested === undefined) return undefined;
  const limit = tableOutputLimit(model);
  if (limit === undefined) return undefined;
  return requested > (optInOutputLimit(model) ?? limit) ? limit : undefined;
}

/**
 * The output an answer may have: the request's own limit, and never more than the model writes.
 * Without a limit a real model stops at its maximum with `length`; so does the simulator. Only a
 * synthesized answer (tool arguments, a JSON-schema object) gets that long, and the cap is also
 * what bounds the work a client's schema can cost a server thread (see `chooseAnswer`).
 */
export function outputBudget(model: string, requested: number | undefined): number {
  const limit = maxOutputTokens(model);
  return requested === undefined || requested > limit ? limit : requested;
}

/**
 * The most prompt tokens a model takes (docs/surfaces.md has the sources). Where a model has a larger window behind an opt-in (Claude Sonnet 4's 1M beta) or a
 * smaller input share of it (GPT-5's 272,000 of 400,000), the larger figure is used: the
 * simulator counts with o200k, which gives fewer tokens than Claude's tokenizer, and should refuse
 * only what the provider surely refuses.
 */
const CONTEXT_BY_PREFIX: PrefixTable = [
  ['gpt-4o', 128_000],
  ['chatgpt-4o', 128_000],
  ['gpt-4.1', 1_047_576],
  ['gpt-5.4-mini', 400_000],
  ['gpt-5.4-nano', 400_000],
  ['gpt-5.4', 1_050_000],
  ['gpt-5.5', 1_050_000],
  ['gpt-5', 400_000],
  ['gpt-4-turbo', 128_000],
  ['gpt-4.5', 128_000],
  ['gpt-4-32k', 32_768],
  ['gpt-4', 8_192],
  ['gpt-3.5-turbo-instruct', 4_096],
  ['gpt-3.5-turbo', 16_385],
  ['davinci-002', 16_384],
  ['babbage-002', 16_384],
  ['o1-mini', 128_000],
  ['o1', 200_000],
  ['o3', 200_000],
  ['o4', 200_000],
  ['claude-fable-5', 1_000_000],
  ['claude-mythos-5', 1_000_000],
  ['claude-sonnet-5', 1_000_000],
  ['claude-opus-5', 1_000_000],
  ['claude-haiku-5-5', 1_000_000],
  ['claude-opus-4-8', 1_000_000],
  ['claude-opus-4-7', 1_000_000],
  ['claude-opus-4-6', 1_000_000],
  ['claude-sonnet-4', 1_000_000],
  ['claude-', 200_000],
  ['gemini-1.5-pro', 2_097_152],
  ['gemini-', 1_048_576],
];

const tableContextWindow = perModel((model) => byPrefix(CONTEXT_BY_PREFIX, model));

/** The model's context window, or undefined for ids the table does not know (xAI's among them): those are not checked. */
export function contextWindow(model: string): number | undefined {
  return tableContextWindow(model);
}

/** The context window `promptTokens` overflows, or undefined when it fits (or the model is not known). */
export function overflowedWindow(model: string, promptTokens: number): number | undefined {
  const window = contextWindow(model);
  return window !== undefined && promptTokens > window ? window : undefined;
}

/**
 * How an OpenAI reasoning model takes `reasoning_effort` (`reasoning.effort` on Responses): the
 * values it accepts, in OpenAI's order, and the one it uses when none is given. `pro` models word a
 * refusal of another value differently (see `src/server/openai/reasoning-params.ts`).
 */
export interface EffortSupport {
  readonly values: readonly string[];
  readonly fallback: string;
  readonly pro: boolean;
}

const O_SERIES: EffortSupport = { values: ['low', 'medium', 'high'], fallback: 'medium', pro: false };

/**
 * From OpenAI's model pages and its refusals as clients have recorded them. Matched on the id or a
 * dated snapshot of it (`gpt-5-2025-08-07`), not on a prefix: variants differ (`gpt-5-pro` takes
 * only `high`, `gpt-5-chat-latest` no effort at all). Ids not listed take any effort.
 */
const EFFORTS_BY_MODEL: ReadonlyMap<string, EffortSupport> = new Map([
  ['o1', O_SERIES],
  ['o3', O_SERIES],
  ['o3-mini', O_SERIES],
  ['o4-mini', O_SERIES],
  ['gpt-5', { values: ['minimal', 'low', 'medium', 'high'], fallback: 'medium', pro: false }],
  ['gpt-5-mini', { values: ['minimal', 'low', 'medium', 'high'], fallback: 'medium', pro: false }],
  ['gpt-5-nano', { values: ['minimal', 'low', 'medium', 'high'], fallback: 'medium', pro: false }],
  ['gpt-5.1', { values: ['none', 'low', 'medium', 'high'], fallback: 'none', pro: false }],
  ['gpt-5.2', { values: ['none', 'low', 'medium', 'high', 'xhigh'], fallback: 'none', pro: false }],
  ['gpt-5.4', { values: ['none', 'low', 'medium', 'high', 'xhigh'], fallback: 'none', pro: false }],
  ['gpt-5.4-mini', { values: ['none', 'low', 'medium', 'high', 'xhigh'], fallback: 'none', pro: false }],
  // GPT-5.5 reasons by default again ("gpt-5.5 defaults to medium reasoning effort", the reasoning guide).
  ['gpt-5.5', { values: ['none', 'low', 'medium', 'high', 'xhigh'], fallback: 'medium', pro: false }],
  ['gpt-5-pro', { values: ['high'], fallback: 'high', pro: true }],
  ['gpt-5.2-pro', { values: ['medium', 'high', 'xhigh'], fallback: 'medium', pro: true }],
]);

/** OpenAI models that take no reasoning effort: the chat models, and the first o1 previews. */
const NO_EFFORT_PREFIXES: readonly string[] = ['gpt-4', 'gpt-3.5', 'chatgpt-', 'gpt-5-chat', 'o1-mini', 'o1-preview'];

/**
 * `null` for a model that refuses any effort, its support for a listed one, undefined for an id the
 * tables do not know (a newer model, another vendor's): the simulator takes any effort there rather
 * than refuse one the provider may accept.
 */
export function effortSupport(model: string): EffortSupport | null | undefined {
  const dated = /^(.+)-\d{4}-\d{2}-\d{2}$/.exec(model);
  const listed = EFFORTS_BY_MODEL.get(model) ?? (dated ? EFFORTS_BY_MODEL.get(dated[1]!) : undefined);
  if (listed !== undefined) return listed;
  return NO_EFFORT_PREFIXES.some((p) => model.startsWith(p)) ? null : undefined;
}

/**
 * Claude models that take `temperature` or `top_p` but refuse both together (Haiku, Sonnet and Opus
 * 4.5 and later, as clients have recorded the refusal). Older ids were not measured and take both.
 */
export function refusesCombinedSampling(model: string): boolean {
  return /^claude-(haiku|sonnet|opus)-(4-[5-9]|[5-9])/.test(model);
}

/**
 * The sampling parameter a Claude model refuses as deprecated ("`temperature` is deprecated for this
 * model."), or null. Opus 4.7 and 4.8 and Fable 5 refuse `temperature` but its default 1, and
 * `top_p` and `top_k` at any value, as clients have recorded the API; Sonnet 5 any value but the
 * default (1), as its migration notes say ("the default value (or omitting the parameter) is
 * accepted"), `top_k`, which has no value to send as the default, not modelled.
 */
export function deprecatedSampling(model: string, p: { readonly temperature?: number | null; readonly top_p?: number | null; readonly top_k?: number | null }): string | null {
  const altered = (v: number | null | undefined): boolean => v != null && v !== 1;
  if (/^claude-(opus-4-[78]|fable-5)/.test(model)) {
    return altered(p.temperature) ? 'temperature' : p.top_p != null ? 'top_p' : p.top_k != null ? 'top_k' : null;
  }
  if (model.startsWith('claude-sonnet-5')) return altered(p.temperature) ? 'temperature' : altered(p.top_p) ? 'top_p' : null;
  return null;
}

const ADAPTIVE_ONLY = /^claude-(opus-4-[78]|sonnet-5|fable-5|mythos-5)/;

/** Claude models that think only adaptively: `thinking.type.enabled` (a budget) is refused, since Opus 4.7. */
export function refusesBudgetedThinking(model: string): boolean {
  return ADAPTIVE_ONLY.test(model);
}

/**
 * Claude models that send a thinking block without its text unless `display: "summarized"` asks
 * ("Starting with Claude Opus 4.7, thinking content is omitted from the response by default",
 * Anthropic's notes on 4.7): the models that think only adaptively.
 */
export function omitsThinkingByDefault(model: string): boolean {
  return ADAPTIVE_ONLY.test(model);
}

/**
 * The dated model an Anthropic alias names, as `GET /v1/models` resolves it (the models API lists
 * and retrieves by the dated id). Ids without a dated snapshot (Claude 4.6) stand for themselves.
 */
const ANTHROPIC_SNAPSHOTS: ReadonlyMap<string, string> = new Map([
  ['claude-haiku-4-5', 'claude-haiku-4-5-20251001'],
  ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
  ['claude-opus-4-5', 'claude-opus-4-5-20251101'],
  ['claude-opus-4-1', 'claude-opus-4-1-20250805'],
  ['claude-opus-4-0', 'claude-opus-4-20250514'],
  ['claude-sonnet-4-0', 'claude-sonnet-4-20250514'],
  ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet-20250219'],
  ['claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022'],
]);

export function anthropicModelId(model: string): string {
  return ANTHROPIC_SNAPSHOTS.get(model) ?? model;
}

/** Release dates of Anthropic models whose ids carry none, as docs/surfaces.md cites them. */
const ANTHROPIC_RELEASED: ReadonlyMap<string, string> = new Map([
  ['claude-fable-5-2', '2026-11-09'],
  ['claude-mythos-5-2', '2026-11-09'],
  ['claude-haiku-5-5', '2026-10-07'],
  ['claude-sonnet-5-5', '2026-09-28'],
  ['claude-opus-5-5', '2026-09-22'],
  ['claude-fable-5-1', '2026-09-01'],
  ['claude-mythos-5-1', '2026-09-01'],
  ['claude-opus-5', '2026-07-24'],
  ['claude-sonnet-5', '2026-06-30'],
  ['claude-fable-5', '2026-06-09'],
  ['claude-mythos-5', '2026-06-09'],
  ['claude-opus-4-8', '2026-05-28'],
  ['claude-opus-4-7', '2026-04-16'],
  ['claude-opus-4-6', '2026-02-05'],
  ['claude-sonnet-4-6', '2026-02-17'],
]);

/** An Anthropic model's release date (`YYYY-MM-DD`), from its dated id or the table; undefined when unknown. */
export function anthropicReleaseDate(id: string): string | undefined {
  const dated = /-(\d{4})(\d{2})(\d{2})$/.exec(id);
  return dated ? `${dated[1]}-${dated[2]}-${dated[3]}` : ANTHROPIC_RELEASED.get(id);
}

/** Which of OpenAI's generation endpoints a model answers on. */
export type OpenAIEndpoint = 'chat' | 'completions' | 'responses';

/**
 * The endpoint an OpenAI model is limited to, when it is: the legacy completion models answer only
 * on `/v1/completions`, the pro, codex and deep-research models only on `/v1/responses`. `chat`
 * for OpenAI's other models (chat and Responses both serve them; legacy completions does not),
 * undefined for ids that are not OpenAI's (an OpenAI-compatible vendor's model goes anywhere).
 */
export const openAIEndpointOf = perModel((model: string): OpenAIEndpoint | undefined => {
  if (vendorOf(model) !== 'openai' || model.startsWith('text-embedding')) return undefined;
  if (/^(gpt-3\.5-turbo-instruct|davinci-002|babbage-002)/.test(model)) return 'completions';
  if (/^(o1-pro|o3-pro|o3-deep-research|o4-mini-deep-research|codex-mini|computer-use-preview|gpt-5(\.\d+)?-pro|gpt-5(\.\d+)?-codex)/.test(model)) return 'responses';
  return 'chat';
});
