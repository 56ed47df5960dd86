/**
 * A server thread's batches of one API (Anthropic's message batches, Gemini's batches), bounded
 * in number and in the bytes of their answers. Past the byte budget the oldest ended batches go;
 * a batch still processing is never dropped for bytes, since its client is waiting for it (what
 * bounds running batches is each API's own limit on the requests they hold).
 */

/** What the registry reads of a batch. */
export interface RegisteredBatch {
  readonly id: string;
  /** When processing ended; null while it runs. */
  readonly endedMs: number | null;
  /** The bytes of its answers, as counted by `grow`. */
  bytes: number;
  /** Its requests not yet answered; set to null when it is dropped, which stops its answering. */
  pending: unknown[] | null;
}

export class BatchRegistry<B extends RegisteredBatch> {
  readonly #byId = new Map<string, B>();
  readonly #maxBatches: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBatches: number, maxBytes: number) {
    this.#maxBatches = maxBatches;
    this.#maxBytes = maxBytes;
  }

  add(b: B): void {
    this.#byId.set(b.id, b);
    while (this.#byId.size > this.#maxBatches) this.delete(this.#byId.keys().next().value!);
  }

  get(id: string): B | undefined {
    return this.#byId.get(id);
  }

  /** Counts a batch's answer bytes; past the budget the oldest ended batches go. */
  grow(b: B, bytes: number): void {
    b.bytes += bytes;
    this.#bytes += bytes;
    for (const [id, other] of this.#byId) {
      if (this.#bytes <= this.#maxBytes) break;
      if (id !== b.id && other.endedMs !== null) this.delete(id);
    }
  }

  delete(id: string): boolean {
    const b = this.#byId.get(id);
    if (b === undefined) return false;
    this.#bytes -= b.bytes;
    b.pending = null;
    return this.#byId.delete(id);
  }

  all(): B[] {
    return [...this.#byId.values()];
  }

  values(): IterableIterator<B> {
    return this.#byId.values();
  }
}
