/**
 * Stopping an open stream from outside it: a background Responses stream ends when its response is
 * cancelled (`./openai/responses.ts`), on whichever thread the stream runs. The cancel reaches the
 * thread that holds the response (decision 0012), but a resumed stream may run on another one, so
 * the mark is a word of shared memory that every thread reads, and a stream reads it once per
 * event: no message per stream, and nothing on the streams of responses that are not background.
 */

/** Slots of the shared table; a token's slot is its value modulo this. */
export const CANCEL_SLOTS = 4096;
/** Bytes the table takes: a counter of tokens drawn, then a word per slot. */
export const CANCEL_TABLE_BYTES = 4 * (1 + CANCEL_SLOTS);

/**
 * Which stoppable things have been stopped, across threads. Each gets a run-wide token when it
 * starts; a stop writes the token into its slot, and a reader compares. A newer token sharing the
 * slot (4,096 later) overwrites an old mark: by then the streams of the old one have read it at
 * their next event, or finished.
 */
export class StopMarks {
  readonly #words: Int32Array;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.#words = new Int32Array(buffer, byteOffset, 1 + CANCEL_SLOTS);
  }

  /** A fresh token, never 0 (0 is an unmarked slot). */
  draw(): number {
    const t = (Atomics.add(this.#words, 0, 1) + 1) | 0;
    return t === 0 ? this.draw() : t;
  }

  mark(token: number): void {
    Atomics.store(this.#words, 1 + ((token >>> 0) % CANCEL_SLOTS), token);
  }

  isMarked(token: number): boolean {
    return Atomics.load(this.#words, 1 + ((token >>> 0) % CANCEL_SLOTS)) === token;
  }
}

/**
 * A stream that ends early once `token` is marked: at its next event, the writer sends `frame`,
 * the stream's next sequence number, then `end`, and closes the stream as finished.
 */
export class StreamStop {
  readonly marks: StopMarks;
  readonly token: number;
  readonly frame: Buffer;
  readonly end: Buffer;

  constructor(marks: StopMarks, token: number, frame: Buffer, end: Buffer) {
    this.marks = marks;
    this.token = token;
    this.frame = frame;
    this.end = end;
  }
}
