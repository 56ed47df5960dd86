/**
 * What stored responses leave for later requests to build on, so their input tokens count the
 * whole conversation as OpenAI bills it:
 * - `previous_response_id`: the earlier response's context (what it continued, its input, its
 *   output) goes before the new input.
 * - `item_reference`: an earlier output item by id. The Vercel AI SDK sends earlier assistant turns
 *   this way whenever responses are stored (the default), so without this a conversation's later
 *   turns counted only their newest message.
 *
 * Per thread and bounded, like the response store (`./responses-store.ts`). Another thread's
 * responses and items come from their owner (`../peers.ts`) as `ForeignState`. An id no thread
 * holds (evicted from these bounded maps, or from an earlier run) is taken as empty rather than
 * refused: OpenAI keeps responses for 30 days, and refusing it would break an app that works
 * against OpenAI.
 */
import type { Answer } from '../answer.js';
import { countTokens } from '../../corpus/tokens.js';
import { sourceSlice } from '../stream-plan.js';
import { perThread } from '../thread-context.js';
import { NO_FOREIGN_STATE, type ForeignState } from '../peers.js';
import type { InputTurn, ResponsesRequest } from './responses-request.js';

/** Responses whose context is kept, and output items kept for reference. */
const MAX_CONTEXTS = 1000;
const MAX_ITEMS = 10_000;

/** A stored output item as later input. */
export type StoredTurn = InputTurn;

/**
 * A stored response's part of a conversation: its own input and output, and the context it
 * continued. Each response keeps only its own turns, so a conversation of n turns holds n turns,
 * not n² (copying the whole context into each response did).
 */
interface Context {
  readonly parent: Context | null;
  readonly turns: readonly InputTurn[];
}

/** A request's input, references resolved: all of it as the model reads it, and its own part. */
export interface ResolvedInput {
  readonly all: readonly InputTurn[];
  readonly own: readonly InputTurn[];
  readonly parent: Context | null;
}

export class ConversationStore {
  readonly #contexts = new Map<string, Context>();
  readonly #items = new Map<string, StoredTurn>();

  resolve(req: ResponsesRequest, foreign: ForeignState = NO_FOREIGN_STATE): ResolvedInput {
    const previous = req.body.previous_response_id;
    const parent = typeof previous === 'string' ? (this.#contexts.get(previous) ?? foreignContext(foreign.previousTokens)) : null;
    let own: InputTurn[] | null = null;
    for (let i = 0; i < req.turns.length; i++) {
      const t = req.turns[i]!;
      const stored = t.ref === undefined ? undefined : (this.#items.get(t.ref) ?? foreign.items.get(t.ref));
      if (stored === undefined && own === null) continue;
      // Copied only once something differs from the request's own items.
      own ??= req.turns.slice(0, i);
      own.push(stored ?? t);
    }
    const mine = own ?? req.turns;
    if (parent === null) return { all: mine, own: mine, parent };
    return { all: [...flatten(parent), ...mine], own: mine, parent };
  }

  /** The input tokens a stored response's whole context counts for (what it continued, its input, its output), for another thread; null when not held. */
  contextTokens(responseId: string): number | null {
    const c = this.#contexts.get(responseId);
    return c === undefined ? null : this.#chainTokens(c);
  }

  /** Each context's chain total, once counted: a chain asked for turn after turn is counted once. */
  readonly #tokens = new WeakMap<Context, number>();

  #chainTokens(context: Context): number {
    const uncounted: Context[] = [];
    let c: Context | null = context;
    for (; c !== null && !this.#tokens.has(c); c = c.parent) uncounted.push(c);
    let total = c === null ? 0 : this.#tokens.get(c)!;
    for (let i = uncounted.length - 1; i >= 0; i--) {
      for (const t of uncounted[i]!.turns) total += turnTokens(t);
      this.#tokens.set(uncounted[i]!, total);
    }
    return total;
  }

  /** The stored output items among `ids`, for another thread. */
  itemsOf(ids: readonly string[]): [string, StoredTurn][] {
    return ids.flatMap((id): [string, StoredTurn][] => {
      const turn = this.#items.get(id);
      return turn === undefined ? [] : [[id, turn]];
    });
  }

  /** Keeps a stored response's part of the conversation and its output items (`[item id, turn]`). */
  record(responseId: string, input: ResolvedInput, items: readonly (readonly [string, StoredTurn])[]): void {
    const turns = [...input.own];
    for (const [id, turn] of items) {
      turns.push(turn);
      this.#items.delete(id);
      this.#items.set(id, turn);
    }
    this.#contexts.delete(responseId);
    this.#contexts.set(responseId, { parent: input.parent, turns });
    while (this.#contexts.size > MAX_CONTEXTS) this.#contexts.delete(this.#contexts.keys().next().value!);
    while (this.#items.size > MAX_ITEMS) this.#items.delete(this.#items.keys().next().value!);
  }
}

/** Input tokens one turn counts for: ~3 of framing, its text (or known count), its images. */
export function turnTokens(t: InputTurn): number {
  return 3 + (t.tokens ?? countTokens(t.text)) + t.mediaTokens;
}

/**
 * Another thread's context, as one turn of the tokens it counts for: its own turns stay with it,
 * so a conversation that crosses threads at every turn does not copy itself each time.
 */
function foreignContext(tokens: number | null): Context | null {
  if (tokens === null) return null;
  return { parent: null, turns: tokens >= 3 ? [{ type: 'context', text: '', mediaTokens: 0, tokens: tokens - 3 }] : [] };
}

/** A context's turns and its ancestors', oldest first. */
function flatten(context: Context | null): InputTurn[] {
  const chain: (readonly InputTurn[])[] = [];
  for (let c = context; c !== null; c = c.parent) chain.push(c.turns);
  return chain.reverse().flat();
}

/** The output items of `answer` as later input: the message, each function call, a reasoning item (counted as nothing, as OpenAI drops earlier reasoning). */
export function outputTurns(answer: Answer, ids: { readonly messageId: string; readonly callItemIds: readonly string[]; readonly reasoningItemId: string | null }): [string, StoredTurn][] {
  const out: [string, StoredTurn][] = [];
  if (ids.reasoningItemId !== null) out.push([ids.reasoningItemId, { type: 'reasoning', text: '', mediaTokens: 0, ref: ids.reasoningItemId, tokens: 0 }]);
  if (answer.contentCount > 0) out.push([ids.messageId, { type: 'message', text: '', mediaTokens: 0, ref: ids.messageId, tokens: answer.contentCount }]);
  answer.toolCalls.forEach((call, k) => {
    const id = ids.callItemIds[k]!;
    // Counted from its text, the name and arguments, as the same function_call item sent inline is.
    const args = JSON.parse(`"${sourceSlice(call.args, call.count).toString('utf8')}"`) as string;
    out.push([id, { type: 'function_call', text: `${call.name}\n${args}`, mediaTokens: 0, ref: id }]);
  });
  return out;
}

export const conversationsFor = perThread(() => new ConversationStore());
