/**
 * Input tokens of a Messages request: system prompt, every message's content and the tool
 * definitions, counted with the o200k tokenizer (Claude's own tokenizer is not public; o200k lands
 * close for English text). Images count a flat 1,600 tokens, Anthropic's figure for an image of
 * about a megapixel; a base64 PDF document 1,600 a page plus its text (`ANTHROPIC_PDF`). A block naming an uploaded file counts what the file
 * holds (`MessagesRequest.fileTokens`: a text file its text, others the same 1,600), and a
 * `container_upload` nothing, as its file goes to the code execution container, not the prompt.
 * Thinking blocks of earlier turns count nothing:
 * Anthropic drops them from the context.
 */
import { countTokens } from '../../corpus/tokens.js';
import type { ContentBlock, MessagesRequest } from './messages-request.js';
import { inlineFileTokens, type InlineFileBilling } from '../pdf-tokens.js';

const MEDIA_TOKENS = 1_600;
/**
 * A base64 PDF: Anthropic bills its extracted text plus each page as an image (its PDF docs: "the
 * same image-based cost calculations"), so a page counts as the image figure above and the text
 * as text (`../pdf-tokens.ts`); a text page lands near the low end of the docs' 1,500–3,000 range
 * a page. Bytes that are not a PDF count as one image, as before.
 */
const ANTHROPIC_PDF: InlineFileBilling = { perPage: MEDIA_TOKENS, text: true, notPdf: () => MEDIA_TOKENS };
/** Framing per message (role markers) and for the turn the model writes. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 4;
/**
 * The tool-use system prompt Anthropic adds when tools are offered (its pricing docs: 346 tokens
 * for tool_choice auto or none, 313 for any or a named tool).
 */
const TOOL_PROMPT_AUTO = 346;
const TOOL_PROMPT_FORCED = 313;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

type Files = ReadonlyMap<string, number>;

/** The file a `{type: "file", file_id}` source names, if it is one. */
function fileIdOf(source: unknown): string | undefined {
  const s = source as { type?: unknown; file_id?: unknown } | undefined;
  return s?.type === 'file' && typeof s.file_id === 'string' ? s.file_id : undefined;
}

function blockTokens(b: ContentBlock, files: Files): number {
  switch (b.type) {
    case 'text':
      return countTokens(str(b.text));
    case 'tool_use':
      return PER_MESSAGE + countTokens(str(b.name)) + countTokens(JSON.stringify(b.input ?? {}));
    case 'tool_result':
      return PER_MESSAGE + contentTokens(b.content, files);
    case 'thinking':
    case 'redacted_thinking':
      return 0;
    case 'image': {
      const file = fileIdOf(b.source);
      return file === undefined ? MEDIA_TOKENS : (files.get(file) ?? MEDIA_TOKENS);
    }
    case 'document': {
      const source = b.source as { type?: unknown; data?: unknown } | undefined;
      const file = fileIdOf(source);
      if (file !== undefined) return files.get(file) ?? MEDIA_TOKENS;
      if (source?.type === 'base64' && typeof source.data === 'string') return inlineFileTokens(source.data, ANTHROPIC_PDF);
      return source?.type === 'text' ? countTokens(str(source.data)) : MEDIA_TOKENS;
    }
    case 'container_upload':
      return 0;
    default:
      return countTokens(JSON.stringify(b));
  }
}

function contentTokens(content: unknown, files: Files): number {
  if (typeof content === 'string') return countTokens(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const b of content as ContentBlock[]) n += blockTokens(b, files);
  return n;
}

/**
 * Sees each block of the prompt in the order the model reads it (the tools as one block, then the
 * system prompt's blocks, then each message's), with the prompt's tokens up to its end, for
 * prompt caching (`./prompt-cache.ts`).
 */
export type BlockVisitor = (block: unknown, tokensSoFar: number) => void;

export function countInputTokens(req: MessagesRequest, visit?: BlockVisitor): number {
  const { system, messages, tools } = req.body;
  let n = REPLY_PRIMING;
  if (tools !== undefined && tools.length > 0) {
    n += (req.mustCallTool ? TOOL_PROMPT_FORCED : TOOL_PROMPT_AUTO) + countTokens(JSON.stringify(tools));
    visit?.(tools, n);
  }
  if (system !== undefined) n = contentPrefix(system, n + PER_MESSAGE, visit, req.fileTokens);
  for (const m of messages) n = contentPrefix(m.content, n + PER_MESSAGE, visit, req.fileTokens);
  return n;
}

/** `n` plus the tokens of `content`, visiting each of its blocks (a string is one block). */
function contentPrefix(content: unknown, n: number, visit: BlockVisitor | undefined, files: Files): number {
  if (visit === undefined || !Array.isArray(content)) {
    n += contentTokens(content, files);
    visit?.(content, n);
    return n;
  }
  for (const b of content as ContentBlock[]) {
    n += blockTokens(b, files);
    visit(b, n);
  }
  return n;
}
