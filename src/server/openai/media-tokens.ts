/**
 * Prompt tokens OpenAI charges for the images in a request (Chat `image_url` parts, Responses
 * `input_image` parts). The image itself is not read: a URL is not fetched, and decoding a base64
 * image's header per request would cost more than the rest of the answer. Every image counts as
 * the 1024×1024 image of OpenAI's vision pricing example: 85 base tokens plus four 512 px tiles of
 * 170 at `detail: "high"` or `"auto"` (765), and the 85 alone at `detail: "low"`. The other
 * dialects count media flat the same way (Anthropic 1,600 per image, Gemini 258).
 */
import { fileBytesTokens, inlineFileTokens, textFileTokens, type InlineFileBilling } from '../pdf-tokens.js';

const LOW_DETAIL_TOKENS = 85;
const HIGH_DETAIL_TOKENS = 85 + 4 * 170;

function detailOf(part: Record<string, unknown>): unknown {
  // Chat nests it (`image_url: {url, detail}`); Responses puts it on the part.
  const nested = part.image_url;
  if (typeof nested === 'object' && nested !== null) return (nested as { detail?: unknown }).detail;
  return part.detail;
}

/**
 * A PDF sent inline: OpenAI puts "both the extracted text and an image of each page" into the
 * context, so each page counts as the image above and the text as text (`../pdf-tokens.ts`).
 * Other files (the Responses API reads text files as text) count their bytes as text.
 */
const OPENAI_FILES: InlineFileBilling = { perPage: HIGH_DETAIL_TOKENS, text: true, notPdf: textFileTokens };

/** An uploaded file's prompt tokens: counted as the same bytes sent inline are. */
export function uploadedFileTokens(bytes: Buffer): number {
  return fileBytesTokens(bytes, OPENAI_FILES);
}

/** The fields of a file part (Chat nests them in `file`, Responses puts them on the part). */
function fileFieldsOf(part: Record<string, unknown>): { file_data?: unknown; file_id?: unknown } {
  const nested = part.file;
  return typeof nested === 'object' && nested !== null ? nested : part;
}

export type FileTokens = ReadonlyMap<string, number>;
const NO_FILES: FileTokens = new Map();
/**
 * The tokens of the uploaded files the request being counted names (`./file-refs.ts` looks them
 * up before its handler runs, which counts synchronously); empty outside such a request.
 */
let requestFiles: FileTokens = NO_FILES;

/** Runs `count` with the tokens of the uploaded files its request names. */
export function withFileTokens<T>(files: FileTokens, count: () => T): T {
  const before = requestFiles;
  requestFiles = files;
  try {
    return count();
  } finally {
    requestFiles = before;
  }
}

/** Tokens for one content part: an image's flat figure, an inline or uploaded file's (`OPENAI_FILES`), 0 for anything else. */
export function mediaPartTokens(part: { readonly type: string }): number {
  if (part.type === 'file' || part.type === 'input_file') {
    const f = fileFieldsOf(part);
    if (typeof f.file_data === 'string' && f.file_data !== '') return inlineFileTokens(f.file_data, OPENAI_FILES);
    return typeof f.file_id === 'string' ? (requestFiles.get(f.file_id) ?? 0) : 0;
  }
  if (part.type !== 'image_url' && part.type !== 'input_image') return 0;
  return detailOf(part) === 'low' ? LOW_DETAIL_TOKENS : HIGH_DETAIL_TOKENS;
}

/** Tokens for the images among a message's parts (a string content has none). */
export function mediaTokens(content: string | readonly { readonly type: string }[] | null | undefined): number {
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const p of content as readonly { readonly type: string }[]) n += mediaPartTokens(p);
  return n;
}
