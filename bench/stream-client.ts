/**
 * The streaming load generator: raw `node:net` sockets holding N concurrent SSE streams against
 * one port. It ramps up closed-loop: each connection sends its next request as soon as a response
 * ends (HTTP/1.1 keep-alive, so N stays constant without a connect per stream, as SDK connection
 * pools do). `openLoop()` then switches to open-loop arrivals: requests start on a seeded Poisson
 * schedule whatever the server does, on an idle keep-alive connection or a new one, so a server
 * that falls behind faces the same offered load instead of a client that waits for it (the
 * coordinated omission a closed loop has).
 *
 * Per read it does the least it can: every socket reads into one shared buffer (`onread`, no
 * allocation per read) and the body is never parsed. It finds the header block once per
 * response (status, `x-understudy-ttft-ms`, `x-understudy-itl-ms`), then counts SSE events by
 * `\n\n` boundaries and `data:` lines with `Buffer.indexOf`, timestamps the first `data:` line
 * (client TTFT) and every read that carries an event (the gap between the server's writes),
 * reads `completion_tokens` from the usage chunk, and spots the chunked terminator.
 *
 * This file is one state machine per connection (head → waiting for data → data → next
 * request); its size follows from that.
 */
import { connect, type Socket } from 'node:net';
import type * as hdr from 'hdr-histogram-js';
import { SeededRandom } from '../src/timing/random.js';
import { buildHistogram, recordMs, summarize, type Summary } from './percentiles.js';

const HEAD_END = Buffer.from('\r\n\r\n');
const EVENT_END = Buffer.from('\n\n');
const DATA_LINE = Buffer.from('\ndata:');
/** The zero-length chunk that ends a chunked body; SSE JSON never holds a raw CR. */
const BODY_END = Buffer.from('\r\n0\r\n\r\n');
const USAGE_TOKENS = Buffer.from('"completion_tokens":');
/** `x-understudy-ttft-ms` is written with one decimal. */
const TTFT_HEADER_ROUNDING_MS = 0.05;

// Every socket reads into this buffer; a read is fully handled before the next one lands.
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const readViews: (Buffer | undefined)[] = [];

/** `partial` after a count: how many leading bytes of the pattern end the buffer. */
let carry = 0;

/**
 * Counts `pat` in `buf` from `from`, continuing a match of `partial` bytes left by the previous
 * read; leaves the new partial match in `carry`.
 */
function countPattern(buf: Buffer, from: number, pat: Buffer, partial: number): number {
  const end = buf.length;
  let count = 0;
  let pos = from;
  if (partial > 0) {
    const need = pat.length - partial;
    if (end - from >= need) {
      if (buf.compare(pat, partial, pat.length, from, from + need) === 0) {
        count++;
        pos = from + need;
      }
    } else if (buf.compare(pat, partial, partial + (end - from), from, end) === 0) {
      carry = partial + (end - from);
      return 0;
    }
  }
  for (;;) {
    const i = buf.indexOf(pat, pos);
    if (i === -1) break;
    count++;
    pos = i + pat.length;
  }
  carry = 0;
  const max = Math.min(pat.length - 1, end - pos);
  for (let k = max; k > 0; k--) {
    let ok = true;
    for (let j = 0; j < k; j++) {
      if (buf[end - k + j] !== pat[j]) {
        ok = false;
        break;
      }
    }
    if (ok) {
      carry = k;
      break;
    }
  }
  return count;
}

function headerNumber(head: string, name: string): number {
  const at = head.indexOf(`\r\n${name}:`);
  if (at === -1) return Number.NaN;
  const start = at + name.length + 3;
  const stop = head.indexOf('\r\n', start);
  return Number.parseFloat(head.slice(start, stop === -1 ? undefined : stop));
}

type Phase = 'idle' | 'head' | 'waiting' | 'data';

/** One connection and the response on it; every field is set in the constructor. */
class Conn {
  readonly load: StreamLoad;
  socket: Socket | null;
  phase: Phase;
  head: Buffer | null;
  sentAt: number;
  firstAt: number;
  lastAt: number;
  headerTtftMs: number;
  headerItlMs: number;
  tokens: number;
  eventPartial: number;
  dataPartial: number;
  endPartial: number;
  connected: boolean;
  closed: boolean;
  /** A request sent and its response not yet ended. */
  inFlight: boolean;
  /** The stream in flight belongs to the cohort `plannedDuration()` is measuring. */
  cohort: boolean;

  constructor(load: StreamLoad) {
    this.load = load;
    this.socket = null;
    this.phase = 'idle';
    this.head = null;
    this.sentAt = 0;
    this.firstAt = 0;
    this.lastAt = 0;
    this.headerTtftMs = Number.NaN;
    this.headerItlMs = Number.NaN;
    this.tokens = -1;
    this.eventPartial = 0;
    this.dataPartial = 0;
    this.endPartial = 0;
    this.connected = false;
    this.closed = false;
    this.inFlight = false;
    this.cohort = false;
  }

  send(): void {
    this.load.streamStarted(this);
    this.phase = 'head';
    this.head = null;
    this.firstAt = 0;
    this.lastAt = 0;
    this.headerTtftMs = Number.NaN;
    this.headerItlMs = Number.NaN;
    this.tokens = -1;
    this.eventPartial = 0;
    this.dataPartial = 0;
    this.endPartial = 0;
    this.sentAt = performance.now();
    this.socket!.write(this.load.request);
  }

  onRead(n: number): void {
    const view = (readViews[n] ??= READ_BUFFER.subarray(0, n));
    const now = performance.now();
    const load = this.load;
    load.bytes += n;
    let from = 0;
    let buf = view;
    if (this.phase === 'idle') return;
    if (this.phase === 'head') {
      // A header block split across reads is rare: the pieces are joined.
      if (this.head !== null) buf = Buffer.concat([this.head, view]);
      const at = buf.indexOf(HEAD_END);
      if (at === -1) {
        this.head = Buffer.from(buf);
        return;
      }
      this.head = null;
      const head = buf.toString('latin1', 0, at);
      if (!head.startsWith('HTTP/1.1 200')) {
        load.failed(this, 'non200');
        return;
      }
      this.headerTtftMs = headerNumber(head, 'x-understudy-ttft-ms');
      this.headerItlMs = headerNumber(head, 'x-understudy-itl-ms');
      this.phase = 'waiting';
      from = at + HEAD_END.length;
    }
    if (this.phase === 'waiting') {
      // The previous read may have ended inside "\ndata:" (the body's first byte is a lone "\n").
      const rest = DATA_LINE.length - this.dataPartial;
      const continues = this.dataPartial > 0 && buf.length - from >= rest && buf.compare(DATA_LINE, this.dataPartial, DATA_LINE.length, from, from + rest) === 0;
      if (!continues) {
        const i = buf.indexOf(DATA_LINE, from);
        if (i === -1) {
          countPattern(buf, from, DATA_LINE, 0);
          this.dataPartial = carry;
          return;
        }
        from = i;
        this.dataPartial = 0;
      }
      this.phase = 'data';
      this.firstAt = now;
      if (load.recording) {
        recordMs(load.clientTtft, now - this.sentAt);
        if (this.headerTtftMs === this.headerTtftMs) {
          recordMs(load.headerTtft, this.headerTtftMs);
          const excess = now - this.sentAt - this.headerTtftMs;
          recordMs(load.ttftExcess, excess);
          // The header has one decimal: anything earlier than its rounding is a send ahead of plan.
          if (excess < -TTFT_HEADER_ROUNDING_MS) load.ttftEarly++;
        }
      }
    }
    const events = countPattern(buf, from, EVENT_END, this.eventPartial);
    this.eventPartial = carry;
    const lines = countPattern(buf, from, DATA_LINE, this.dataPartial);
    this.dataPartial = carry;
    if (events + lines > 0) {
      if (load.recording) {
        load.events += events;
        load.dataLines += lines;
        if (this.lastAt !== 0) recordMs(load.gap, now - this.lastAt);
      }
      this.lastAt = now;
    }
    if (this.tokens === -1) {
      const u = buf.indexOf(USAGE_TOKENS, from);
      if (u !== -1) this.tokens = Number.parseInt(buf.toString('latin1', u + USAGE_TOKENS.length, Math.min(buf.length, u + USAGE_TOKENS.length + 12)), 10);
    }
    if (countPattern(buf, from, BODY_END, this.endPartial) > 0) {
      this.endPartial = 0;
      load.completed(this);
    } else this.endPartial = carry;
  }
}

export interface StreamLoadOptions {
  readonly port: number;
  /** The whole HTTP request, sent as is for every stream. */
  readonly request: Buffer;
  readonly concurrency: number;
  /** New connections per second while ramping up. */
  readonly rampPerSec: number;
}

/**
 * Seeded Poisson arrivals: exponential gaps of mean 1000 / `ratePerSec` ms, the same sequence for
 * the same seed. What independent users starting requests look like in aggregate.
 */
export class PoissonArrivals {
  readonly ratePerSec: number;
  readonly #rng: SeededRandom;

  constructor(ratePerSec: number, seed: number) {
    if (!(ratePerSec > 0)) throw new RangeError(`arrival rate must be positive, got ${ratePerSec}`);
    this.ratePerSec = ratePerSec;
    this.#rng = new SeededRandom(seed);
  }

  /** Milliseconds from one arrival to the next. */
  nextGapMs(): number {
    return (-Math.log(1 - this.#rng.next()) * 1000) / this.ratePerSec;
  }
}

/** How requests start: when a response ends (closed) or on the arrival schedule (open). */
export type ArrivalMode = 'closed' | 'open';

export interface WindowResult {
  readonly windowMs: number;
  readonly arrivals: ArrivalMode;
  /** Open loop: the scheduled arrival rate. */
  readonly offeredPerSec?: number;
  /** Requests started in the window, per second. */
  readonly startedPerSec: number;
  /** Open loop: arrivals not started because `maxConnections` were all busy. */
  readonly dropped: number;
  /** Streams in flight at the client, averaged over the window (sampled every 10 ms). */
  readonly meanInFlight: number;
  /** SSE events (`\n\n`-terminated) received in the window. */
  readonly events: number;
  readonly dataLines: number;
  readonly eventsPerSec: number;
  readonly bytesPerSec: number;
  readonly streamsCompleted: number;
  readonly streamsPerSec: number;
  readonly errors: number;
  readonly non200: number;
  /** Request written → first `data:` line read. */
  readonly clientTtftMs: Summary;
  /** `x-understudy-ttft-ms`: the TTFT the server meant. */
  readonly headerTtftMs: Summary;
  /** Per stream, client TTFT minus the header's TTFT (an early stream's negative excess is recorded as 0). */
  readonly ttftExcessMs: Summary;
  /**
   * Streams whose first event arrived before the TTFT their header names (by more than the
   * header's rounding): a send ahead of plan, which the excess histogram, clamped at 0, cannot show.
   */
  readonly ttftEarly: number;
  /** Gap between consecutive reads that carry events, per stream: one server write each, 1–2 tokens. */
  readonly eventGapMs: Summary;
  /** Per stream, (last data read − first data read) / (completion tokens − 1). */
  readonly clientItlMs: Summary;
  /** `x-understudy-itl-ms`: the mean inter-token gap the server meant. */
  readonly headerItlMs: Summary;
  /** Share of the window the load generator's event loop was busy (1 = saturated). */
  readonly clientElu: number;
}

export class StreamLoad {
  readonly request: Buffer;
  readonly #opts: StreamLoadOptions;
  readonly #conns: Set<Conn>;
  #connected: number;
  #stopping: boolean;
  #ramp: NodeJS.Timeout | null;
  #onAllClosed: (() => void) | null;
  #windowStart: number;
  #eluStart: EventLoopUtilization;
  /** Open loop: the schedule, the next arrival's time, the arrival timer and the connection cap. */
  #arrivals: PoissonArrivals | null;
  #nextArrivalAt: number;
  #arrivalTimer: NodeJS.Timeout | null;
  #maxConnections: number;
  /** Open loop: connections whose response has ended, ready for the next arrival. */
  readonly #idle: Conn[];
  #sampler: NodeJS.Timeout | null;
  #inFlightSum: number;
  #inFlightSamples: number;
  /** Streams started before this time join the cohort; 0 when none is being taken. */
  #cohortUntil: number;
  #cohortOpen: number;
  #cohortMsSum: number;
  #cohortDone: number;
  #cohortLost: number;
  /** Streams sent and not yet ended. */
  inFlight: number;
  recording: boolean;
  started: number;
  dropped: number;
  events: number;
  dataLines: number;
  bytes: number;
  streamsCompleted: number;
  /** Streams completed since the start, in or out of a window. */
  served: number;
  errors: number;
  non200: number;
  /** See `WindowResult.ttftEarly`. */
  ttftEarly: number;
  readonly clientTtft: hdr.Histogram;
  readonly headerTtft: hdr.Histogram;
  readonly ttftExcess: hdr.Histogram;
  readonly gap: hdr.Histogram;
  readonly clientItl: hdr.Histogram;
  readonly headerItl: hdr.Histogram;

  constructor(opts: StreamLoadOptions) {
    this.request = opts.request;
    this.#opts = opts;
    this.#conns = new Set();
    this.#connected = 0;
    this.#stopping = false;
    this.#ramp = null;
    this.#onAllClosed = null;
    this.#windowStart = 0;
    this.#eluStart = performance.eventLoopUtilization();
    this.#arrivals = null;
    this.#nextArrivalAt = 0;
    this.#arrivalTimer = null;
    this.#maxConnections = opts.concurrency;
    this.#idle = [];
    this.#sampler = null;
    this.#inFlightSum = 0;
    this.#inFlightSamples = 0;
    this.#cohortUntil = 0;
    this.#cohortOpen = 0;
    this.#cohortMsSum = 0;
    this.#cohortDone = 0;
    this.#cohortLost = 0;
    this.inFlight = 0;
    this.recording = false;
    this.started = 0;
    this.dropped = 0;
    this.events = 0;
    this.dataLines = 0;
    this.bytes = 0;
    this.streamsCompleted = 0;
    this.served = 0;
    this.errors = 0;
    this.non200 = 0;
    this.ttftEarly = 0;
    this.clientTtft = buildHistogram();
    this.headerTtft = buildHistogram();
    this.ttftExcess = buildHistogram();
    this.gap = buildHistogram();
    this.clientItl = buildHistogram();
    this.headerItl = buildHistogram();
  }

  get open(): number {
    return this.#conns.size;
  }

  get connected(): number {
    return this.#connected;
  }

  /** Ramps up to the target; resolves once that many sockets are connected (or `timeoutMs` passes). */
  start(timeoutMs: number): Promise<void> {
    const perTick = Math.max(1, Math.round(this.#opts.rampPerSec / 100));
    this.#ramp = setInterval(() => {
      for (let i = 0; i < perTick && this.#conns.size < this.#opts.concurrency; i++) this.#openOne();
      if (this.#conns.size >= this.#opts.concurrency && this.#ramp !== null) {
        clearInterval(this.#ramp);
        this.#ramp = null;
      }
    }, 10);
    const deadline = performance.now() + timeoutMs;
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        if (this.#connected >= this.#opts.concurrency || performance.now() > deadline) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
  }

  #openOne(): void {
    const conn = new Conn(this);
    this.#conns.add(conn);
    const socket = connect({
      host: '127.0.0.1',
      port: this.#opts.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number): boolean => {
          conn.onRead(n);
          return true;
        },
      },
    });
    conn.socket = socket;
    socket.once('connect', () => {
      conn.connected = true;
      this.#connected++;
      if (!this.#stopping) conn.send();
    });
    socket.on('error', () => {
      if (!this.#stopping) this.errors++;
    });
    socket.once('close', () => this.#closed(conn));
  }

  #closed(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    if (conn.connected) this.#connected--;
    this.#conns.delete(conn);
    if (this.#stopping) {
      if (this.#conns.size === 0 && this.#onAllClosed !== null) this.#onAllClosed();
      return;
    }
    if (conn.inFlight) this.#ended(conn);
    // Open loop: the next arrival opens a connection if it needs one.
    if (this.#arrivals !== null) return;
    // A connection the server closed is replaced, after a moment so a refusing server is not spun on.
    setTimeout(() => {
      if (!this.#stopping && this.#conns.size < this.#opts.concurrency) this.#openOne();
    }, 10);
  }

  streamStarted(conn: Conn): void {
    conn.inFlight = true;
    this.inFlight++;
    if (this.recording) this.started++;
    conn.cohort = this.#cohortUntil !== 0 && performance.now() < this.#cohortUntil;
    if (conn.cohort) this.#cohortOpen++;
  }

  #ended(conn: Conn): void {
    conn.inFlight = false;
    this.inFlight--;
    if (conn.cohort) {
      conn.cohort = false;
      this.#cohortOpen--;
      this.#cohortLost++;
    }
  }

  completed(conn: Conn): void {
    if (conn.cohort) {
      conn.cohort = false;
      this.#cohortOpen--;
      // What the server meant the stream to last, from its ground-truth headers and the usage chunk.
      if (conn.headerTtftMs === conn.headerTtftMs && conn.headerItlMs === conn.headerItlMs && conn.tokens > 0) {
        this.#cohortMsSum += conn.headerTtftMs + conn.headerItlMs * (conn.tokens - 1);
        this.#cohortDone++;
      } else this.#cohortLost++;
    }
    this.#ended(conn);
    this.served++;
    if (this.recording) {
      this.streamsCompleted++;
      if (conn.tokens > 1 && conn.lastAt > conn.firstAt) recordMs(this.clientItl, (conn.lastAt - conn.firstAt) / (conn.tokens - 1));
      if (conn.headerItlMs === conn.headerItlMs) recordMs(this.headerItl, conn.headerItlMs);
    }
    if (this.#stopping || this.#arrivals !== null) {
      conn.phase = 'idle';
      if (!this.#stopping) this.#idle.push(conn);
      return;
    }
    conn.send();
  }

  /**
   * The mean duration the server planned for its streams: over every stream started in the next
   * `windowMs` (the cohort), once all of them have ended or `timeoutMs` has passed. Averaging the
   * streams that merely complete within a window would favour short ones.
   */
  async plannedDuration(windowMs: number, timeoutMs: number): Promise<{ meanMs: number; streams: number; lost: number }> {
    this.#cohortMsSum = 0;
    this.#cohortDone = 0;
    this.#cohortLost = 0;
    const start = performance.now();
    this.#cohortUntil = start + windowMs;
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        const now = performance.now();
        if ((now >= this.#cohortUntil && this.#cohortOpen === 0) || now - start > timeoutMs) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    this.#cohortUntil = 0;
    const lost = this.#cohortLost + this.#cohortOpen;
    return { meanMs: this.#cohortDone > 0 ? this.#cohortMsSum / this.#cohortDone : Number.NaN, streams: this.#cohortDone, lost };
  }

  /**
   * Switches to open-loop arrivals at `ratePerSec`, on a Poisson schedule seeded by `seed`. A
   * response that ends leaves its connection idle; each arrival takes an idle connection, or opens
   * one while fewer than `maxConnections` exist, or else counts as dropped.
   */
  openLoop(ratePerSec: number, seed: number, maxConnections: number): void {
    this.#arrivals = new PoissonArrivals(ratePerSec, seed);
    this.#maxConnections = maxConnections;
    this.#nextArrivalAt = performance.now() + this.#arrivals.nextGapMs();
    this.#arrivalTimer = setInterval(() => this.#arrive(), 1);
  }

  #arrive(): void {
    const arrivals = this.#arrivals!;
    const now = performance.now();
    while (this.#nextArrivalAt <= now && !this.#stopping) {
      this.#nextArrivalAt += arrivals.nextGapMs();
      let conn = this.#idle.pop();
      while (conn !== undefined && conn.closed) conn = this.#idle.pop();
      if (conn !== undefined) conn.send();
      else if (this.#conns.size < this.#maxConnections) this.#openOne();
      else if (this.recording) this.dropped++;
    }
  }

  failed(conn: Conn, why: 'non200'): void {
    if (conn.inFlight) this.#ended(conn);
    if (why === 'non200') this.non200++;
    conn.phase = 'idle';
    conn.socket?.destroy();
  }

  beginWindow(): void {
    this.started = 0;
    this.dropped = 0;
    this.#inFlightSum = 0;
    this.#inFlightSamples = 0;
    this.#sampler = setInterval(() => {
      this.#inFlightSum += this.inFlight;
      this.#inFlightSamples++;
    }, 10);
    this.events = 0;
    this.dataLines = 0;
    this.bytes = 0;
    this.streamsCompleted = 0;
    this.errors = 0;
    this.non200 = 0;
    this.ttftEarly = 0;
    for (const h of [this.clientTtft, this.headerTtft, this.ttftExcess, this.gap, this.clientItl, this.headerItl]) h.reset();
    this.#windowStart = performance.now();
    this.#eluStart = performance.eventLoopUtilization();
    this.recording = true;
  }

  endWindow(): WindowResult {
    this.recording = false;
    if (this.#sampler !== null) clearInterval(this.#sampler);
    this.#sampler = null;
    const windowMs = performance.now() - this.#windowStart;
    const perSec = (n: number): number => Math.round((n * 1000) / windowMs);
    return {
      windowMs: Math.round(windowMs),
      arrivals: this.#arrivals === null ? 'closed' : 'open',
      ...(this.#arrivals === null ? {} : { offeredPerSec: this.#arrivals.ratePerSec }),
      startedPerSec: perSec(this.started),
      dropped: this.dropped,
      meanInFlight: this.#inFlightSamples > 0 ? this.#inFlightSum / this.#inFlightSamples : Number.NaN,
      events: this.events,
      dataLines: this.dataLines,
      eventsPerSec: perSec(this.events),
      bytesPerSec: perSec(this.bytes),
      streamsCompleted: this.streamsCompleted,
      streamsPerSec: perSec(this.streamsCompleted),
      errors: this.errors,
      non200: this.non200,
      ttftEarly: this.ttftEarly,
      clientTtftMs: summarize(this.clientTtft),
      headerTtftMs: summarize(this.headerTtft),
      ttftExcessMs: summarize(this.ttftExcess),
      eventGapMs: summarize(this.gap),
      clientItlMs: summarize(this.clientItl),
      headerItlMs: summarize(this.headerItl),
      clientElu: performance.eventLoopUtilization(this.#eluStart).utilization,
    };
  }

  /** Destroys every socket (the server sees client disconnects) and resolves once all are closed. */
  stop(): Promise<void> {
    this.#stopping = true;
    this.recording = false;
    if (this.#ramp !== null) clearInterval(this.#ramp);
    if (this.#arrivalTimer !== null) clearInterval(this.#arrivalTimer);
    this.#arrivalTimer = null;
    if (this.#sampler !== null) clearInterval(this.#sampler);
    this.#sampler = null;
    this.#ramp = null;
    if (this.#conns.size === 0) return Promise.resolve();
    const all = new Promise<void>((resolve) => {
      this.#onAllClosed = resolve;
    });
    for (const c of this.#conns) c.socket?.destroy();
    return all;
  }
}

type EventLoopUtilization = ReturnType<typeof performance.eventLoopUtilization>;

/** An HTTP/1.1 POST with a JSON body, as bytes. */
export function httpPost(port: number, path: string, json: string): Buffer {
  const body = Buffer.from(json);
  const head = `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\nauthorization: Bearer bench\r\ncontent-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
