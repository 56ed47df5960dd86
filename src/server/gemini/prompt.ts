/**
 * Prompt accounting shared by generateContent and countTokens: Gemini counts the tokens of each
 * part's content with no per-turn framing; an image or other media part counts a fixed 258, an
 * inline PDF 258 a page, and usage reports the tokens by modality.
 */
import { geminiAliasTarget } from '../../corpus/model-catalog.js';
import { countTokens } from '../../corpus/tokens.js';
import { PromptPrefixes } from '../prompt-cache.js';
import type { GeminiPart, GenerateRequest } from './request.js';
import { inlineFileTokens, type InlineFileBilling } from '../pdf-tokens.js';

/** Tokens Gemini charges for one image (and, here, for any inline or file media part it cannot read). */
export const MEDIA_PART_TOKENS = 258;

/** The tokens of uploaded files by the URI a part names each with (`./files.ts`): what a `fileData` part naming one counts. */
export type FileTokens = ReadonlyMap<string, number>;
export const NO_FILES: FileTokens = new Map();

/**
 * Inline PDF data: Gemini's document docs bill each page as 258 tokens (an image's figure), text
 * included; its pages are counted from the bytes (`../pdf-tokens.ts`). Other bytes sent as a PDF
 * count as one media part.
 */
const GEMINI_PDF: InlineFileBilling = { perPage: MEDIA_PART_TOKENS, text: false, notPdf: () => MEDIA_PART_TOKENS };

/** A media part's tokens: an inline PDF's pages, an uploaded file's own count (a text file's text), else 258. */
function mediaTokens(p: GeminiPart, files: FileTokens): number {
  const inline = p.inlineData;
  if (inline !== undefined && inline.mimeType === 'application/pdf' && typeof inline.data === 'string') return inlineFileTokens(inline.data, GEMINI_PDF);
  if (p.fileData === undefined || files.size === 0) return MEDIA_PART_TOKENS;
  return files.get(p.fileData.fileUri) ?? MEDIA_PART_TOKENS;
}

type PromptParts = Pick<GenerateRequest, 'contents' | 'systemInstruction' | 'tools'>;

/** The part's text as the model reads it: text as is, calls and results as compact JSON. */
export function partText(p: GeminiPart): string {
  if (p.text !== undefined) return p.text;
  if (p.functionCall) return `${p.functionCall.name}${JSON.stringify(p.functionCall.args ?? {})}`;
  if (p.functionResponse) return `${p.functionResponse.name}${JSON.stringify(p.functionResponse.response)}`;
  if (p.executableCode) return JSON.stringify(p.executableCode);
  if (p.codeExecutionResult) return JSON.stringify(p.codeExecutionResult);
  return '';
}

/** Gemini's `MediaModality` values, in the order `promptTokensDetails` lists them. */
const MODALITIES = ['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'DOCUMENT'] as const;
type Modality = (typeof MODALITIES)[number];

/** A media part's modality by its MIME type; a file without one is taken as a document. */
function mediaModality(mimeType: string | undefined): Modality {
  if (mimeType === undefined) return 'DOCUMENT';
  if (mimeType.startsWith('image/')) return 'IMAGE';
  if (mimeType.startsWith('audio/')) return 'AUDIO';
  if (mimeType.startsWith('video/')) return 'VIDEO';
  return mimeType.startsWith('text/') ? 'TEXT' : 'DOCUMENT';
}

/** A prompt's tokens, and its media tokens by modality (null for a text-only prompt, the common case). */
export interface PromptCount {
  readonly total: number;
  readonly media: Partial<Record<Modality, number>> | null;
}

/** One part's tokens: its text's, or a media part's (`mediaTokens`). */
export function partTokens(p: GeminiPart, files: FileTokens = NO_FILES): number {
  return p.inlineData !== undefined || p.fileData !== undefined ? mediaTokens(p, files) : countTokens(partText(p));
}

/**
 * The fewest prompt tokens Gemini's implicit cache serves from (its caching docs: 1,024 for Flash,
 * 4,096 for Pro; Gemini 4 Argon's developer guide: 6,144); undefined for models that do not cache
 * implicitly (before 2.5).
 */
export function implicitCacheMinimum(alias: string): number | undefined {
  const model = geminiAliasTarget(alias);
  if (model.startsWith('gemini-4-')) return 6144;
  if (!model.startsWith('gemini-2.5') && !model.startsWith('gemini-3')) return undefined;
  return model.includes('-pro') ? 4096 : 1024;
}

/**
 * The prompt's cacheable boundaries in the order the model reads it: the system instruction, the
 * tools, then each turn (`../prompt-cache.ts`).
 */
export function promptPrefixes(model: string, req: PromptParts, files: FileTokens = NO_FILES): PromptPrefixes {
  const prefixes = new PromptPrefixes(model);
  let n = 0;
  if (req.systemInstruction) {
    for (const p of req.systemInstruction.parts) n += partTokens(p, files);
    prefixes.add(JSON.stringify(req.systemInstruction), n);
  }
  if (req.tools && req.tools.length > 0) {
    const tools = JSON.stringify(req.tools);
    n += countTokens(tools);
    prefixes.add(tools, n);
  }
  for (const c of req.contents) {
    for (const p of c.parts) n += partTokens(p, files);
    prefixes.add(JSON.stringify(c), n);
  }
  return prefixes;
}

/**
 * `cacheTokensDetails` as JSON: the first `cached` tokens of the prompt (a prefix ending at a
 * boundary of `promptPrefixes`) by modality, in the order the model reads them.
 */
export function cachedTokensDetails(req: PromptParts, cached: number, files: FileTokens = NO_FILES): string {
  let total = 0;
  const byModality: Partial<Record<Modality, number>> = {};
  const add = (m: Modality, n: number): void => {
    byModality[m] = (byModality[m] ?? 0) + n;
    total += n;
  };
  const part = (p: GeminiPart): void => {
    const file = p.inlineData ?? p.fileData;
    if (file === undefined) add('TEXT', countTokens(partText(p)));
    else add(mediaModality(file.mimeType), mediaTokens(p, files));
  };
  if (req.systemInstruction) for (const p of req.systemInstruction.parts) part(p);
  if (total < cached && req.tools && req.tools.length > 0) add('TEXT', countTokens(JSON.stringify(req.tools)));
  for (const c of req.contents) {
    if (total >= cached) break;
    for (const p of c.parts) part(p);
  }
  const parts: string[] = [];
  for (const m of MODALITIES) {
    const n = byModality[m] ?? 0;
    if (n > 0) parts.push(`{"modality":"${m}","tokenCount":${n}}`);
  }
  return `[${parts.join(',')}]`;
}

export function countPromptTokens(req: PromptParts, files: FileTokens = NO_FILES): PromptCount {
  let total = 0;
  let media: Partial<Record<Modality, number>> | null = null;
  const add = (p: GeminiPart): void => {
    const file = p.inlineData ?? p.fileData;
    if (file === undefined) {
      total += countTokens(partText(p));
      return;
    }
    media ??= {};
    const m = mediaModality(file.mimeType);
    const n = mediaTokens(p, files);
    media[m] = (media[m] ?? 0) + n;
    total += n;
  };
  for (const c of req.contents) for (const p of c.parts) add(p);
  if (req.systemInstruction) for (const p of req.systemInstruction.parts) add(p);
  if (req.tools && req.tools.length > 0) total += countTokens(JSON.stringify(req.tools));
  return { total, media };
}

/**
 * `promptTokensDetails` as JSON: one `ModalityTokenCount` per modality the prompt has (text is what
 * media leaves of the total), or '' for an empty prompt.
 */
export function promptTokensDetails(count: PromptCount): string {
  if (count.total === 0) return '';
  if (count.media === null) return `[{"modality":"TEXT","tokenCount":${count.total}}]`;
  let mediaTokens = 0;
  for (const m of MODALITIES) mediaTokens += count.media[m] ?? 0;
  const byModality: Partial<Record<Modality, number>> = { ...count.media, TEXT: count.total - mediaTokens + (count.media.TEXT ?? 0) };
  const parts: string[] = [];
  for (const m of MODALITIES) {
    const n = byModality[m] ?? 0;
    if (n > 0) parts.push(`{"modality":"${m}","tokenCount":${n}}`);
  }
  return `[${parts.join(',')}]`;
}

/** What a request `seed` is combined with: the same seed and prompt give the same answer. */
export function promptKey(model: string, req: PromptParts): string {
  let key = model;
  if (req.systemInstruction) for (const p of req.systemInstruction.parts) key += '\u0000' + partText(p);
  for (const c of req.contents) for (const p of c.parts) key += '\u0000' + partText(p);
  return key;
}
