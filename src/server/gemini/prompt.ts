/**
 * Prompt accounting shared by generateContent and countTokens: Gemini counts the tokens of each
 * part's content with no per-turn framing; an image or other media part counts a fixed 258.
 */
import { countTokens } from '../../corpus/tokens.js';
import type { GeminiPart, GenerateRequest } from './request.js';

/** Tokens Gemini charges for one image (and, here, for any inline or file media part). */
export const MEDIA_PART_TOKENS = 258;

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

function partTokens(p: GeminiPart): number {
  if (p.inlineData || p.fileData) return MEDIA_PART_TOKENS;
  return countTokens(partText(p));
}

export function countPromptTokens(req: PromptParts): number {
  let n = 0;
  for (const c of req.contents) for (const p of c.parts) n += partTokens(p);
  if (req.systemInstruction) for (const p of req.systemInstruction.parts) n += partTokens(p);
  if (req.tools && req.tools.length > 0) n += countTokens(JSON.stringify(req.tools));
  return n;
}

/** What a request `seed` is combined with: the same seed and prompt give the same answer. */
export function promptKey(model: string, req: PromptParts): string {
  let key = model;
  if (req.systemInstruction) for (const p of req.systemInstruction.parts) key += '\u0000' + partText(p);
  for (const c of req.contents) for (const p of c.parts) key += '\u0000' + partText(p);
  return key;
}
