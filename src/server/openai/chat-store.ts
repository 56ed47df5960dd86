/**
 * Stored chat completions (`store: true`): `GET /v1/chat/completions/{id}`, its `messages`, the
 * list, `POST` (metadata) and `DELETE`, as the openai SDK's `chat.completions.retrieve / list /
 * update / delete / messages.list` call them. Eval and distillation pipelines read them back.
 *
 * Per thread and bounded like the response store (`./responses-store.ts`): the final body, and the
 * request text for its messages (no copy on the request path), in creation order for the list.
 * A request for another thread's completion is answered there (`../peers.ts`); the list gathers
 * every thread's and orders them by the run-wide sequence they were stored in.
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import type { RequestInfo } from '../http-exchange.js';
import { safeDecode } from '../path-segment.js';
import type { Reply } from '../reply.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import { bodyNotObject, INVALID_JSON, type OpenAIError } from './errors.js';
import { requiredMetadataOf } from './metadata.js';
import { checkOpenAIAuth, JSON_TYPE, openAIErrorReply, openAIHeaders, requestIdFor } from './reply.js';
import { itemPage } from './conversations.js';
import { ResponseStore, STORE_MAX_BYTES, STORE_MAX_ENTRIES } from './responses-store.js';
import type { ListedObject } from '../peers.js';

interface Stored {
  readonly bodies: ResponseStore;
  readonly requests: ResponseStore<string>;
  /** Ids and their run-wide sequence, in creation order (the list's order); entries the stores dropped are skipped when listed. */
  readonly order: { readonly id: string; readonly seq: number }[];
}

const storeFor = perThread(
  (): Stored => ({ bodies: new ResponseStore(), requests: new ResponseStore<string>(STORE_MAX_ENTRIES, STORE_MAX_BYTES, (text) => 2 * text.length), order: [] }),
);

/** Keeps a completion created with `store: true`: its final body and the request behind it. */
export function storeChatCompletion(ctx: ThreadContext, id: string, body: Buffer, request: string): void {
  const s = storeFor(ctx);
  s.bodies.put(id, body);
  s.requests.put(id, request);
  s.order.push({ id, seq: ctx.nextStoreSeq() });
  if (s.order.length > 2 * STORE_MAX_ENTRIES) s.order.splice(0, s.order.length - STORE_MAX_ENTRIES);
}

const notFound = (id: string): OpenAIError => ({ status: 404, message: `Chat completion with id '${id}' not found.`, type: 'invalid_request_error', param: null, code: null });

/** The thread's stored completions with their sequence, for a list on any thread. */
export function storedChatEntries(ctx: ThreadContext): ListedObject[] {
  const s = storeFor(ctx);
  return s.order.flatMap(({ id, seq }) => {
    const body = s.bodies.get(id);
    return body === undefined ? [] : [{ seq, json: body.toString('utf8') }];
  });
}

const route = 'chat_completions';

/** `GET /v1/chat/completions`: this thread's stored completions and `others` (other threads'), oldest first unless `order=desc`, by `model`. */
export function listStoredChats(ctx: ThreadContext, info: RequestInfo, others: readonly ListedObject[]): Reply {
  const requestId = requestIdFor(info, ctx.requestRng(undefined, ''));
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, route, authError, 'authentication', OTHER_MODEL);
  const model = new URLSearchParams(info.query).get('model');
  const all = [...storedChatEntries(ctx), ...others].sort((a, b) => a.seq - b.seq).map((e) => JSON.parse(e.json) as { id: string; model: string });
  return okReply(requestId, itemPage(model === null ? all : all.filter((c) => c.model === model || c.model.startsWith(`${model}-`)), info.query, 'asc'));
}

function okReply(requestId: string, json: string | Buffer): Reply {
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body: json, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}

type Op = 'get' | 'update' | 'delete' | 'messages';

/**
 * An update's body: JSON with `metadata`, which the update requires (`ChatCompletionUpdateParams`),
 * checked before the completion is looked up, as the API checks a body first.
 */
function updateBodyError(body: string): OpenAIError | undefined {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return INVALID_JSON;
  }
  const notObject = bodyNotObject(input);
  if (notObject) return notObject;
  const m = requiredMetadataOf(input as Record<string, unknown>);
  return 'error' in m ? m.error : undefined;
}

/** Every request on one stored completion; `params[0]` is its id; `body` is an update's. */
export function storedChatRequest(ctx: ThreadContext, info: RequestInfo, op: Op, body = ''): Reply {
  const requestId = requestIdFor(info, ctx.requestRng(undefined, ''));
  const ok = (json: string | Buffer): Reply => okReply(requestId, json);
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, route, authError, 'authentication', OTHER_MODEL);
  if (op === 'update') {
    const bodyError = updateBodyError(body);
    if (bodyError) return openAIErrorReply(requestId, route, bodyError, bodyError === INVALID_JSON ? 'invalid_json' : 'invalid_request', OTHER_MODEL);
  }
  const s = storeFor(ctx);
  // Messages run oldest first unless `order=desc`.
  const page = (all: readonly { readonly id: string }[]): string => itemPage(all, info.query, 'asc');
  const id = safeDecode(info.params[0] ?? '');
  const stored = s.bodies.get(id);
  if (stored === undefined) return openAIErrorReply(requestId, route, notFound(id), 'not_found', OTHER_MODEL);
  switch (op) {
    case 'get':
    case 'update':
      // An update sets metadata, which the completion object does not show: it comes back as it was.
      return ok(stored);
    case 'delete':
      s.bodies.delete(id);
      s.requests.delete(id);
      return ok(JSON.stringify({ id, object: 'chat.completion.deleted', deleted: true }));
    case 'messages': {
      const request = JSON.parse(s.requests.get(id) ?? '{"messages":[]}') as { messages?: unknown };
      const messages = (Array.isArray(request.messages) ? request.messages : []) as Record<string, unknown>[];
      return ok(
        page(
          messages.map((m, i) => {
            const parts = Array.isArray(m.content) ? (m.content as { type?: string; text?: string }[]) : null;
            const content = parts === null ? (m.content ?? null) : parts.map((p) => p.text ?? '').join('');
            return { ...m, id: `${id}-${i}`, content, content_parts: parts };
          }),
        ),
      );
    }
  }
}
