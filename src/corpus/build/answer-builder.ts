/**
 * Assembles an answer from blocks (paragraphs, lists, code) up to a target token count, and
 * records what the answer contains as tags. Blocks are counted one at a time as they are added;
 * the sum can differ from the joined text's count by a token or two at block seams, which is well
 * inside the slack the composers allow.
 */
import { countTokens } from '../tokens.js';

/** Blocks are separated by a blank line, as in markdown. */
const BLOCK_SEPARATOR = '\n\n';

/** A finished piece of output text and the tags that describe it. */
export interface Composition {
  readonly text: string;
  readonly tags: readonly string[];
}

export class AnswerBuilder {
  readonly targetTokens: number;
  #blocks: string[];
  #usedTokens: number;
  #tags: Set<string>;

  constructor(targetTokens: number) {
    this.targetTokens = targetTokens;
    this.#blocks = [];
    this.#usedTokens = 0;
    this.#tags = new Set();
  }

  get usedTokens(): number {
    return this.#usedTokens;
  }

  get remainingTokens(): number {
    return this.targetTokens - this.#usedTokens;
  }

  /** True while the target has not been reached. */
  get open(): boolean {
    return this.#usedTokens < this.targetTokens;
  }

  /** Token cost of `block` once added, its separator included. */
  costOf(block: string): number {
    return countTokens(this.#blocks.length === 0 ? block : BLOCK_SEPARATOR + block);
  }

  add(block: string, ...tags: string[]): void {
    this.#commit(block, this.costOf(block), tags);
  }

  /** Adds `block` only if it fits within the target plus `slackTokens`; returns whether it did. */
  tryAdd(block: string, slackTokens: number, ...tags: string[]): boolean {
    const cost = this.costOf(block);
    if (this.#usedTokens + cost > this.targetTokens + slackTokens) return false;
    this.#commit(block, cost, tags);
    return true;
  }

  tag(...tags: string[]): void {
    for (const t of tags) this.#tags.add(t);
  }

  finish(): Composition {
    return { text: this.#blocks.join(BLOCK_SEPARATOR), tags: [...this.#tags].sort() };
  }

  #commit(block: string, cost: number, tags: readonly string[]): void {
    this.#usedTokens += cost;
    this.#blocks.push(block);
    for (const t of tags) this.#tags.add(t);
  }
}
