/**
 * Asking the server thread that holds a stored object for it. Ids name their owner
 * (`./owner-ids.ts`); a request that lands on another thread sends the owner a query through the
 * main thread and waits for the answer, so a client finds its responses, conversations and stored
 * completions whichever thread its connection reached, as it would at OpenAI.
 *
 * Only such requests pay the hop: creating, and reading on the creating thread (a keep-alive
 * client's case), stays local. With one thread (`peers` null) everything is local.
 */
import type { RequestInfo } from './http-exchange.js';
import { ownerOf, type IdDigits } from './owner-ids.js';
import type { JsonReply, ReplyMeta } from './reply.js';
import type { ThreadContext } from './thread-context.js';
import type { InputTurn } from './openai/responses-request.js';
import type { StreamView } from './openai/responses-resume.js';

/** Routes on one stored object, answered by the thread that holds it. */
export type OwnedRoute =
  | 'response_get'
  | 'response_delete'
  | 'response_cancel'
  | 'response_input_items'
  | 'conversation_get'
  | 'conversation_update'
  | 'conversation_delete'
  | 'conversation_items_create'
  | 'conversation_items_list'
  | 'conversation_item_get'
  | 'conversation_item_delete'
  | 'chat_get'
  | 'chat_update'
  | 'chat_delete'
  | 'chat_messages'
  | 'gemini_cache_get'
  | 'gemini_cache_update'
  | 'gemini_cache_delete'
  | 'anthropic_batch_get'
  | 'anthropic_batch_cancel'
  | 'anthropic_batch_delete'
  | 'anthropic_batch_results'
  | 'file_get'
  | 'file_content'
  | 'file_delete'
  | 'batch_get'
  | 'batch_cancel'
  | 'gemini_file_get'
  | 'gemini_file_delete'
  | 'gemini_file_download'
  | 'gemini_upload'
  | 'gemini_batch_get'
  | 'gemini_batch_cancel'
  | 'gemini_batch_delete'
  | 'anthropic_file_get'
  | 'anthropic_file_content'
  | 'anthropic_file_delete';

/** A Gemini cached content as a generate request on another thread reads it (`./gemini/caches.ts`). */
export interface GeminiCacheView {
  readonly model: string;
  readonly tokens: number;
  /** The cached request fields, as JSON text. */
  readonly fieldsJson: string;
  /** The tokens of the uploaded files its parts name, by id. */
  readonly fileTokens: readonly (readonly [string, number])[];
}

/** A Gemini uploaded file as a generate request on another thread checks it (`./gemini/files.ts`). */
export interface GeminiFileView {
  /** What a part naming it counts: a text file's tokens, 258 a PDF page, else 258. */
  readonly tokens: number;
}

/** An Anthropic uploaded file as a Messages request on another thread checks it (`./anthropic/files.ts`). */
export interface AnthropicFileView {
  /** What a block naming it counts: a text file's tokens, else the flat media estimate. */
  readonly tokens: number;
  /** Which blocks may name it (an image block an image, a document block a PDF or text). */
  readonly mimeType: string;
  /** null: kept until deleted. */
  readonly expiresAtMs: number | null;
}

/** An entry of a list that gathers every thread's objects: its place in the run's order of stores, and its JSON. */
export interface ListedObject {
  readonly seq: number;
  readonly json: string;
}

/** The lists that gather every thread's objects (stored chat completions, files, batches, Gemini caches). */
export type ListKind = 'chat_completions' | 'files' | 'batches' | 'message_batches' | 'cached_contents' | 'gemini_files' | 'gemini_batches' | 'anthropic_files';

export type PeerQuery =
  /** Answer this request on the object's owner, as if it had arrived there. */
  | { readonly kind: 'route'; readonly route: OwnedRoute; readonly info: RequestInfo; readonly body: string }
  /** What a Responses request continues: a previous response's context, referenced output items, a conversation's items. */
  | { readonly kind: 'context'; readonly previous: string | null; readonly refs: readonly string[]; readonly conversation: string | null }
  /**
   * Add a Responses request's input and output items to a conversation: as JSON text, since the
   * items carry whatever the client nested in them, and a message nested too deep to copy between
   * threads would be lost on the way.
   */
  | { readonly kind: 'append'; readonly conversation: string; readonly itemsJson: string }
  /** The thread's objects of one list, as JSON in the run's order of stores (a message batch names `host` in its results URL). */
  | { readonly kind: 'list'; readonly list: ListKind; readonly host: string }
  /** A Gemini cached content, for a generate request that names it. */
  | { readonly kind: 'gemini_cache'; readonly name: string }
  /** Gemini uploaded files this thread holds, for a generate request whose `fileData` parts name them. */
  | { readonly kind: 'gemini_files'; readonly ids: readonly string[] }
  /** Anthropic uploaded files this thread holds, for a Messages request whose blocks name them. */
  | { readonly kind: 'anthropic_files'; readonly ids: readonly string[] }
  /** OpenAI uploaded files this thread holds, for a chat or Responses request whose file parts name them. */
  | { readonly kind: 'openai_files'; readonly ids: readonly string[] }
  /** An uploaded file's bytes, for a batch on another thread that reads it. */
  | { readonly kind: 'file_content'; readonly id: string }
  /** A Gemini uploaded file's bytes (answered as `file_content`), for a Gemini batch on another thread that reads it. */
  | { readonly kind: 'gemini_file_bytes'; readonly name: string }
  /** A background response's stream plan, for a retrieve with stream=true on another thread, which streams it itself. */
  | { readonly kind: 'response_stream'; readonly id: string };

/** A JSON reply as it crosses threads (a Buffer body arrives as a Uint8Array). */
export interface PeerReply {
  readonly status: number;
  readonly contentType: string;
  readonly headers: readonly string[];
  readonly body: Uint8Array | string;
  readonly meta: ReplyMeta;
}

export type PeerAnswer =
  /** The owner is down (restarting): it holds nothing now. */
  | { readonly kind: 'unanswered' }
  /** The owner did not answer within the wait (too busy): the asker answers a 500, which clients retry. */
  | { readonly kind: 'late' }
  /** The owner failed answering: a body nested too deep for it (the asker's 400), or a bug (its 500). */
  | { readonly kind: 'failed'; readonly reason: 'too_deep' | 'internal' }
  | { readonly kind: 'reply'; readonly reply: PeerReply }
  | {
      readonly kind: 'context';
      /**
       * The input tokens the previous response's whole context counts for (what it continued, its
       * input, its output); null when the owner does not hold it. A count, not the turns: a
       * conversation that crosses threads at every turn would otherwise copy itself each time.
       */
      readonly previousTokens: number | null;
      readonly items: readonly (readonly [string, InputTurn])[];
      /** The conversation's items as turns; null when the owner does not hold it. */
      readonly conversation: readonly InputTurn[] | null;
    }
  | { readonly kind: 'appended'; readonly found: boolean }
  | { readonly kind: 'list'; readonly entries: readonly ListedObject[] }
  | { readonly kind: 'gemini_cache'; readonly cache: GeminiCacheView | null }
  /** One per id asked for, null for a file the thread does not hold. */
  | { readonly kind: 'gemini_files'; readonly files: readonly (GeminiFileView | null)[] }
  | { readonly kind: 'file_content'; readonly content: Uint8Array | null }
  | { readonly kind: 'response_stream'; readonly stream: StreamView }
  /** One per id asked for, null for a file the thread does not hold. */
  | { readonly kind: 'anthropic_files'; readonly files: readonly (AnthropicFileView | null)[] }
  /** The prompt tokens of each file asked for, null for a file the thread does not hold. */
  | { readonly kind: 'openai_files'; readonly tokens: readonly (number | null)[] };

/** The other server threads, as a thread sees them. */
export interface Peers {
  /** This thread's index: the owner its ids name. */
  readonly slot: number;
  readonly threads: number;
  ask(to: number, query: PeerQuery): Promise<PeerAnswer>;
}

/** The owner this thread's ids name (0 without peers). */
export function ownSlot(ctx: ThreadContext): number {
  return ctx.peers?.slot ?? 0;
}

/**
 * The thread holding `id` when that is another thread this one can ask; undefined when it is this
 * one, or no thread's. `digits`: the API's, which the caller knows and the id cannot tell
 * (`./owner-ids.ts`): `'lower'` for Gemini's resource ids, `'mixed'` for the rest.
 */
export function foreignOwner(ctx: ThreadContext, id: string, digits: IdDigits): number | undefined {
  const peers = ctx.peers;
  if (peers === null) return undefined;
  const owner = ownerOf(id, peers.threads, digits);
  return owner === peers.slot ? undefined : owner;
}

/** The reply as the exchange sends it; the body was copied when it crossed threads, so it stays valid. */
export function replyFromPeer(r: PeerReply): JsonReply {
  const body = typeof r.body === 'string' ? r.body : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  return { kind: 'json', status: r.status, contentType: r.contentType, headers: r.headers, body, delayMs: 0, completionTokens: 0, meta: r.meta };
}

/**
 * An answer that is not one: the owner was late or failed. Thrown, so that the request gets its
 * 500 (or, for a body too deep, its 400) as if this thread had failed.
 */
export function throwIfFailed(answer: PeerAnswer, what: string): void {
  if (answer.kind === 'late') throw new Error(`the thread holding ${what} did not answer in time`);
  // The exchange answers a stack overflow as a body nested too deep.
  if (answer.kind === 'failed') throw answer.reason === 'too_deep' ? new RangeError(`Maximum call stack size exceeded answering ${what}`) : new Error(`the thread holding ${what} failed answering`);
}

/** What a Responses request continues that other threads hold (see `gatherForeignState`). */
export interface ForeignState {
  /** The input tokens of the previous response's context, when another thread holds it. */
  readonly previousTokens: number | null;
  /** Referenced output items other threads hold, by id. */
  readonly items: ReadonlyMap<string, InputTurn>;
  /** A conversation another thread holds: its items as turns (null: that thread has no such conversation). */
  readonly conversation: { readonly id: string; readonly owner: number; readonly turns: readonly InputTurn[] | null } | undefined;
}

export const NO_FOREIGN_STATE: ForeignState = { previousTokens: null, items: new Map(), conversation: undefined };

/**
 * Asks the owners of whatever a Responses request continues (`previous_response_id`,
 * `item_reference`s, `conversation`) that another thread holds; undefined when this thread holds
 * all of it, so the request goes on at once.
 */
export function gatherForeignState(ctx: ThreadContext, previous: string | null, refs: readonly string[], conversation: string | null): Promise<ForeignState> | undefined {
  const peers = ctx.peers;
  if (peers === null) return undefined;
  const queries = new Map<number, { previous: string | null; refs: string[]; conversation: string | null }>();
  const queryFor = (owner: number): { previous: string | null; refs: string[]; conversation: string | null } => {
    let q = queries.get(owner);
    if (q === undefined) queries.set(owner, (q = { previous: null, refs: [], conversation: null }));
    return q;
  };
  const previousOwner = previous === null ? undefined : foreignOwner(ctx, previous, 'mixed');
  if (previousOwner !== undefined) queryFor(previousOwner).previous = previous;
  for (const ref of refs) {
    const owner = foreignOwner(ctx, ref, 'mixed');
    if (owner !== undefined) queryFor(owner).refs.push(ref);
  }
  const conversationOwner = conversation === null ? undefined : foreignOwner(ctx, conversation, 'mixed');
  if (conversationOwner !== undefined) queryFor(conversationOwner).conversation = conversation;
  if (queries.size === 0) return undefined;
  return Promise.all([...queries].map(([owner, q]) => peers.ask(owner, { kind: 'context', ...q }).then((answer) => [owner, q, answer] as const))).then((answers) => {
    let previousTokens: number | null = null;
    const items = new Map<string, InputTurn>();
    let foreignConversation: ForeignState['conversation'];
    for (const [owner, q, answer] of answers) {
      throwIfFailed(answer, 'what the request continues');
      const context = answer.kind === 'context' ? answer : null;
      if (q.previous !== null) previousTokens = context?.previousTokens ?? null;
      for (const [id, turn] of context?.items ?? []) items.set(id, turn);
      if (q.conversation !== null) foreignConversation = { id: q.conversation, owner, turns: context?.conversation ?? null };
    }
    return { previousTokens, items, conversation: foreignConversation };
  });
}
