/**
 * Gemini paths put the method after a colon in the last segment (`models/gemini-2.5-flash:generateContent`),
 * which uWS route parameters cannot split, so the routes are wildcards and the path is parsed here.
 */
import { safeDecode } from '../path-segment.js';

export const GEMINI_METHODS = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents', 'batchGenerateContent', 'asyncBatchEmbedContent'] as const;
export type GeminiMethod = (typeof GEMINI_METHODS)[number];

export interface ModelPath {
  /** `v1beta` or `v1`, as the path named it (error messages repeat it). */
  readonly apiVersion: string;
  /** The model id without the `models/` prefix, percent-decoded. */
  readonly model: string;
  /** The text after the colon, or null when the path names only a model. */
  readonly method: string | null;
}

const MODEL_PATH = /^\/(v1beta|v1)\/models\/([^/]+)$/;

/** Parses `/{version}/models/{model}[:{method}]`; null for anything else (an extra segment, an empty model). */
export function parseModelPath(url: string): ModelPath | null {
  const m = MODEL_PATH.exec(url);
  if (m === null) return null;
  const last = safeDecode(m[2]!);
  const colon = last.lastIndexOf(':');
  const model = colon < 0 ? last : last.slice(0, colon);
  if (model.length === 0) return null;
  return { apiVersion: m[1]!, model, method: colon < 0 ? null : last.slice(colon + 1) };
}

export function isGeminiMethod(method: string): method is GeminiMethod {
  return (GEMINI_METHODS as readonly string[]).includes(method);
}

/** Strips the `models/` prefix that request bodies (and some callers' model ids) carry. */
export function bareModel(name: string): string {
  return name.startsWith('models/') ? name.slice(7) : name;
}
