/**
 * The Conversations API (`/v1/conversations`): a conversation holds items (messages, function
 * calls and their outputs, reasoning) that a Responses request with `conversation` reads as its
 * earlier input and adds its own input and output to. The OpenAI Agents SDK's
 * `OpenAIConversationsSession` keeps a run's history here; without these routes it failed with 404.
 *
 * Per thread and bounded, like the response store. A conversation's id names the thread that
 * holds it, and a request for it on another thread is answered there (`../peers.ts`). A
 * conversation keeps at most `MAX_ITEMS` items (the oldest go), and a thread `MAX_CONVERSATIONS`
 * conversations and `MAX_BYTES` of items (the least recently created conversations go first).
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import { TOO_DEEP_MESSAGE, type RequestInfo } from '../http-exchange.js';
import { nestedDeeperThan } from '../json-depth.js';
import type { Reply } from '../reply.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import { randomId } from '../answer.js';
import { ownedId } from '../owner-ids.js';
import { ownSlot } from '../peers.js';
import { bodyNotObject, invalidRequest, INVALID_JSON, type OpenAIError } from './errors.js';
import { metadataOf, requiredMetadataOf } from './metadata.js';
import { checkOpenAIAuth, JSON_TYPE, openAIErrorReply, openAIHeaders, requestIdFor } from './reply.js';
import { parseItem, type InputTurn } from './responses-request.js';
import type { SeededRandom } from '../../timing/random.js';
import { safeDecode } from '../path-segment.js';

const MAX_CONVERSATIONS = 1000;
const MAX_ITEMS = 1000;
/** Items a thread keeps, by their JSON size: a client can send 8 MiB of items per request. */
const MAX_BYTES = 64 * 1024 * 1024;
/** Items one create call may add, as the API allows. */
const MAX_ITEMS_PER_CALL = 20;
/**
 * Deepest nesting an item a conversation keeps may have. Every listing serializes the items again
 * (`../json-depth.ts` gives the cost: tens of ms per item nested 10,000 deep), so a client that
 * nested its items that deep made each list of its conversation stall the thread that holds it;
 * no real item nests past a few levels. Deeper is the 400 for a body nested too deep.
 */
const MAX_ITEM_DEPTH = 1000;

/** The 400 for items nested past `MAX_ITEM_DEPTH`, or undefined: checked before anything is added. */
export function itemsTooDeep(items: unknown): OpenAIError | undefined {
  return nestedDeeperThan(items, MAX_ITEM_DEPTH + 1) ? invalidRequest(TOO_DEEP_MESSAGE, null, null) : undefined;
}

/** An item as the API returns it: with its id and status. */
export type ConversationItem = Readonly<Record<string, unknown>> & { readonly id: string; readonly type: string };

export interface Conversation {
  readonly id: string;
  readonly createdAt: number;
  metadata: Readonly<Record<string, string>>;
  readonly items: ConversationItem[];
  /** The JSON size of `items`, for the thread's byte budget. */
  bytes: number;
}

class ConversationRegistry {
  readonly #byId = new Map<string, Conversation>();
  #bytes = 0;

  create(id: string, metadata: Readonly<Record<string, string>>): Conversation {
    const c: Conversation = { id, createdAt: Math.floor(Date.now() / 1000), metadata, items: [], bytes: 0 };
    this.#byId.set(id, c);
    if (this.#byId.size > MAX_CONVERSATIONS) this.delete(this.#byId.keys().next().value!);
    return c;
  }

  get(id: string): Conversation | undefined {
    return this.#byId.get(id);
  }

  delete(id: string): boolean {
    const c = this.#byId.get(id);
    if (c === undefined) return false;
    this.#bytes -= c.bytes;
    return this.#byId.delete(id);
  }

  /** Adds items to a conversation: its oldest go past `MAX_ITEMS`, the oldest conversations past the byte budget. */
  append(c: Conversation, items: readonly ConversationItem[]): void {
    // Sized before any is added: an item nested too deep to serialize throws here, and must not
    // stay in the conversation to fail every later listing of it.
    const sizes = items.map((item) => JSON.stringify(item).length);
    items.forEach((item, i) => {
      c.items.push(item);
      c.bytes += sizes[i]!;
      this.#bytes += sizes[i]!;
    });
    if (c.items.length > MAX_ITEMS) this.#drop(c, c.items.length - MAX_ITEMS);
    while (this.#bytes > MAX_BYTES && this.#byId.size > 1) {
      const oldest = this.#byId.keys().next().value!;
      if (oldest === c.id) break;
      this.delete(oldest);
    }
    // One conversation past the budget by itself keeps only its newest items.
    while (this.#bytes > MAX_BYTES && c.items.length > 1) this.#drop(c, 1);
  }

  /** Removes the item at `at`. */
  remove(c: Conversation, at: number): void {
    const [item] = c.items.splice(at, 1);
    const size = JSON.stringify(item).length;
    c.bytes -= size;
    this.#bytes -= size;
  }

  #drop(c: Conversation, count: number): void {
    for (let i = 0; i < count; i++) this.remove(c, 0);
  }
}

const registryFor = perThread(() => new ConversationRegistry());

/** Adds items to a conversation (see `ConversationRegistry.append`). */
export function appendItems(ctx: ThreadContext, c: Conversation, items: readonly ConversationItem[]): void {
  registryFor(ctx).append(c, items);
}

/** Id prefixes by item type; a Map, so that a client's `"constructor"` type finds nothing. */
const ITEM_PREFIX: ReadonlyMap<string, string> = new Map([
  ['message', 'msg_'],
  ['function_call', 'fc_'],
  ['function_call_output', 'fco_'],
  ['reasoning', 'rs_'],
]);

/**
 * An input item as the conversation stores it: an id (kept when the item has one), `status`, and
 * message content as parts (`input_text` for the user, system and developer, `output_text` for
 * the assistant), as the API lists them.
 */
export function storedItem(raw: Record<string, unknown>, rng: SeededRandom): ConversationItem {
  const type = typeof raw.type === 'string' ? raw.type : 'message';
  const id = typeof raw.id === 'string' ? raw.id : randomId(rng, ITEM_PREFIX.get(type) ?? 'item_', 48);
  if (type !== 'message') return { ...raw, id, type, status: 'completed' };
  const role = typeof raw.role === 'string' ? raw.role : 'user';
  const content = typeof raw.content === 'string' ? [role === 'assistant' ? { type: 'output_text', text: raw.content, annotations: [], logprobs: [] } : { type: 'input_text', text: raw.content }] : raw.content;
  return { id, type, status: 'completed', role, content };
}

/** The id a Responses request's `conversation` names (a string or `{ id }`), or undefined. */
export function conversationIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return undefined;
}

export const conversationNotFound = (id: string): OpenAIError => ({ status: 404, message: `Conversation with id '${id}' not found.`, type: 'invalid_request_error', param: null, code: null });

/** The conversation a Responses request continues, or its 404; undefined when it names none. */
export function conversationFor(ctx: ThreadContext, value: unknown): Conversation | OpenAIError | undefined {
  const id = conversationIdOf(value);
  if (id === undefined) return undefined;
  return registryFor(ctx).get(id) ?? conversationNotFound(id);
}

/** A conversation's items as turns, for a Responses request on another thread; null when this thread has no such conversation. */
export function conversationTurnsById(ctx: ThreadContext, id: string): InputTurn[] | null {
  const c = registryFor(ctx).get(id);
  return c === undefined ? null : conversationTurns(c);
}

/** Adds a Responses request's items (made on another thread) to a conversation; false when this thread has no such conversation. */
export function appendItemsById(ctx: ThreadContext, id: string, items: readonly ConversationItem[]): boolean {
  const registry = registryFor(ctx);
  const c = registry.get(id);
  if (c !== undefined) registry.append(c, items);
  return c !== undefined;
}

/** A conversation's items as the input turns they count as. */
export function conversationTurns(c: Conversation): InputTurn[] {
  const turns: InputTurn[] = [];
  c.items.forEach((item, i) => {
    const turn = parseItem(item, i);
    if (!isError(turn)) turns.push(turn);
  });
  return turns;
}

const conversationObject = (c: Conversation): string => JSON.stringify({ id: c.id, object: 'conversation', created_at: c.createdAt, metadata: c.metadata });

function list(items: readonly { readonly id: string }[], hasMore: boolean): string {
  return JSON.stringify({ object: 'list', data: items, first_id: items[0]?.id ?? null, last_id: items[items.length - 1]?.id ?? null, has_more: hasMore });
}

/**
 * One page of a list, as OpenAI's cursor lists page (conversation items, a response's input items,
 * stored chat completions): `limit` (1–100, default 20) entries after `after`, in `order` (`asc`
 * or `desc`, else `defaultOrder`).
 */
export function itemPage(items: readonly { readonly id: string }[], query: string, defaultOrder: 'asc' | 'desc'): string {
  const q = new URLSearchParams(query);
  const limit = Math.min(100, Math.max(1, Number(q.get('limit') ?? 20) || 20));
  const order = q.get('order');
  const ordered = (order === 'asc' || order === 'desc' ? order : defaultOrder) === 'asc' ? items : [...items].reverse();
  const after = q.get('after');
  const from = after === null ? 0 : ordered.findIndex((item) => item.id === after) + 1;
  return list(ordered.slice(from, from + limit), from + limit < ordered.length);
}

/**
 * The body of a create, an update or an items create, parsed as every OpenAI POST route parses
 * one (a blank body is not JSON); the other operations have none to read.
 */
function parseJson(body: string, op: Op): { ok: true; value: unknown } | { ok: false } {
  if (op !== 'create' && op !== 'update' && op !== 'items_create') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Validates items to add, each as a Responses input item: a create's optional `items`, or the
 * `items` an items create requires (`ItemCreateParams`).
 */
function itemsToAdd(value: unknown, rng: SeededRandom, required: boolean): ConversationItem[] | OpenAIError {
  if (required && value === undefined) return invalidRequest("Missing required parameter: 'items'.", 'items', 'missing_required_parameter');
  if (!required && (value === undefined || value === null)) return [];
  if (!Array.isArray(value)) return invalidRequest("Invalid type for 'items': expected an array.", 'items', 'invalid_type');
  if (value.length > MAX_ITEMS_PER_CALL) return invalidRequest(`Invalid 'items': array too long. Expected an array with maximum length ${MAX_ITEMS_PER_CALL}, but got an array with length ${value.length} instead.`, 'items', 'array_above_max_length');
  const tooDeep = itemsTooDeep(value);
  if (tooDeep !== undefined) return tooDeep;
  const out: ConversationItem[] = [];
  for (let i = 0; i < value.length; i++) {
    const raw: unknown = value[i];
    const checked = parseItem(raw, i);
    if (isError(checked)) return { ...checked, param: checked.param?.replace(/^input/, 'items') ?? 'items' };
    out.push(storedItem(raw as Record<string, unknown>, rng));
  }
  return out;
}

const isError = (x: InputTurn | OpenAIError): x is OpenAIError => 'status' in x;

/**
 * Every `/v1/conversations…` request: `params` are the path's conversation id and item id, when
 * the route has them. Create, retrieve, update (metadata), delete; items create, list (`limit`,
 * `order`, `after`), retrieve and delete.
 */
type Op = 'create' | 'get' | 'update' | 'delete' | 'items_create' | 'items_list' | 'item_get' | 'item_delete';

export function conversationsRequest(ctx: ThreadContext, info: RequestInfo, body: string, op: Op): Reply {
  const route = 'conversations';
  const rng = ctx.requestRng(undefined, '');
  const requestId = requestIdFor(info, rng);
  const fail = (e: OpenAIError, kind: 'invalid_request' | 'not_found' | 'invalid_json' | 'authentication'): Reply => openAIErrorReply(requestId, route, e, kind, OTHER_MODEL);
  const ok = (json: string): Reply => ({ kind: 'json', status: 200, contentType: JSON_TYPE, headers: openAIHeaders(requestId, 0), body: json, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } });
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return fail(authError, 'authentication');
  const parsed = parseJson(body, op);
  if (!parsed.ok) return fail(INVALID_JSON, 'invalid_json');
  const notObject = bodyNotObject(parsed.value);
  if (notObject) return fail(notObject, 'invalid_request');
  const input = parsed.value as Record<string, unknown>;
  const registry = registryFor(ctx);

  if (op === 'create') {
    const m = metadataOf(input.metadata);
    if ('error' in m) return fail(m.error, 'invalid_request');
    const items = itemsToAdd(input.items, rng, false);
    if (!Array.isArray(items)) return fail(items, 'invalid_request');
    // The id names this thread, which keeps the conversation (`../owner-ids.ts`).
    const c = registry.create(ownedId(rng, 'conv_', 48, ownSlot(ctx)), m.metadata);
    registry.append(c, items);
    return ok(conversationObject(c));
  }
  const id = safeDecode(info.params[0] ?? '');
  const c = registry.get(id);
  if (c === undefined) return fail(conversationNotFound(id), 'not_found');
  switch (op) {
    case 'get':
      return ok(conversationObject(c));
    case 'update': {
      // An update sets only metadata, so it must send it (`ConversationUpdateParams`); null clears it.
      const m = requiredMetadataOf(input);
      if ('error' in m) return fail(m.error, 'invalid_request');
      c.metadata = m.metadata;
      return ok(conversationObject(c));
    }
    case 'delete':
      registry.delete(id);
      return ok(JSON.stringify({ id, object: 'conversation.deleted', deleted: true }));
    case 'items_create': {
      const items = itemsToAdd(input.items, rng, true);
      if (!Array.isArray(items)) return fail(items, 'invalid_request');
      registry.append(c, items);
      return ok(list(items, false));
    }
    case 'items_list':
      return ok(itemPage(c.items, info.query, 'desc'));
    case 'item_get':
    case 'item_delete': {
      const itemId = safeDecode(info.params[1] ?? '');
      const at = c.items.findIndex((item) => item.id === itemId);
      if (at < 0) return fail({ status: 404, message: `Item with id '${itemId}' not found.`, type: 'invalid_request_error', param: null, code: null }, 'not_found');
      if (op === 'item_get') return ok(JSON.stringify(c.items[at]));
      registry.remove(c, at);
      return ok(conversationObject(c));
    }
  }
}
