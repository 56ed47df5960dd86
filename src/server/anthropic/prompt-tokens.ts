/**
 * Input tokens of a Messages request: system prompt, every message's content and the tool
 * definitions, counted with the o200k tokenizer (Claude's own tokenizer is not public; o200k lands
 * close for English text). Images and non-text documents count a flat 1,600 tokens, Anthropic's
 * figure for an image of about a megapixel. Thinking blocks of earlier turns count nothing:
 * Anthropic drops them from the context.
 */
import { countTokens } from '../../corpus/tokens.js';
import type { ContentBlock, MessagesRequest } from './messages-request.js';

const MEDIA_TOKENS = 1_600;
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

function blockTokens(b: ContentBlock): number {
  switch (b.type) {
    case 'text':
      return countTokens(str(b.text));
    case 'tool_use':
      return PER_MESSAGE + countTokens(str(b.name)) + countTokens(JSON.stringify(b.input ?? {}));
    case 'tool_result':
      return PER_MESSAGE + contentTokens(b.content);
    case 'thinking':
    case 'redacted_thinking':
      return 0;
    case 'image':
      return MEDIA_TOKENS;
    case 'document': {
      const source = b.source as { type?: unknown; data?: unknown } | undefined;
      return source?.type === 'text' ? countTokens(str(source.data)) : MEDIA_TOKENS;
    }
    default:
      return countTokens(JSON.stringify(b));
  }
}

function contentTokens(content: unknown): number {
  if (typeof content === 'string') return countTokens(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const b of content as ContentBlock[]) n += blockTokens(b);
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
  if (system !== undefined) n = contentPrefix(system, n + PER_MESSAGE, visit);
  for (const m of messages) n = contentPrefix(m.content, n + PER_MESSAGE, visit);
  return n;
}

/** `n` plus the tokens of `content`, visiting each of its blocks (a string is one block). */
function contentPrefix(content: unknown, n: number, visit: BlockVisitor | undefined): number {
  if (visit === undefined || !Array.isArray(content)) {
    n += contentTokens(content);
    visit?.(content, n);
    return n;
  }
  for (const b of content as ContentBlock[]) {
    n += blockTokens(b);
    visit(b, n);
  }
  return n;
}
