/**
 * A bounded store, least recently used first out: at most `maxEntries` objects and `maxBytes` of
 * them by `sizeOf`. One object larger than the whole budget is not kept. The stored objects of a
 * server thread (responses, files, Gemini caches) are kept this way.
 */
export class BoundedStore<T> {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries: Map<string, T>;
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
    this.#entries.set(id, body);
    this.#bytes += size;
    for (const [oldest, old] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= this.#sizeOf(old);
    }
  }

  get(id: string): T | undefined {
    const body = this.#entries.get(id);
    if (body !== undefined) {
      this.#entries.delete(id);
      this.#entries.set(id, body);
    }
    return body;
  }

  /** Every kept object, least recently used first. */
  values(): IterableIterator<T> {
    return this.#entries.values();
  }

  delete(id: string): boolean {
    const body = this.#entries.get(id);
    if (body === undefined) return false;
    this.#entries.delete(id);
    this.#bytes -= this.#sizeOf(body);
    return true;
  }
}
