/**
 * The routes on one stored object (a response, a conversation, a stored chat completion, a Gemini
 * cached content), run on the thread that holds it, and every query another thread may send this
 * one (`./peers.ts`).
 */
import type { PostHandler, RequestInfo } from './http-exchange.js';
import { safeDecode } from './path-segment.js';
import type { Reply } from './reply.js';
import type { ThreadContext } from './thread-context.js';
import { listStoredChats, storedChatEntries, storedChatRequest } from './openai/chat-store.js';
import { appendItemsById, conversationsRequest, conversationTurnsById, type ConversationItem } from './openai/conversations.js';
import { foreignOwner, replyFromPeer, throwIfFailed, type OwnedRoute, type PeerAnswer, type PeerQuery, type ListedObject, type ListKind } from './peers.js';
import { conversationsFor } from './openai/responses-context.js';
import { cancelResponse, deleteResponse, listInputItems, retrieveResponse } from './openai/responses.js';
import { streamView } from './openai/responses-resume.js';
import { cachedContentsRequest, cacheListings, cacheView } from './gemini/caches.js';
import { fileBytes as geminiFileBytes, fileListings as geminiFileListings, filesRequest as geminiFilesRequest, fileView as geminiFileView, uploadRequest as geminiUploadRequest } from './gemini/files.js';
import { batchesRequest as geminiBatchesRequest, batchListings as geminiBatchListings } from './gemini/batches.js';
import { batchesRequest, listings as batchListings } from './anthropic/batches.js';
import { fileContent, fileListings, filesRequest, fileTokens as openAIFileTokens } from './openai/files.js';
import { fileListings as anthropicFileListings, filesRequest as anthropicFilesRequest, fileView as anthropicFileView } from './anthropic/files.js';
import { batchesRequest as openAIBatchesRequest, batchListings as openAIBatchListings } from './openai/batches.js';

type OwnedHandler = (ctx: ThreadContext, info: RequestInfo, body: string) => Reply;

const OWNED = {
  response_get: (ctx, info) => retrieveResponse(ctx, info),
  response_delete: (ctx, info) => deleteResponse(ctx, info),
  response_cancel: (ctx, info) => cancelResponse(ctx, info),
  response_input_items: (ctx, info) => listInputItems(ctx, info),
  conversation_get: (ctx, info, body) => conversationsRequest(ctx, info, body, 'get'),
  conversation_update: (ctx, info, body) => conversationsRequest(ctx, info, body, 'update'),
  conversation_delete: (ctx, info, body) => conversationsRequest(ctx, info, body, 'delete'),
  conversation_items_create: (ctx, info, body) => conversationsRequest(ctx, info, body, 'items_create'),
  conversation_items_list: (ctx, info, body) => conversationsRequest(ctx, info, body, 'items_list'),
  conversation_item_get: (ctx, info, body) => conversationsRequest(ctx, info, body, 'item_get'),
  conversation_item_delete: (ctx, info, body) => conversationsRequest(ctx, info, body, 'item_delete'),
  chat_get: (ctx, info) => storedChatRequest(ctx, info, 'get'),
  chat_update: (ctx, info, body) => storedChatRequest(ctx, info, 'update', body),
  chat_delete: (ctx, info) => storedChatRequest(ctx, info, 'delete'),
  chat_messages: (ctx, info) => storedChatRequest(ctx, info, 'messages'),
  gemini_cache_get: (ctx, info, body) => cachedContentsRequest(ctx, info, body, 'get'),
  gemini_cache_update: (ctx, info, body) => cachedContentsRequest(ctx, info, body, 'update'),
  gemini_cache_delete: (ctx, info, body) => cachedContentsRequest(ctx, info, body, 'delete'),
  anthropic_batch_get: (ctx, info, body) => batchesRequest(ctx, info, body, 'get'),
  anthropic_batch_cancel: (ctx, info, body) => batchesRequest(ctx, info, body, 'cancel'),
  anthropic_batch_delete: (ctx, info, body) => batchesRequest(ctx, info, body, 'delete'),
  anthropic_batch_results: (ctx, info, body) => batchesRequest(ctx, info, body, 'results'),
  file_get: (ctx, info) => filesRequest(ctx, info, 'get'),
  file_content: (ctx, info) => filesRequest(ctx, info, 'content'),
  file_delete: (ctx, info) => filesRequest(ctx, info, 'delete'),
  batch_get: (ctx, info) => openAIBatchesRequest(ctx, info, 'get'),
  batch_cancel: (ctx, info) => openAIBatchesRequest(ctx, info, 'cancel'),
  gemini_file_get: (ctx, info) => geminiFilesRequest(ctx, info, 'get'),
  gemini_file_delete: (ctx, info) => geminiFilesRequest(ctx, info, 'delete'),
  gemini_file_download: (ctx, info) => geminiFilesRequest(ctx, info, 'download'),
  gemini_upload: (ctx, info, body) => geminiUploadRequest(ctx, info, body),
  gemini_batch_get: (ctx, info) => geminiBatchesRequest(ctx, info, 'get'),
  gemini_batch_cancel: (ctx, info) => geminiBatchesRequest(ctx, info, 'cancel'),
  gemini_batch_delete: (ctx, info) => geminiBatchesRequest(ctx, info, 'delete'),
  anthropic_file_get: (ctx, info) => anthropicFilesRequest(ctx, info, 'get'),
  anthropic_file_content: (ctx, info) => anthropicFilesRequest(ctx, info, 'content'),
  anthropic_file_delete: (ctx, info) => anthropicFilesRequest(ctx, info, 'delete'),
} as const satisfies Record<OwnedRoute, OwnedHandler>;

export const OWNED_ROUTES = Object.keys(OWNED) as OwnedRoute[];

/**
 * The handler of a route on one stored object (`params[0]` is its id): answered here when this
 * thread holds it, else by its owner. An owner that does not answer leaves it to this thread,
 * which answers the object's 404. Without `ownerOf`, the id's base-62 digits name the owner (an
 * OpenAI or Anthropic id); Gemini's routes pass theirs (their ids are lowercase base 36, and a
 * file's owner is a hash of its id): the other thread that holds the object, or undefined for
 * this one.
 */
export function ownedRoute(ctx: ThreadContext, route: OwnedRoute, ownerOf?: (info: RequestInfo, body: string) => number | undefined): PostHandler {
  const local = OWNED[route];
  return (info, body) => {
    const owner = ownerOf === undefined ? foreignOwner(ctx, safeDecode(info.params[0] ?? ''), 'mixed') : ownerOf(info, body);
    if (owner === undefined) return local(ctx, info, body);
    return ctx.peers!.ask(owner, { kind: 'route', route, info, body }).then((answer) => {
      throwIfFailed(answer, `the object of ${route}`);
      return answer.kind === 'reply' ? replyFromPeer(answer.reply) : local(ctx, info, body);
    });
  };
}

/** Each list: this thread's objects, and the reply with other threads' objects added. */
const LISTS = {
  chat_completions: { local: (ctx) => storedChatEntries(ctx), reply: (ctx, info, _body, others) => listStoredChats(ctx, info, others) },
  files: { local: (ctx) => fileListings(ctx), reply: (ctx, info, _body, others) => filesRequest(ctx, info, 'list', others) },
  batches: { local: (ctx) => openAIBatchListings(ctx), reply: (ctx, info, _body, others) => openAIBatchesRequest(ctx, info, 'list', others) },
  message_batches: { local: (ctx, host) => batchListings(ctx, host), reply: (ctx, info, body, others) => batchesRequest(ctx, info, body, 'list', others) },
  cached_contents: { local: (ctx) => cacheListings(ctx), reply: (ctx, info, body, others) => cachedContentsRequest(ctx, info, body, 'list', others) },
  gemini_files: { local: (ctx) => geminiFileListings(ctx), reply: (ctx, info, _body, others) => geminiFilesRequest(ctx, info, 'list', others) },
  gemini_batches: { local: (ctx) => geminiBatchListings(ctx), reply: (ctx, info, _body, others) => geminiBatchesRequest(ctx, info, 'list', others) },
  anthropic_files: { local: (ctx) => anthropicFileListings(ctx), reply: (ctx, info, _body, others) => anthropicFilesRequest(ctx, info, 'list', others) },
} as const satisfies Record<ListKind, { local(ctx: ThreadContext, host: string): ListedObject[]; reply(ctx: ThreadContext, info: RequestInfo, body: string, others: readonly ListedObject[]): Reply }>;

/**
 * The handler of a list that gathers every thread's objects (stored chat completions, files,
 * batches, Gemini caches): each other thread answers with its own, and a late or failing thread
 * fails the list, which would otherwise look complete.
 */
export function listRoute(ctx: ThreadContext, list: ListKind): PostHandler {
  return (info, body) => {
    const peers = ctx.peers;
    if (peers === null) return LISTS[list].reply(ctx, info, body, []);
    const asks = Array.from({ length: peers.threads }, (_, slot) => slot)
      .filter((slot) => slot !== peers.slot)
      .map((slot) =>
        peers.ask(slot, { kind: 'list', list, host: info.host }).then((a) => {
          throwIfFailed(a, `the list of ${list}`);
          return a.kind === 'list' ? a.entries : [];
        }),
      );
    return Promise.all(asks).then((lists) => LISTS[list].reply(ctx, info, body, lists.flat()));
  };
}

/** Answers another thread's query on what this thread holds. */
export function answerPeer(ctx: ThreadContext, query: PeerQuery): PeerAnswer {
  switch (query.kind) {
    case 'route': {
      const reply = OWNED[query.route](ctx, query.info, query.body);
      // The owned routes answer JSON only; anything else is a bug, answered as not found here.
      if (reply.kind !== 'json') return { kind: 'unanswered' };
      return { kind: 'reply', reply: { status: reply.status, contentType: reply.contentType, headers: reply.headers, body: typeof reply.body === 'string' ? reply.body : ownBytes(reply.body), meta: reply.meta } };
    }
    case 'context': {
      const store = conversationsFor(ctx);
      return {
        kind: 'context',
        previousTokens: query.previous === null ? null : store.contextTokens(query.previous),
        items: store.itemsOf(query.refs),
        conversation: query.conversation === null ? null : conversationTurnsById(ctx, query.conversation),
      };
    }
    case 'append':
      return { kind: 'appended', found: appendItemsById(ctx, query.conversation, JSON.parse(query.itemsJson) as ConversationItem[]) };
    case 'list':
      return { kind: 'list', entries: LISTS[query.list].local(ctx, query.host) };
    case 'gemini_cache':
      return { kind: 'gemini_cache', cache: cacheView(ctx, query.name) };
    case 'gemini_files':
      return { kind: 'gemini_files', files: query.ids.map((id) => geminiFileView(ctx, id)) };
    case 'anthropic_files':
      return { kind: 'anthropic_files', files: query.ids.map((id) => anthropicFileView(ctx, id)) };
    case 'openai_files':
      return { kind: 'openai_files', tokens: query.ids.map((id) => openAIFileTokens(ctx, id)) };
    case 'file_content': {
      const content = fileContent(ctx, query.id);
      return { kind: 'file_content', content: content === undefined ? null : ownBytes(content) };
    }
    case 'gemini_file_bytes': {
      const content = geminiFileBytes(ctx, query.name);
      return { kind: 'file_content', content: content === undefined ? null : ownBytes(content) };
    }
    case 'response_stream':
      return streamView(ctx, query.id);
  }
}

/**
 * Bytes that cross threads on their own: a Buffer may be a view of a shared pool or of the
 * thread's scratch memory, and posting a view copies its whole backing store.
 */
function ownBytes(body: Uint8Array): Uint8Array {
  return new Uint8Array(body);
}
