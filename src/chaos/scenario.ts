/**
 * Chaos scenarios: a declarative timeline of phases, each aimed at a slice of traffic and
 * injecting faults with probabilities. Validated once when loaded (CLI, file or admin API); every
 * message names the field.
 */
import { z } from 'zod';
import { readDataFile } from '../config/data-file.js';
import { ROUTES } from '../metrics/counters.js';
import { SimError } from '../sim-error.js';

/** Every fault the simulator can inject; the table in ./faults.ts is checked against this union. */
export const FAULT_KINDS = [
  'rate_limit',
  'quota_exhausted',
  'server_error_500',
  'bad_gateway_502',
  'unavailable_503',
  'gateway_timeout_504',
  'overloaded_529',
  'stream_overloaded',
  'timeout_no_answer',
  'timeout_slow_answer',
  'ttft_brownout',
  'slow_tokens',
  'disconnect_after_tokens',
  'malformed_frame',
  'truncated_json',
  'missing_done',
  'empty_200',
  'reset_before_headers',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const DIALECTS = ['openai', 'anthropic', 'gemini'] as const;
export type Dialect = (typeof DIALECTS)[number];

/**
 * Upper bounds on a scenario's numbers. Unbounded, a typo (`retryAfterMs: 1e300`, `delayMs` in
 * seconds where ms were meant twice over) loaded and sent `retry-after: 1e+297`, or held a request
 * past every timer a client could set, or scaled TTFT to Infinity, instead of being refused.
 */
/** retry-after and timeout_slow_answer's hold: no provider asks a client to wait longer than a day, and a hold longer than any client timeout is timeout_no_answer. */
const MAX_DELAY_MS = 86_400_000;
/** A phase's start and duration: longer than any soak run (30 days). */
const MAX_TIMELINE_MS = 30 * 86_400_000;
/** ttft_brownout and slow_tokens factors: a 1,000-fold TTFT already outlasts every client timeout. */
const MAX_FACTOR = 1000;
/** afterTokens: more than any model's output limit, so a larger count never strikes. */
const MAX_AFTER_TOKENS = 1_000_000;

/** `30s`, `1500ms`, `2m`, or a number of milliseconds, up to `max` ms. */
const duration = (max: number, why: string) =>
  z
    .union([
      z.number().nonnegative(),
      z
        .string()
        .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'must be a duration like 500ms, 30s, 2m or 1h')
        .transform((s) => {
          const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s)!;
          const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
          return Number(m[1]) * unit;
        }),
    ], { error: 'must be a duration like 500ms, 30s, 2m or 1h, or a number of ms' })
    .pipe(z.number().max(max, `must be at most ${max} ms (${why})`));

const faultSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    probability: z.number().min(0).max(1).default(1),
    /** rate_limit, overloaded_529, unavailable_503: the retry-after sent (ms); absent: 1 s for rate_limit, none for the others. */
    retryAfterMs: z.number().nonnegative().max(MAX_DELAY_MS, `must be at most ${MAX_DELAY_MS} ms (a day)`).optional(),
    /** disconnect_after_tokens, stream_overloaded, malformed_frame: tokens sent before the fault. */
    afterTokens: z.number().int().nonnegative().max(MAX_AFTER_TOKENS, `must be at most ${MAX_AFTER_TOKENS}`).default(5),
    /** timeout_slow_answer: how long the answer is held back (ms). */
    delayMs: z.number().nonnegative().max(MAX_DELAY_MS, `must be at most ${MAX_DELAY_MS} ms (a day; to hold for good, use timeout_no_answer)`).default(30_000),
    /** ttft_brownout: TTFT multiplier at the phase start and end (linear ramp). slow_tokens: inter-token multiplier. */
    factorFrom: z.number().positive().max(MAX_FACTOR, `must be at most ${MAX_FACTOR}`).default(1),
    factorTo: z.number().positive().max(MAX_FACTOR, `must be at most ${MAX_FACTOR}`).default(5),
  })
  .strict();

const targetSchema = z
  .object({
    /** Route ids as /metrics labels them (`chat_completions`, `anthropic_messages`…), checked in `rules`. */
    routes: z.array(z.string().min(1)).optional(),
    dialects: z.array(z.enum(DIALECTS)).optional(),
    /** Model id prefixes. */
    models: z.array(z.string().min(1)).optional(),
    apiKeys: z.array(z.string().min(1)).optional(),
    /** A request header that must have this value, e.g. an environment tag. */
    header: z.object({ name: z.string().min(1), value: z.string() }).strict().optional(),
  })
  .strict();

const phaseSchema = z
  .object({
    name: z.string().min(1),
    /**
     * A timed phase starts `start` after the scenario was loaded (0 when absent) and lasts
     * `duration`; a counted one starts after `startAfterRequests` requests (0 when absent) and lasts
     * `requests`. Absent end: until the scenario ends. A phase is one or the other (see `rules`).
     */
    start: duration(MAX_TIMELINE_MS, '30 days').optional(),
    startAfterRequests: z.number().int().nonnegative().optional(),
    duration: duration(MAX_TIMELINE_MS, '30 days').optional(),
    requests: z.number().int().positive().optional(),
    target: targetSchema.default({}),
    faults: z.array(faultSchema).min(1),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /** What this scenario tests in an app, for the library docs. */
    tests: z.string().default(''),
    phases: z.array(phaseSchema).min(1),
  })
  .strict();

export type Scenario = Readonly<z.output<typeof scenarioSchema>>;
export type Phase = Scenario['phases'][number];
export type Fault = Phase['faults'][number];

/**
 * The kinds that read each of a fault's optional fields. A field set on another kind was dropped
 * without a word (a `retryAfterMs` on a 500 sent no retry-after), so it is refused when loaded.
 */
const FAULT_FIELD_KINDS = {
  retryAfterMs: ['rate_limit', 'overloaded_529', 'unavailable_503'],
  afterTokens: ['stream_overloaded', 'disconnect_after_tokens', 'malformed_frame', 'truncated_json'],
  delayMs: ['timeout_slow_answer'],
  factorFrom: ['ttft_brownout', 'slow_tokens'],
  factorTo: ['ttft_brownout', 'slow_tokens'],
} as const satisfies Record<string, readonly FaultKind[]>;

/** Fields the raw input set on a fault whose kind does not read them (defaults fill the parsed ones, so the raw input tells). */
function unusedFaultFields(raw: unknown, source: string): void {
  const phases = (raw as { phases: { faults: Record<string, unknown>[] }[] }).phases;
  phases.forEach((p, i) =>
    p.faults.forEach((f, j) => {
      for (const [field, kinds] of Object.entries(FAULT_FIELD_KINDS)) {
        if (Object.hasOwn(f, field) && !(kinds as readonly string[]).includes(f.kind as string)) {
          throw new SimError('SIM_ERR_SCENARIO_INVALID', `${source}: phases[${i}].faults[${j}].${field}: ${String(f.kind)} does not use it (it applies to ${kinds.join(', ')})`);
        }
      }
    }),
  );
}

/**
 * The scenario as the admin API reports it: each fault with only the fields its kind reads. The
 * parsed faults carry every field (defaults filled), and a load refuses a field its kind does not
 * use, so a scenario saved from `GET /_understudy/scenario` would not load again.
 */
export function reportedScenario(s: Scenario): unknown {
  return {
    ...s,
    phases: s.phases.map((p) => ({
      ...p,
      faults: p.faults.map((f) => {
        const kept: Record<string, unknown> = { ...f };
        for (const [field, kinds] of Object.entries(FAULT_FIELD_KINDS)) {
          if (!(kinds as readonly string[]).includes(f.kind)) delete kept[field];
        }
        return kept;
      }),
    })),
  };
}

function rules(s: Scenario, source: string): void {
  s.phases.forEach((p, i) => {
    // Mixing the two would need the time a given request arrived, or the position of the first
    // request after a time: neither is a function of the seed and the request's position.
    const timed = p.start !== undefined ? 'start' : p.duration !== undefined ? 'duration' : undefined;
    const counted = p.startAfterRequests !== undefined ? 'startAfterRequests' : p.requests !== undefined ? 'requests' : undefined;
    // `requests` is positive in the schema; a duration of 0 is a window no request falls in.
    if (p.duration === 0) throw new SimError('SIM_ERR_SCENARIO_INVALID', `${source}: phases[${i}].duration: must be more than 0; a phase of no time never fires`);
    if (timed !== undefined && counted !== undefined) {
      throw new SimError('SIM_ERR_SCENARIO_INVALID', `${source}: phases[${i}] sets both ${timed} and ${counted}; a phase is timed (start, duration) or counted (startAfterRequests, requests), not both`);
    }
    // A path or a typo matched no request, and the phase loaded and never fired. Checked here,
    // not in the schema: ROUTES' module imports this one, so it is not there yet when the schema is built.
    p.target.routes?.forEach((r, k) => {
      if (!(ROUTES as readonly string[]).includes(r)) {
        throw new SimError('SIM_ERR_SCENARIO_INVALID', `${source}: phases[${i}].target.routes[${k}]: "${r}" is not a route id (${ROUTES.join(', ')})`);
      }
    });
    p.faults.forEach((f, j) => {
      if (f.kind === 'ttft_brownout' || f.kind === 'slow_tokens') {
        if (p.duration === undefined && p.requests === undefined && f.factorFrom !== f.factorTo) {
          throw new SimError('SIM_ERR_SCENARIO_INVALID', `${source}: phases[${i}].faults[${j}]: a ramp (factorFrom ≠ factorTo) needs the phase to have a duration or requests`);
        }
      }
    });
  });
}

export function parseScenario(raw: unknown, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
    throw new SimError('SIM_ERR_SCENARIO_INVALID', `${source}: ${field}: ${issue?.message ?? 'invalid'}`);
  }
  rules(parsed.data, source);
  unusedFaultFields(raw, source);
  return parsed.data;
}

export function readScenarioFile(file: string): Scenario {
  return parseScenario(readDataFile(file, 'SIM_ERR_SCENARIO_INVALID', 'scenario'), file);
}
