/**
 * A bounded store, least recently used first out: at most `maxEntries` objects and `maxBytes` of
 * them by `sizeOf`. One object larger than the whole budget is not kept. The stored objects of a
 * server thread (responses, files, Gemini caches) are kept this way.
 */
export class BoundedStore<T> {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  /**
   * Insertion order is recency order: a hit moves its entry to the end. Each entry keeps the size
   * it was counted at, so an object that grows between two `put`s (an upload session) is
   * uncounted at its old size, not its new one.
   */
  readonly #entries: Map<string, { readonly body: T; readonly size: number }>;
  #bytes: number;
  readonly #sizeOf: (body: T) => number;

  /** `sizeOf`: the memory a body takes (a string may take two bytes a character). */
  constructor(maxEntries: number, maxBytes: number, sizeOf: (body: T) => number) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
    this.#entries = new Map();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  put(id: string, body: T): void {
    this.delete(id);
    const size = this.#sizeOf(body);
    if (size > this.#maxBytes) return;
    this.#entries.set(id, { body, size });
    this.#bytes += size;
    for (const [oldest, old] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= old.size;
    }
  }

  get(id: string): T | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.body;
  }

  /** Every kept object, least recently used first. */
  *values(): IterableIterator<T> {
    for (const entry of this.#entries.values()) yield entry.body;
  }

  /** The bytes counted now (for tests). */
  get bytes(): number {
    return this.#bytes;
  }

  delete(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    this.#entries.delete(id);
    this.#bytes -= entry.size;
    return true;
  }
}
