/**
 * Request counters in shared memory. Each server thread owns one region of a SharedArrayBuffer
 * and is its only writer (plain Float64 adds, no atomics, no message hop); whichever thread
 * serves /metrics sums every region. Label sets are closed (routes, status classes, corpus
 * models), so a hostile client cannot grow them.
 */
export const ROUTES = [
  'chat_completions',
  'responses',
  'responses_get',
  'responses_input_tokens',
  'responses_compact',
  'conversations',
  'completions',
  'embeddings',
  'moderations',
  'files',
  'batches',
  'models',
  'model',
  'azure_chat_completions',
  'azure_embeddings',
  'anthropic_messages',
  'anthropic_count_tokens',
  'anthropic_models',
  'anthropic_batches',
  'anthropic_files',
  'gemini_generate',
  'gemini_stream_generate',
  'gemini_count_tokens',
  'gemini_embed',
  'gemini_models',
  'gemini_caches',
  'gemini_files',
  'gemini_batches',
  'gemini_openai_chat',
  'gemini_openai_embeddings',
  'gemini_openai_models',
  'metrics',
  'health',
  'stats',
  'preflight',
  'unrouted',
] as const;
export type RouteId = (typeof ROUTES)[number];

export const STATUSES = [200, 400, 401, 404, 405, 413, 429, 500, 503, 0] as const;
/** 0 stands for any other status. */
export type StatusBucket = (typeof STATUSES)[number];

export const ERROR_KINDS = [
  'invalid_json',
  'invalid_request',
  'authentication',
  'not_found',
  'method_not_allowed',
  'body_too_large',
  'model_not_found',
  'client_disconnect',
  'stalled_stream',
  'shutting_down',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

import { FAULT_KINDS, type FaultKind } from '../chaos/scenario.js';
import { QUOTA_DIMENSIONS, type QuotaDimension } from '../quota/limits.js';

const ROUTE_INDEX = new Map<RouteId, number>(ROUTES.map((r, i) => [r, i]));
const STATUS_INDEX = new Map<number, number>(STATUSES.map((s, i) => [s, i]));
const ERROR_INDEX = new Map<ErrorKind, number>(ERROR_KINDS.map((e, i) => [e, i]));

/** Model index for requests no corpus model serves (errors, listings): the "(other)" label. */
export const OTHER_MODEL = -1;

/** Region layout, shared by writers and the reader. */
export class CounterLayout {
  /** Corpus model ids plus a last "(other)" label for ids served from a fallback. */
  readonly models: readonly string[];
  readonly requestsBase = 0;
  readonly tokensBase: number;
  readonly errorsBase: number;
  readonly activeStreamsAt: number;
  readonly pausedStreamsAt: number;
  readonly heldRequestsAt: number;
  readonly faultsBase: number;
  readonly quotaBase: number;
  readonly emissionsAt: number;
  readonly lateEmissionsAt: number;
  readonly regionLength: number;

  constructor(corpusModels: readonly string[]) {
    this.models = [...corpusModels, '(other)'];
    const M = this.models.length;
    this.tokensBase = ROUTES.length * STATUSES.length * M;
    this.errorsBase = this.tokensBase + M;
    this.activeStreamsAt = this.errorsBase + ERROR_KINDS.length;
    this.pausedStreamsAt = this.activeStreamsAt + 1;
    this.heldRequestsAt = this.pausedStreamsAt + 1;
    this.faultsBase = this.heldRequestsAt + 1;
    this.quotaBase = this.faultsBase + FAULT_KINDS.length;
    this.emissionsAt = this.quotaBase + QUOTA_DIMENSIONS.length;
    this.lateEmissionsAt = this.emissionsAt + 1;
    this.regionLength = this.lateEmissionsAt + 1;
  }

  static allocate(layout: CounterLayout, regions: number): SharedArrayBuffer {
    return new SharedArrayBuffer(layout.regionLength * regions * 8);
  }
}

/** One thread's writer over its region. */
export class CounterWriter {
  readonly #cells: Float64Array;
  readonly #layout: CounterLayout;
  readonly #modelIndex: Map<string, number>;
  readonly #lateMs: number;
  readonly #emissionsAt: number;
  readonly #lateAt: number;

  /** `lateMs`: a timed write later than this counts as late (config `lateEmissionMs`). */
  constructor(sab: SharedArrayBuffer, layout: CounterLayout, region: number, lateMs: number) {
    this.#cells = new Float64Array(sab, region * layout.regionLength * 8, layout.regionLength);
    this.#layout = layout;
    this.#lateMs = lateMs;
    this.#emissionsAt = layout.emissionsAt;
    this.#lateAt = layout.lateEmissionsAt;
    this.#modelIndex = new Map(layout.models.map((m, i) => [m, i]));
  }

  /** Index of a model label; unknown ids share the "(other)" label. */
  modelIndex(model: string): number {
    return this.#modelIndex.get(model) ?? this.#layout.models.length - 1;
  }

  /** `modelIndex` is from `modelIndex()`, or OTHER_MODEL when no corpus model applies. */
  request(route: RouteId, status: number, modelIndex: number): void {
    const s = STATUS_INDEX.get(status) ?? STATUSES.length - 1;
    const r = ROUTE_INDEX.get(route)!;
    const m = modelIndex < 0 ? this.#layout.models.length - 1 : modelIndex;
    this.#cells[(r * STATUSES.length + s) * this.#layout.models.length + m]! += 1;
  }

  tokensOut(modelIndex: number, n: number): void {
    this.#cells[this.#layout.tokensBase + (modelIndex < 0 ? this.#layout.models.length - 1 : modelIndex)]! += n;
  }

  error(kind: ErrorKind): void {
    this.#cells[this.#layout.errorsBase + ERROR_INDEX.get(kind)!]! += 1;
  }

  activeStreams(delta: number): void {
    this.#cells[this.#layout.activeStreamsAt]! += delta;
  }

  faultInjected(kind: FaultKind): void {
    this.#cells[this.#layout.faultsBase + FAULT_KINDS.indexOf(kind)]! += 1;
  }

  quotaRejected(dimension: QuotaDimension): void {
    this.#cells[this.#layout.quotaBase + QUOTA_DIMENSIONS.indexOf(dimension)]! += 1;
  }

  /**
   * One timed write (an SSE event or a held reply) that went out `lagMs` after its scheduled time.
   * Runs per event beside the lag histogram; the main thread's fidelity watch reads these two cells
   * without asking the threads for their histograms.
   */
  emission(lagMs: number): void {
    this.#cells[this.#emissionsAt]! += 1;
    if (lagMs > this.#lateMs) this.#cells[this.#lateAt]! += 1;
  }

  /** Streams paused because their reader is slower than the stream. */
  pausedStreams(delta: number): void {
    this.#cells[this.#layout.pausedStreamsAt]! += delta;
  }

  /** Requests a chaos fault holds before any response byte (timeout_no_answer, timeout_slow_answer). */
  heldRequests(delta: number): void {
    this.#cells[this.#layout.heldRequestsAt]! += delta;
  }
}

export interface CounterSnapshot {
  readonly requests: { route: RouteId; status: number; model: string; value: number }[];
  readonly tokensOut: { model: string; value: number }[];
  readonly errors: { kind: ErrorKind; value: number }[];
  readonly activeStreams: number;
  readonly pausedStreams: number;
  readonly heldRequests: number;
  readonly faults: { kind: FaultKind; value: number }[];
  readonly quotaRejections: { dimension: QuotaDimension; value: number }[];
  /** Timed writes, and those later than `lateEmissionMs`, since the server started. */
  readonly emissions: number;
  readonly lateEmissions: number;
}

/** Timed writes, late ones and open streams, summed over every thread's region: three cells, for the fidelity watch. */
export function readEmissions(sab: SharedArrayBuffer, layout: CounterLayout): { emissions: number; late: number; activeStreams: number; pausedStreams: number } {
  const all = new Float64Array(sab);
  let emissions = 0;
  let late = 0;
  let activeStreams = 0;
  let pausedStreams = 0;
  for (let at = 0; at < all.length; at += layout.regionLength) {
    emissions += all[at + layout.emissionsAt]!;
    late += all[at + layout.lateEmissionsAt]!;
    activeStreams += all[at + layout.activeStreamsAt]!;
    pausedStreams += all[at + layout.pausedStreamsAt]!;
  }
  return { emissions, late, activeStreams, pausedStreams };
}

/** Sums every region; runs on a /metrics scrape, never per request. */
export function readCounters(sab: SharedArrayBuffer, layout: CounterLayout): CounterSnapshot {
  const all = new Float64Array(sab);
  const regions = all.length / layout.regionLength;
  const sum = (i: number): number => {
    let v = 0;
    for (let r = 0; r < regions; r++) v += all[r * layout.regionLength + i]!;
    return v;
  };
  const M = layout.models.length;
  const requests: CounterSnapshot['requests'] = [];
  ROUTES.forEach((route, r) => {
    STATUSES.forEach((status, s) => {
      layout.models.forEach((model, m) => {
        const value = sum((r * STATUSES.length + s) * M + m);
        if (value > 0) requests.push({ route, status, model, value });
      });
    });
  });
  const tokensOut = layout.models.map((model, m) => ({ model, value: sum(layout.tokensBase + m) })).filter((t) => t.value > 0);
  const errors = ERROR_KINDS.map((kind, e) => ({ kind, value: sum(layout.errorsBase + e) }));
  const faults = FAULT_KINDS.map((kind, i) => ({ kind, value: sum(layout.faultsBase + i) }));
  const quotaRejections = QUOTA_DIMENSIONS.map((dimension, i) => ({ dimension, value: sum(layout.quotaBase + i) }));
  return {
    requests,
    tokensOut,
    errors,
    activeStreams: sum(layout.activeStreamsAt),
    pausedStreams: sum(layout.pausedStreamsAt),
    heldRequests: sum(layout.heldRequestsAt),
    faults,
    quotaRejections,
    emissions: sum(layout.emissionsAt),
    lateEmissions: sum(layout.lateEmissionsAt),
  };
}
