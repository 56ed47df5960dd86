/**
 * Uploaded files a chat (`{type: "file", file: {file_id}}`) or Responses (`{type: "input_file",
 * file_id}`) request names. Each is looked up before the handler runs, on the thread that holds
 * it (its id names that thread, decision 0012), and counts as the same bytes sent inline would
 * (`./media-tokens.ts`); an id no thread holds is the Files API's 404. A request without
 * `file_id` in its text pays one substring test.
 */
import { OTHER_MODEL, type RouteId } from '../../metrics/counters.js';
import { replyAfter, type RequestInfo } from '../http-exchange.js';
import { foreignOwner, throwIfFailed } from '../peers.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { fileNotFound, fileTokens } from './files.js';
import { withFileTokens, type FileTokens } from './media-tokens.js';
import { checkOpenAIAuth, openAIErrorReply, requestIdFor } from './reply.js';

/** A file part naming an uploaded file, and where it is (the error's `param`). */
interface FileRef {
  readonly id: string;
  readonly at: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function partsRefs(parts: unknown, at: string, out: FileRef[]): void {
  if (!Array.isArray(parts)) return;
  parts.forEach((p: unknown, j) => {
    if (!isObject(p)) return;
    if (p.type === 'file' && isObject(p.file) && typeof p.file.file_id === 'string' && p.file.file_data === undefined) out.push({ id: p.file.file_id, at: `${at}[${j}].file.file_id` });
    else if (p.type === 'input_file' && typeof p.file_id === 'string' && p.file_data === undefined) out.push({ id: p.file_id, at: `${at}[${j}].file_id` });
  });
}

/** The file parts of a chat request's messages, or of a Responses request's input items (message content, tool output). */
function fileRefsIn(body: string): FileRef[] {
  const out: FileRef[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // The handler answers a body that is not JSON.
    return out;
  }
  if (!isObject(parsed)) return out;
  if (Array.isArray(parsed.messages)) parsed.messages.forEach((m: unknown, i) => isObject(m) && partsRefs(m.content, `messages[${i}].content`, out));
  if (Array.isArray(parsed.input)) {
    parsed.input.forEach((item: unknown, i) => {
      if (!isObject(item)) return;
      partsRefs(item.content, `input[${i}].content`, out);
      partsRefs(item.output, `input[${i}].output`, out);
    });
  }
  return out;
}

type Resolution = { readonly tokens: FileTokens } | { readonly missing: FileRef };

function resolve(ctx: ThreadContext, refs: readonly FileRef[]): Resolution | Promise<Resolution> {
  const tokens = new Map<string, number | null>();
  const byOwner = new Map<number, string[]>();
  for (const { id } of refs) {
    if (tokens.has(id)) continue;
    const owner = foreignOwner(ctx, id, 'mixed');
    tokens.set(id, owner === undefined ? fileTokens(ctx, id) : null);
    if (owner !== undefined) {
      const theirs = byOwner.get(owner);
      if (theirs === undefined) byOwner.set(owner, [id]);
      else theirs.push(id);
    }
  }
  const finish = (): Resolution => {
    const missing = refs.find((r) => tokens.get(r.id) == null);
    return missing !== undefined ? { missing } : { tokens: tokens as Map<string, number> };
  };
  if (byOwner.size === 0) return finish();
  const asks = [...byOwner].map(([owner, ids]) =>
    ctx.peers!.ask(owner, { kind: 'openai_files', ids }).then((answer) => {
      throwIfFailed(answer, 'the files');
      const found = answer.kind === 'openai_files' ? answer.tokens : [];
      ids.forEach((id, i) => tokens.set(id, found[i] ?? null));
    }),
  );
  return Promise.all(asks).then(finish);
}

/**
 * Runs `handler` with the tokens of the uploaded files the request names; a file no thread holds
 * is refused first (once the key is checked: a request without one is the handler's 401).
 */
export function withFileRefs(ctx: ThreadContext, info: RequestInfo, body: string, route: RouteId, handler: (ctx: ThreadContext, info: RequestInfo, body: string) => Reply | Promise<Reply>): Reply | Promise<Reply> {
  // The handler is passed, not a closure over its arguments: a request without files allocates nothing here.
  if (!body.includes('file_id')) return handler(ctx, info, body);
  const refs = fileRefsIn(body);
  if (refs.length === 0 || checkOpenAIAuth(ctx, info)) return handler(ctx, info, body);
  const after = (r: Resolution): Reply | Promise<Reply> => {
    if ('missing' in r) {
      const err = { ...fileNotFound(r.missing.id), param: r.missing.at };
      return openAIErrorReply(requestIdFor(info, ctx.requestRng(undefined, '')), route, err, 'not_found', OTHER_MODEL);
    }
    return withFileTokens(r.tokens, () => handler(ctx, info, body));
  };
  const resolved = resolve(ctx, refs);
  if (!(resolved instanceof Promise)) return after(resolved);
  // Sent after the handler returns: a body in the thread's scratch memory is copied first.
  return replyAfter(resolved, (r) => {
    const reply = after(r);
    if (reply instanceof Promise || reply.kind !== 'json' || reply.transient !== true) return reply;
    return { ...reply, body: typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body), transient: false };
  });
}
