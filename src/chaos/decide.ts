/**
 * Which faults strike a request: a pure function of the run seed, the scenario, and facts about
 * the request (its arrival index across all threads, the time since the scenario was loaded,
 * where it is going). Identical on every thread, so a replayed run fails the same requests.
 */
import { combineSeeds, mix32 } from '../timing/random.js';
import { FAULTS } from './faults.js';
import type { Dialect, Fault, Phase, Scenario } from './scenario.js';

export interface RequestFacts {
  /** Position of the request since the scenario was loaded, counted across threads (-1: outside the count). */
  readonly arrivalIndex: number;
  /** Milliseconds since the scenario was loaded. */
  readonly elapsedMs: number;
  readonly route: string;
  readonly dialect: Dialect;
  readonly model: string;
  readonly apiKey: string;
  readonly header: (name: string) => string;
}

export interface FaultPlan {
  /** Answer with an error at once, hold, or cut the socket; null for none. */
  readonly terminal: Fault | null;
  /** Strikes during the answer; null for none. */
  readonly stream: Fault | null;
  readonly ttftFactor: number;
  readonly itlFactor: number;
  /** Faults that fired, for metrics. */
  readonly fired: readonly Fault[];
}

export const NO_FAULTS: FaultPlan = { terminal: null, stream: null, ttftFactor: 1, itlFactor: 1, fired: [] };

/** Where the request sits in the phase: 0 at its start, 1 at its end; undefined when outside it. */
function progress(phase: Phase, facts: RequestFacts): number | undefined {
  // A phase is counted or timed, never both (`rules` in ./scenario.ts).
  if (phase.startAfterRequests !== undefined || phase.requests !== undefined) {
    const i = facts.arrivalIndex - (phase.startAfterRequests ?? 0);
    if (i < 0) return undefined;
    if (phase.requests !== undefined) return i < phase.requests ? i / phase.requests : undefined;
    return 0;
  }
  const t = facts.elapsedMs - (phase.start ?? 0);
  if (t < 0) return undefined;
  if (phase.duration !== undefined) return t < phase.duration ? t / phase.duration : undefined;
  return 0;
}

function targets(phase: Phase, facts: RequestFacts): boolean {
  const t = phase.target;
  if (t.routes && !t.routes.includes(facts.route)) return false;
  if (t.dialects && !t.dialects.includes(facts.dialect)) return false;
  if (t.models && !t.models.some((m) => facts.model.startsWith(m))) return false;
  if (t.apiKeys && !t.apiKeys.includes(facts.apiKey)) return false;
  if (t.header && facts.header(t.header.name.toLowerCase()) !== t.header.value) return false;
  return true;
}

/** An error reply, a cut socket or a request never answered: no answer is planned for it. */
function endsBeforeAnswer(fault: Fault): boolean {
  const effect = FAULTS[fault.kind].effect;
  return effect === 'reply' || effect === 'socket' || fault.kind === 'timeout_no_answer';
}

/** Uniform in [0, 1) for (seed, request, phase, fault): independent draws, no shared state. */
function draw(seed: number, arrivalIndex: number, phase: number, fault: number): number {
  return mix32(combineSeeds(combineSeeds(seed, arrivalIndex), phase * 1024 + fault)) / 4294967296;
}

export function decideFaults(scenario: Scenario | null, seed: number, facts: RequestFacts): FaultPlan {
  if (scenario === null) return NO_FAULTS;
  let terminal: Fault | null = null;
  let stream: Fault | null = null;
  let ttftFactor = 1;
  let itlFactor = 1;
  // Allocated only when something fires: the common request pays for draws, nothing else.
  let fired: Fault[] | null = null;
  const phases = scenario.phases;
  for (let p = 0; p < phases.length; p++) {
    const phase = phases[p]!;
    const at = progress(phase, facts);
    if (at === undefined || !targets(phase, facts)) continue;
    const faults = phase.faults;
    for (let f = 0; f < faults.length; f++) {
      const fault = faults[f]!;
      // Position -1: a thread that has not yet applied a newer load (`ThreadContext.nextArrival`).
      // Every such request would share one draw, failing together or passing together, so only
      // certain faults apply to it.
      if (fault.probability === 0 || (facts.arrivalIndex < 0 ? fault.probability < 1 : draw(seed, facts.arrivalIndex, p, f) >= fault.probability)) continue;
      const effect = FAULTS[fault.kind].effect;
      if (effect === 'latency') {
        const factor = fault.factorFrom + (fault.factorTo - fault.factorFrom) * at;
        if (fault.kind === 'ttft_brownout') ttftFactor *= factor;
        else itlFactor *= factor;
      } else if (effect === 'stream') {
        if (stream !== null || terminal !== null) continue;
        stream = fault;
      } else {
        if (terminal !== null) continue;
        terminal = fault;
      }
      (fired ??= []).push(fault);
    }
  }
  if (fired === null) return NO_FAULTS;
  // A fault that ends the request before any answer leaves nothing for a stream or latency fault
  // drawn beside it to act on: those never reach the client, so they are not counted as injected.
  if (terminal !== null && endsBeforeAnswer(terminal)) return { ...NO_FAULTS, terminal, fired: fired.length === 1 ? fired : [terminal] };
  return { terminal, stream, ttftFactor, itlFactor, fired };
}
