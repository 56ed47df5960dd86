/**
 * What production does to a request before it is answered: the rate limits (exact across
 * threads), the chaos scenario's faults, and per-request override headers for unit tests. Every
 * surface calls `admit` once it knows the model, key and token counts, and turns a refusal or a
 * fault into its own dialect through `DialectFaults`.
 */
import { decideFaults, NO_FAULTS, type FaultPlan } from '../chaos/decide.js';
import { FAULTS, INJECTED_RETRY_AFTER_MS } from '../chaos/faults.js';
import { FAULT_KINDS, type Dialect, type Fault, type FaultKind } from '../chaos/scenario.js';
import type { RouteId } from '../metrics/counters.js';
import type { OutputHold, QuotaRejection, QuotaRequest } from '../quota/engine.js';
import type { RequestInfo } from './http-exchange.js';
import type { JsonReply, Reply, ReplyMeta, StreamFault } from './reply.js';
import { UNSATURATED } from '../timing/saturation.js';
import { anthropicModelId, servedModelId } from '../corpus/model-catalog.js';
import type { ThreadContext } from './thread-context.js';

export interface PolicyRequest {
  readonly route: RouteId;
  readonly dialect: Dialect;
  readonly model: string;
  readonly apiKey: string;
  readonly info: RequestInfo;
  readonly inputTokens: number;
  readonly maxOutputTokens: number;
  readonly meta: ReplyMeta;
}

/** How a surface answers refusals and faults in its own shape. */
export interface DialectFaults {
  /** 429 for a rate limit the quota engine refused (`headers` carry retry-after and the limit headers). */
  rateLimited(rejection: QuotaRejection, model: string, headers: readonly string[], meta: ReplyMeta, info: RequestInfo): JsonReply;
  /** An injected error reply: `status` from the fault table (429 quota / 500 / 502 / 503 / 504 / 529 / empty 200). */
  faultReply(fault: Fault, status: number, model: string, meta: ReplyMeta, info: RequestInfo): JsonReply;
  /** A 400 for an override header the simulator cannot honour, in the dialect's error shape. */
  badOverride(message: string, meta: ReplyMeta, info: RequestInfo): JsonReply;
}

/** A request that may proceed, with what the policies add to its answer. */
export interface Admission {
  /** Rate-limit headers for the response. */
  readonly headers: readonly string[];
  readonly faults: FaultPlan;
  /** Extra wait before the answer starts (a slow-answer timeout fault), ms. */
  readonly holdMs: number;
  /** x-understudy-ttft-ms override, ms; null when not overridden. */
  readonly ttftMs: number | null;
  /** x-understudy-entry override: the corpus entry id to answer with. */
  readonly entryId: string | null;
  /** Saturation slot taken; put it in the reply's meta so the exchange frees it. */
  readonly saturationSlot: number;
  /** Output reservation to correct when the answer ends (Anthropic's); put it in the reply's meta. Null for none. */
  readonly outputHold: OutputHold | null;
}

const OVERRIDABLE = new Set<string>(FAULT_KINDS);

/**
 * The largest x-understudy-ttft-ms override: ten minutes, the OpenAI and Anthropic SDKs' default
 * request timeout, past every profile's TTFT clamp. A larger one is a stream no client waits for.
 */
export const MAX_TTFT_OVERRIDE_MS = 600_000;
const DECIMAL_MS = /^\d+(?:\.\d+)?$/;

/** The x-understudy-ttft-ms override in ms; null unless a decimal number from 0 to MAX_TTFT_OVERRIDE_MS. */
function ttftOverrideMs(value: string): number | null {
  if (!DECIMAL_MS.test(value)) return null;
  const ms = Number(value);
  return ms <= MAX_TTFT_OVERRIDE_MS ? ms : null;
}
/** Routes that answer from no corpus entry. */
const ENTRYLESS_ROUTES: ReadonlySet<RouteId> = new Set<RouteId>(['embeddings', 'azure_embeddings', 'gemini_embed', 'moderations']);

/** A fault forced by the `x-understudy-fault` header, with default parameters. */
function overrideFault(kind: string): Fault | null {
  if (!OVERRIDABLE.has(kind)) return null;
  return { kind: kind as FaultKind, probability: 1, afterTokens: 5, delayMs: 30_000, factorFrom: 5, factorTo: 5 };
}

function planFromOverride(fault: Fault): FaultPlan {
  const effect = FAULTS[fault.kind].effect;
  if (effect === 'latency') {
    return { ...NO_FAULTS, ttftFactor: fault.kind === 'ttft_brownout' ? fault.factorTo : 1, itlFactor: fault.kind === 'slow_tokens' ? fault.factorTo : 1, fired: [fault] };
  }
  if (effect === 'stream') return { ...NO_FAULTS, stream: fault, fired: [fault] };
  return { ...NO_FAULTS, terminal: fault, fired: [fault] };
}

/**
 * The saturation slot and output reservation the last admission took, until its reply claims
 * them. A handler that throws after admitting never returns the reply that would carry them to
 * the exchange; the exchange then gives them back here (`releaseUnclaimed`), or the slot would be
 * held until restart and the reservation charged in full.
 */
let unclaimedSlot = -1;
let unclaimedHold: OutputHold | null = null;

/** Forgets the last admission's slot and reservation: its reply carries them, or there was none. */
export function forgetUnclaimed(): void {
  unclaimedSlot = -1;
  unclaimedHold = null;
}

/** For a handler that threw past its admission: frees the slot, and gives the whole reservation back (nothing was produced). */
export function releaseUnclaimed(releaseSlot: (slot: number) => void): void {
  const slot = unclaimedSlot;
  const hold = unclaimedHold;
  forgetUnclaimed();
  if (slot >= 0) releaseSlot(slot);
  hold?.settle(0);
}

/**
 * The model whose limit a request spends: an alias is the dated model it serves (the id the
 * answer's `model` names), so `gpt-4o` and `gpt-4o-2024-08-06`, or `claude-sonnet-4-5` and
 * `claude-sonnet-4-5-20250929`, draw on one bucket, as at the providers, not on two. A limit the
 * table writes for the alias still applies to it (`QuotaRequest.alias`).
 */
function quotaModel(dialect: Dialect, model: string): string {
  if (dialect === 'openai') return servedModelId(model);
  if (dialect === 'anthropic') return anthropicModelId(model);
  return model;
}

function quotaRequest(req: PolicyRequest): QuotaRequest {
  const model = quotaModel(req.dialect, req.model);
  return { dialect: req.dialect, apiKey: req.apiKey, model, alias: model === req.model ? undefined : req.model, inputTokens: req.inputTokens, maxOutputTokens: req.maxOutputTokens };
}

/**
 * An injected 429 (a `rate_limit` fault, or a saturated profile's 429): with limits loaded, in
 * their terms, as the engine's own refusals read (an app that sizes its backoff from the limit
 * headers sees the limits it runs under, not the fault's fixed ones); without, the fault's reply.
 * A batch's requests keep the fault's reply, as they are not charged against the live limits.
 */
function injectedRateLimit(ctx: ThreadContext, req: PolicyRequest, dialect: DialectFaults, fault: Fault, status: number): JsonReply {
  if (ctx.quota !== null && req.info.batchFault < 0) {
    const outcome = ctx.quota.injected(quotaRequest(req), fault.retryAfterMs ?? INJECTED_RETRY_AFTER_MS);
    if (outcome !== null) return dialect.rateLimited(outcome.rejection, req.model, outcome.headers, req.meta, req.info);
  }
  return dialect.faultReply(fault, status, req.model, req.meta, req.info);
}

function countInjected(ctx: ThreadContext, plan: FaultPlan): void {
  for (const f of plan.fired) ctx.counters.faultInjected(f.kind);
}

export function admit(ctx: ThreadContext, req: PolicyRequest, dialect: DialectFaults): Reply | Admission {
  const overrides = ctx.config.overrideHeaders;
  const forced = overrides && req.info.overrideFault !== '' ? overrideFault(req.info.overrideFault) : null;
  // A test that names a fault or an entry the simulator lacks would otherwise pass on another branch.
  if (overrides && req.info.overrideFault !== '' && forced === null) {
    return dialect.badOverride(`x-understudy-fault names no fault kind: ${JSON.stringify(req.info.overrideFault)} (kinds: ${FAULT_KINDS.join(', ')})`, req.meta, req.info);
  }
  // Embeddings and moderations answer from no entry: a client that sends the header on every call is not refused there.
  if (overrides && req.info.overrideEntry !== '' && !ENTRYLESS_ROUTES.has(req.route) && ctx.corpus.indexOf(req.info.overrideEntry) === undefined) {
    return dialect.badOverride(`x-understudy-entry names no corpus entry: ${JSON.stringify(req.info.overrideEntry)}`, req.meta, req.info);
  }
  // A TTFT the simulator would drop (negative, not a number) or never reach would pass a test by mistake.
  const ttftOverride = overrides && req.info.overrideTtftMs !== '' ? ttftOverrideMs(req.info.overrideTtftMs) : null;
  if (overrides && req.info.overrideTtftMs !== '' && ttftOverride === null) {
    return dialect.badOverride(`x-understudy-ttft-ms must be a decimal number of milliseconds from 0 to ${MAX_TTFT_OVERRIDE_MS}: ${JSON.stringify(req.info.overrideTtftMs)}`, req.meta, req.info);
  }
  const plan =
    forced !== null
      ? planFromOverride(forced)
      : decideFaults(ctx.scenario, ctx.config.seed, {
          arrivalIndex: ctx.scenario === null ? 0 : req.info.batchFault >= 0 ? req.info.batchFault : ctx.nextArrival(),
          elapsedMs: Date.now() - ctx.scenarioLoadedAtMs,
          route: req.route,
          dialect: req.dialect,
          model: req.model,
          apiKey: req.apiKey,
          header: (name) => req.info.tags[name] ?? '',
        });
  const terminal = plan.terminal;
  if (terminal !== null) {
    const spec = FAULTS[terminal.kind];
    // A fault that ends the request is all its plan holds (`decideFaults`): it is met now.
    if (spec.effect === 'reply' || spec.effect === 'socket' || terminal.kind === 'timeout_no_answer') countInjected(ctx, plan);
    if (spec.effect === 'reply') return terminal.kind === 'rate_limit' ? injectedRateLimit(ctx, req, dialect, terminal, spec.status) : dialect.faultReply(terminal, spec.status, req.model, req.meta, req.info);
    if (spec.effect === 'socket') return { kind: 'reset', meta: req.meta };
    if (terminal.kind === 'timeout_no_answer') return { kind: 'hold', meta: req.meta };
  }

  // Saturation: past the profile's hard limit a saturated provider queues, then refuses.
  let saturation = UNSATURATED;
  if (ctx.saturation !== null) {
    const { slot, capacity } = ctx.capacityFor(req.model);
    saturation = ctx.saturation.acquire(slot, capacity);
    if (saturation.overflow !== null) {
      const kind = saturation.overflow.status === 429 ? 'rate_limit' : 'unavailable_503';
      const fault: Fault = { kind, probability: 1, retryAfterMs: 1000, afterTokens: 0, delayMs: 0, factorFrom: 1, factorTo: 1 };
      const refusal = kind === 'rate_limit' ? injectedRateLimit(ctx, req, dialect, fault, 429) : dialect.faultReply(fault, saturation.overflow.status, req.model, req.meta, req.info);
      return { ...refusal, delayMs: saturation.overflow.queueMs };
    }
  }
  const release = (): void => ctx.saturation?.release(saturation.slot);

  let headers: readonly string[] = [];
  let outputHold: OutputHold | null = null;
  // A batch's requests have the batch's own limits at the providers, not the live ones.
  if (ctx.quota !== null && req.info.batchFault < 0) {
    const outcome = ctx.quota.admit(quotaRequest(req));
    if (outcome.rejection !== null) {
      release();
      ctx.counters.quotaRejected(outcome.rejection.dimension);
      return dialect.rateLimited(outcome.rejection, req.model, outcome.headers, req.meta, req.info);
    }
    headers = outcome.headers;
    outputHold = outcome.hold;
  }
  // Counted once admitted: a request the capacity or the rate limit refuses meets none of them.
  countInjected(ctx, plan);

  unclaimedSlot = saturation.slot;
  unclaimedHold = outputHold;
  return {
    headers,
    outputHold,
    faults: saturation.slot < 0 ? plan : { ...plan, ttftFactor: plan.ttftFactor * saturation.ttftFactor, itlFactor: plan.itlFactor * saturation.itlFactor },
    saturationSlot: saturation.slot,
    holdMs: terminal?.kind === 'timeout_slow_answer' ? terminal.delayMs : 0,
    ttftMs: ttftOverride,
    entryId: overrides && req.info.overrideEntry !== '' ? req.info.overrideEntry : null,
  };
}

export function isAdmission(r: Reply | Admission): r is Admission {
  return !('kind' in r);
}

/**
 * The timing fields of a schedule for an admitted request: the drawn TTFT, or the
 * x-understudy-ttft-ms override (exact, not scaled by --speed), plus latency faults.
 */
export function scheduleTiming(a: Admission, drawnTtftMs: number): { ttftMs: number; ttftFactor: number; itlFactor: number; holdMs: number } {
  return a.ttftMs === null
    ? { ttftMs: drawnTtftMs, ttftFactor: a.faults.ttftFactor, itlFactor: a.faults.itlFactor, holdMs: a.holdMs }
    : { ttftMs: 0, ttftFactor: 1, itlFactor: a.faults.itlFactor, holdMs: a.holdMs + a.ttftMs };
}

/** Narrows a fired fault of effect `stream` to the exchange's mid-stream fault kinds. */
export function streamFaultKind(kind: FaultKind): StreamFault['kind'] {
  switch (kind) {
    case 'disconnect_after_tokens':
    case 'malformed_frame':
    case 'missing_done':
    case 'stream_overloaded':
    case 'truncated_json':
      return kind;
    default:
      return 'disconnect_after_tokens';
  }
}
