/**
 * The model ids each provider serves, as of `SERVED_AS_OF`, and those it has retired: what
 * `--strict-models` accepts besides the corpus's own models (a served id the corpus lacks is
 * answered from its vendor's entries, with its own timing, reasoning and limits), and what the
 * models routes list and retrieve. Retired ids are refused even when the corpus has them, as
 * the providers answer a shut-down model (OpenAI's 404 `model_not_found`; Anthropic's 404
 * `not_found_error` "model: <id>", as clients have recorded it for Claude Sonnet 4 and Claude 3
 * Haiku after their retirement; Gemini's `NOT_FOUND`). The tables move with the providers'
 * releases and shutdowns; update them, and the date, together.
 */
import type { Vendor } from './model-catalog.js';

/** The day the tables describe. */
export const SERVED_AS_OF = '2026-12-07';

/**
 * Served ids by vendor. OpenAI's: the `openai` SDK's (6.49) `ChatModel` and the extra ids of
 * `ResponsesModel` (resources/shared.d.ts) and of the completions `model` union
 * (resources/completions.d.ts), and the ids OpenAI's reasoning guide and deprecations page name
 * that the SDK does not (`gpt-5.5`, `gpt-5.5-pro`, `gpt-5.4-pro`, `gpt-5.3-codex`; see
 * docs/latency-profiles.md, *OpenAI's 2026 models*). Anthropic's: the `@anthropic-ai/sdk`
 * (1.12) `Model` union (resources/messages/messages.d.ts). Google's: the gemini-* ids of
 * `@google/genai`'s (2.32) `Model` union (dist/genai.d.ts) and the ids the timing catalog names with
 * their sources (docs/latency-profiles.md: Google's models page and model guides). xAI's: the ids
 * the timing catalog names (Google Cloud's and Oracle's Grok model cards, xAI's reasoning docs). Ids in `RETIRED`
 * are taken out of these lists below, so a union can be copied whole.
 */
const SERVED: Readonly<Record<Vendor, readonly string[]>> = {
  openai: [
    // ChatModel
    'gpt-5.6-sol', 'gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano', 'gpt-5.4-mini-2026-03-17', 'gpt-5.4-nano-2026-03-17',
    'gpt-5.3-chat-latest', 'gpt-5.2', 'gpt-5.2-2025-12-11', 'gpt-5.2-chat-latest', 'gpt-5.2-pro', 'gpt-5.2-pro-2025-12-11', 'gpt-5.1', 'gpt-5.1-2025-11-13',
    'gpt-5.1-codex', 'gpt-5.1-mini', 'gpt-5.1-chat-latest', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-2025-08-07', 'gpt-5-mini-2025-08-07',
    'gpt-5-nano-2025-08-07', 'gpt-5-chat-latest', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4.1-2025-04-14', 'gpt-4.1-mini-2025-04-14',
    'gpt-4.1-nano-2025-04-14', 'o4-mini', 'o4-mini-2025-04-16', 'o3', 'o3-2025-04-16', 'o3-mini', 'o3-mini-2025-01-31', 'o1', 'o1-2024-12-17',
    'o1-preview', 'o1-preview-2024-09-12', 'o1-mini', 'o1-mini-2024-09-12', 'gpt-4o', 'gpt-4o-2024-11-20', 'gpt-4o-2024-08-06', 'gpt-4o-2024-05-13',
    'gpt-4o-audio-preview', 'gpt-4o-audio-preview-2024-10-01', 'gpt-4o-audio-preview-2024-12-17', 'gpt-4o-audio-preview-2025-06-03',
    'gpt-4o-mini-audio-preview', 'gpt-4o-mini-audio-preview-2024-12-17', 'gpt-4o-search-preview', 'gpt-4o-mini-search-preview',
    'gpt-4o-search-preview-2025-03-11', 'gpt-4o-mini-search-preview-2025-03-11', 'chatgpt-4o-latest', 'codex-mini-latest', 'gpt-4o-mini',
    'gpt-4o-mini-2024-07-18', 'gpt-4-turbo', 'gpt-4-turbo-2024-04-09', 'gpt-4-0125-preview', 'gpt-4-turbo-preview', 'gpt-4-1106-preview',
    'gpt-4-vision-preview', 'gpt-4', 'gpt-4-0314', 'gpt-4-0613', 'gpt-4-32k', 'gpt-4-32k-0314', 'gpt-4-32k-0613', 'gpt-3.5-turbo', 'gpt-3.5-turbo-16k',
    'gpt-3.5-turbo-0301', 'gpt-3.5-turbo-0613', 'gpt-3.5-turbo-1106', 'gpt-3.5-turbo-0125', 'gpt-3.5-turbo-16k-0613',
    // ResponsesModel's own
    'o1-pro', 'o1-pro-2025-03-19', 'o3-pro', 'o3-pro-2025-06-10', 'o3-deep-research', 'o3-deep-research-2025-06-26', 'o4-mini-deep-research',
    'o4-mini-deep-research-2025-06-26', 'computer-use-preview', 'computer-use-preview-2025-03-11', 'gpt-5-codex', 'gpt-5-pro', 'gpt-5-pro-2025-10-06',
    'gpt-5.1-codex-max',
    // The completions union's own
    'gpt-3.5-turbo-instruct', 'davinci-002', 'babbage-002',
    // Named by OpenAI's docs, not (yet) by the SDK
    'gpt-5.5', 'gpt-5.5-pro', 'gpt-5.4-pro', 'gpt-5.3-codex',
  ],
  anthropic: [
    'claude-fable-5-2', 'claude-mythos-5-2', 'claude-haiku-5-5', 'claude-sonnet-5-5', 'claude-fable-5-1', 'claude-opus-5-5', 'claude-mythos-5-1',
    'claude-sonnet-5', 'claude-fable-5', 'claude-mythos-5', 'claude-opus-5', 'claude-opus-4-8', 'claude-opus-4-7', 'claude-mythos-preview',
    'claude-opus-4-6', 'claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'claude-opus-4-5', 'claude-opus-4-5-20251101',
    'claude-sonnet-4-5', 'claude-sonnet-4-5-20250929',
  ],
  google: [
    'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-3-flash', 'gemini-3.1-pro-preview', 'gemini-3.1-flash-lite',
    'gemini-3.5-flash', 'gemini-3.6-flash', 'gemini-3.7-flash', 'gemini-3.8-flash', 'gemini-3.5-flash-lite',
    'gemini-4-argon', 'gemini-4-argon-cyber-permissive',
    'gemini-flash-latest', 'gemini-flash-lite-latest', 'gemini-pro-latest',
    // The gemini-* ids of @google/genai's (2.32) `Model` union (genai.d.ts) the lines above lack:
    // gemini-3-flash-preview is 3 Flash's own id (the corpus's gemini-3-flash is not one Google lists).
    'gemini-3-flash-preview', 'gemini-3.1-pro-preview-customtools', 'gemini-2.5-flash-image', 'gemini-3.1-flash-lite-image', 'gemini-3-pro-image',
    'gemini-3.1-flash-image', 'gemini-nano-banana-2.1', 'gemini-3.1-flash-tts-preview', 'gemini-3.8-flash-tts', 'gemini-3.8-flash-lite-tts',
    'gemini-robotics-er-1.6-preview', 'gemini-robotics-er-2-preview', 'gemini-omni-1.1-flash', 'gemini-omni-flash-preview',
  ],
  xai: [
    'grok-3-mini', 'grok-4', 'grok-4-0709', 'grok-4-fast-reasoning', 'grok-4-fast-non-reasoning', 'grok-4-1-fast-reasoning', 'grok-4-1-fast-non-reasoning',
    'grok-4.20-reasoning', 'grok-4.20-non-reasoning', 'grok-4.20-0309-reasoning', 'grok-4.20-0309-non-reasoning', 'grok-4.20-multi-agent', 'grok-4.3',
    // Grok 4.5 (2026-07-09, docs.x.ai/developers/grok-4-5 as Zoo-Code-Org/Zoo-Code#866 quotes it),
    // 4.6 and 4.7 (2026-09-21; both on Google Cloud's Grok model page, 4.7 on runware.ai and in
    // apidog's Grok 4.7 API guide), and grok-4-latest and grok-3-mini-latest, xAI's `<model>-latest` aliases (promptfoo's
    // xAI provider docs).
    'grok-4.5', 'grok-4.6', 'grok-4.7', 'grok-4-latest', 'grok-3-mini-latest',
  ],
};

/**
 * Shut-down ids and the day each went, from the providers' deprecation notices. OpenAI's: its
 * deprecations page (2024-09-13, 2024-12-06, 2025-06-06, 2025-07-28, 2025-10-10, 2025-10-27,
 * 2026-01-16, 2026-02-17 and 2026-03-26 groups; the audio and realtime previews of 2026-05-07;
 * the 2026-07-23 and 2026-10-23 groups announced 2026-04-22; the 5.2 and 5.3 chat snapshots of
 * 2026-08-10, announced 2026-05-08); the search and mini-audio aliases went with their only snapshots. Anthropic's:
 * the end-of-life dates `@anthropic-ai/sdk` warns with (internal/data/deprecated-models.js).
 * Google's, from its deprecation notices as developers quoted them: Gemini 3 Pro Preview shut down
 * 2026-03-09 for 3.1 Pro Preview, 3.1 Flash-Lite Preview 2026-05-25 for the GA 3.1 Flash-Lite,
 * 2.0 Flash and 2.0 Flash-Lite 2026-06-01.
 */
const RETIRED: ReadonlyMap<string, string> = new Map([
  ['gpt-3.5-turbo-0301', '2024-09-13'],
  ['gpt-3.5-turbo-0613', '2024-09-13'],
  ['gpt-3.5-turbo-16k-0613', '2024-09-13'],
  ['gpt-3.5-turbo-16k', '2024-09-13'],
  ['gpt-4-vision-preview', '2024-12-06'],
  ['gpt-4-32k', '2025-06-06'],
  ['gpt-4-32k-0314', '2025-06-06'],
  ['gpt-4-32k-0613', '2025-06-06'],
  ['o1-preview', '2025-07-28'],
  ['o1-preview-2024-09-12', '2025-07-28'],
  ['gpt-4o-audio-preview-2024-10-01', '2025-10-10'],
  ['o1-mini', '2025-10-27'],
  ['o1-mini-2024-09-12', '2025-10-27'],
  ['codex-mini-latest', '2026-01-16'],
  ['chatgpt-4o-latest', '2026-02-17'],
  ['gpt-4-0314', '2026-03-26'],
  ['gpt-4-1106-preview', '2026-03-26'],
  ['gpt-4-0125-preview', '2026-03-26'],
  ['gpt-4-turbo-preview', '2026-03-26'],
  ['computer-use-preview', '2026-07-23'],
  ['computer-use-preview-2025-03-11', '2026-07-23'],
  ['gpt-4o-audio-preview-2024-12-17', '2026-07-23'],
  ['gpt-4o-mini-audio-preview', '2026-07-23'],
  ['gpt-4o-mini-audio-preview-2024-12-17', '2026-07-23'],
  ['gpt-4o-search-preview', '2026-07-23'],
  ['gpt-4o-search-preview-2025-03-11', '2026-07-23'],
  ['gpt-4o-mini-search-preview', '2026-07-23'],
  ['gpt-4o-mini-search-preview-2025-03-11', '2026-07-23'],
  ['gpt-5-chat-latest', '2026-07-23'],
  ['gpt-5-codex', '2026-07-23'],
  ['gpt-5.1-chat-latest', '2026-07-23'],
  ['gpt-5.1-codex', '2026-07-23'],
  ['gpt-5.1-codex-max', '2026-07-23'],
  ['gpt-5.2-codex', '2026-07-23'],
  ['o3-deep-research', '2026-07-23'],
  ['o3-deep-research-2025-06-26', '2026-07-23'],
  ['o4-mini-deep-research', '2026-07-23'],
  ['o4-mini-deep-research-2025-06-26', '2026-07-23'],
  ['gpt-4o-audio-preview', '2026-05-07'],
  ['gpt-5.2-chat-latest', '2026-08-10'],
  ['gpt-5.3-chat-latest', '2026-08-10'],
  ['gpt-3.5-turbo', '2026-10-23'],
  ['gpt-3.5-turbo-0125', '2026-10-23'],
  ['gpt-4', '2026-10-23'],
  ['gpt-4-0613', '2026-10-23'],
  ['claude-mythos-preview', '2026-06-30'],
  ['claude-sonnet-4-5', '2026-11-30'],
  ['claude-sonnet-4-5-20250929', '2026-11-30'],
  ['gemini-3-pro-preview', '2026-03-09'],
  ['gemini-3.1-flash-lite-preview', '2026-05-25'],
  ['gemini-2.0-flash', '2026-06-01'],
  ['gemini-2.0-flash-lite', '2026-06-01'],
]);

const current = (ids: readonly string[]): readonly string[] => ids.filter((id) => !RETIRED.has(id));
const SERVED_IDS: Readonly<Record<Vendor, readonly string[]>> = {
  openai: current(SERVED.openai),
  anthropic: current(SERVED.anthropic),
  google: current(SERVED.google),
  xai: current(SERVED.xai),
};

/** Resolution is a lookup here (it is also cached per id by the corpus). */
const SERVED_BY_ID: ReadonlyMap<string, Vendor> = new Map((Object.keys(SERVED_IDS) as Vendor[]).flatMap((v) => SERVED_IDS[v].map((id) => [id, v] as const)));

/** The vendor serving `id` today, when a provider does (a corpus may hold more). */
export function servedVendor(id: string): Vendor | undefined {
  return SERVED_BY_ID.get(id);
}

/** The day `id` was shut down, when it was. */
export function retiredOn(id: string): string | undefined {
  return RETIRED.get(id);
}

/** The ids `vendor` serves today, in the order of the tables above. */
export function servedIds(vendor: Vendor): readonly string[] {
  return SERVED_IDS[vendor];
}
