/**
 * What stored responses leave for later requests to build on, so their input tokens count the
 * whole conversation as OpenAI bills it:
 * - `previous_response_id`: the earlier response's context (what it continued, its input, its
 *   output) goes before the new input.
 * - `item_reference`: an earlier output item by id. The Vercel AI SDK sends earlier assistant turns
 *   this way whenever responses are stored (the default), so without this a conversation's later
 *   turns counted only their newest message.
 *
 * Per thread and bounded, like the response store (`./responses-store.ts`). An id this thread does
 * not hold is taken as empty rather than refused: with several threads a client's follow-up may
 * land on another one, and refusing it would break an app that works against OpenAI.
 */
import type { Answer } from '../answer.js';
import type { ThreadContext } from '../thread-context.js';
import type { InputTurn, ResponsesRequest } from './responses-request.js';

/** Responses whose context is kept, and output items kept for reference. */
const MAX_CONTEXTS = 1000;
const MAX_ITEMS = 10_000;

/** A stored output item as later input: its tokens are known, its text is not needed. */
export interface StoredTurn extends InputTurn {
  readonly tokens: number;
}

export class ConversationStore {
  readonly #contexts = new Map<string, readonly InputTurn[]>();
  readonly #items = new Map<string, StoredTurn>();

  /** The request's input as the model reads it: the continued context, then each item, references resolved. */
  resolve(req: ResponsesRequest): readonly InputTurn[] {
    const previous = req.body.previous_response_id;
    const prior = typeof previous === 'string' ? this.#contexts.get(previous) : undefined;
    let turns: InputTurn[] | null = prior === undefined ? null : [...prior];
    for (let i = 0; i < req.turns.length; i++) {
      const t = req.turns[i]!;
      const stored = t.ref === undefined ? undefined : this.#items.get(t.ref);
      if (stored === undefined && turns === null) continue;
      // Copied only once something differs from the request's own items.
      turns ??= req.turns.slice(0, i);
      turns.push(stored ?? t);
    }
    return turns ?? req.turns;
  }

  /** Keeps a stored response's context and its output items (`[item id, turn]`). */
  record(responseId: string, context: readonly InputTurn[], items: readonly (readonly [string, StoredTurn])[]): void {
    const whole = [...context];
    for (const [id, turn] of items) {
      whole.push(turn);
      this.#items.delete(id);
      this.#items.set(id, turn);
    }
    this.#contexts.delete(responseId);
    this.#contexts.set(responseId, whole);
    while (this.#contexts.size > MAX_CONTEXTS) this.#contexts.delete(this.#contexts.keys().next().value!);
    while (this.#items.size > MAX_ITEMS) this.#items.delete(this.#items.keys().next().value!);
  }
}

/** The output items of `answer` as later input: the message, each function call, a reasoning item (counted as nothing, as OpenAI drops earlier reasoning). */
export function outputTurns(answer: Answer, ids: { readonly messageId: string; readonly callItemIds: readonly string[]; readonly reasoningItemId: string | null }): [string, StoredTurn][] {
  const out: [string, StoredTurn][] = [];
  if (ids.reasoningItemId !== null) out.push([ids.reasoningItemId, { type: 'reasoning', text: '', mediaTokens: 0, ref: ids.reasoningItemId, tokens: 0 }]);
  if (answer.contentCount > 0) out.push([ids.messageId, { type: 'message', text: '', mediaTokens: 0, ref: ids.messageId, tokens: answer.contentCount }]);
  answer.toolCalls.forEach((call, k) => {
    const id = ids.callItemIds[k]!;
    // The call's name and arguments, as a function_call input item counts them.
    out.push([id, { type: 'function_call', text: call.name, mediaTokens: 0, ref: id, tokens: call.count }]);
  });
  return out;
}

const stores = new WeakMap<ThreadContext, ConversationStore>();

export function conversationsFor(ctx: ThreadContext): ConversationStore {
  let store = stores.get(ctx);
  if (store === undefined) {
    store = new ConversationStore();
    stores.set(ctx, store);
  }
  return store;
}
