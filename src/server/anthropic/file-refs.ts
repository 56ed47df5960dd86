/**
 * The uploaded files a Messages (or count_tokens) request names: `document` and `image` blocks
 * whose `source` is `{type: "file", file_id}`, and `container_upload` blocks, in any message and in
 * `tool_result` content. Each must exist (the API's 404 "File not found: file_…"), be live (404
 * `file_expired`) and suit its block (an image block an image; a document block a PDF or a text
 * file; a container takes any file), and a document or image counts what `./files.ts` computed at
 * upload. A file another thread holds is asked for, once per thread for all it holds.
 */
import type { AnthropicFileView } from '../peers.js';
import { foreignOwner, throwIfFailed } from '../peers.js';
import type { ThreadContext } from '../thread-context.js';
import { invalidRequest, type AnthropicError } from './errors.js';
import { fileExpired, fileNotFound, fileView } from './files.js';

/** The tokens of each file a request's document and image blocks name, by id. */
export type FileTokens = ReadonlyMap<string, number>;
export const NO_FILES: FileTokens = new Map();

type BlockKind = 'document' | 'image' | 'container_upload';

/** One block naming a file: the file, the block's kind, and where it is (for an error's message). */
export interface FileRef {
  readonly id: string;
  readonly kind: BlockKind;
  readonly at: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The file a block names, if it names one. */
function refOf(b: Record<string, unknown>, at: string): FileRef | undefined {
  if (b.type === 'container_upload') return typeof b.file_id === 'string' ? { id: b.file_id, kind: 'container_upload', at } : undefined;
  if (b.type !== 'document' && b.type !== 'image') return undefined;
  const source = b.source;
  if (!isObject(source) || source.type !== 'file' || typeof source.file_id !== 'string') return undefined;
  return { id: source.file_id, kind: b.type, at: `${at}.source` };
}

function walk(content: unknown, at: string, out: FileRef[]): void {
  if (!Array.isArray(content)) return;
  for (let j = 0; j < content.length; j++) {
    const b: unknown = content[j];
    if (!isObject(b)) continue;
    const ref = refOf(b, `${at}.${j}.${String(b.type)}`);
    if (ref !== undefined) out.push(ref);
    if (b.type === 'tool_result') walk(b.content, `${at}.${j}.tool_result.content`, out);
  }
}

/** The blocks of a parsed request body that name files (none unless the text mentions `file_id`, a quick test first). */
export function fileRefsIn(body: string, messages: readonly { readonly content: unknown }[]): FileRef[] {
  const out: FileRef[] = [];
  if (!body.includes('file_id')) return out;
  for (let i = 0; i < messages.length; i++) walk(messages[i]!.content, `messages.${i}.content`, out);
  return out;
}

const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Whether a block of `kind` can take a file of `mimeType` (the API's table of file types and blocks). */
function suits(kind: BlockKind, mimeType: string): boolean {
  if (kind === 'image') return IMAGE_TYPES.has(mimeType);
  if (kind === 'document') return mimeType === 'application/pdf' || mimeType === 'text/plain';
  return true;
}

function check(ref: FileRef, view: AnthropicFileView | null, nowMs: number): AnthropicError | undefined {
  if (view === null) return fileNotFound(ref.id);
  if (view.expiresAtMs !== null && nowMs >= view.expiresAtMs) return fileExpired(ref.id);
  if (!suits(ref.kind, view.mimeType)) {
    const takes = ref.kind === 'image' ? 'image/jpeg, image/png, image/gif or image/webp' : 'application/pdf or text/plain';
    return invalidRequest(`${ref.at}: file ${ref.id} has type ${view.mimeType}, and a ${ref.kind} block takes ${takes}.`);
  }
  return undefined;
}

export type FileResolution = { readonly tokens: FileTokens } | { readonly error: AnthropicError };

/** Checks the files `refs` name and gives their tokens; a promise when another thread holds some. */
export function resolveFileRefs(ctx: ThreadContext, refs: readonly FileRef[]): FileResolution | Promise<FileResolution> {
  const views = new Map<string, AnthropicFileView | null>();
  const byOwner = new Map<number, string[]>();
  for (const { id } of refs) {
    if (views.has(id)) continue;
    const owner = foreignOwner(ctx, id, 'mixed');
    if (owner === undefined) views.set(id, fileView(ctx, id));
    else {
      views.set(id, null);
      const theirs = byOwner.get(owner);
      if (theirs === undefined) byOwner.set(owner, [id]);
      else theirs.push(id);
    }
  }
  const finish = (): FileResolution => {
    const nowMs = Date.now();
    const tokens = new Map<string, number>();
    for (const ref of refs) {
      const view = views.get(ref.id) ?? null;
      const error = check(ref, view, nowMs);
      if (error !== undefined) return { error };
      tokens.set(ref.id, view!.tokens);
    }
    return { tokens };
  };
  if (byOwner.size === 0) return finish();
  const asks = [...byOwner].map(([owner, ids]) =>
    ctx.peers!.ask(owner, { kind: 'anthropic_files', ids }).then((answer) => {
      throwIfFailed(answer, 'the files');
      const found = answer.kind === 'anthropic_files' ? answer.files : [];
      ids.forEach((id, i) => views.set(id, found[i] ?? null));
    }),
  );
  return Promise.all(asks).then(finish);
}
