/**
 * Which faults strike a request: a pure function of the run seed, the scenario, and facts about
 * the request (its arrival index across all threads, the time since the scenario was loaded,
 * where it is going). Identical on every thread, so a replayed run fails the same requests.
 */
import { combineSeeds, mix32 } from '../timing/random.js';
import { FAULTS } from './faults.js';
import type { Dialect, Fault, Phase, Scenario } from './scenario.js';

export interface RequestFacts {
  /** Position of the request in the run, counted across threads. */
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
  if (phase.startAfterRequests !== undefined) {
    const i = facts.arrivalIndex - phase.startAfterRequests;
    if (i < 0) return undefined;
    if (phase.requests !== undefined) return i < phase.requests ? i / phase.requests : undefined;
    if (phase.duration !== undefined) return undefined;
    return 0;
  }
  const t = facts.elapsedMs - phase.start;
  if (t < 0) return undefined;
  if (phase.duration !== undefined) return t < phase.duration ? t / phase.duration : undefined;
  if (phase.requests !== undefined) return undefined;
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
  const fired: Fault[] = [];
  scenario.phases.forEach((phase, p) => {
    const at = progress(phase, facts);
    if (at === undefined || !targets(phase, facts)) return;
    phase.faults.forEach((fault, f) => {
      if (draw(seed, facts.arrivalIndex, p, f) >= fault.probability) return;
      const effect = FAULTS[fault.kind].effect;
      if (effect === 'latency') {
        const factor = fault.factorFrom + (fault.factorTo - fault.factorFrom) * at;
        if (fault.kind === 'ttft_brownout') ttftFactor *= factor;
        else itlFactor *= factor;
        fired.push(fault);
      } else if (effect === 'stream') {
        if (stream === null && terminal === null) {
          stream = fault;
          fired.push(fault);
        }
      } else if (terminal === null) {
        terminal = fault;
        fired.push(fault);
      }
    });
  });
  return { terminal, stream, ttftFactor, itlFactor, fired };
}
