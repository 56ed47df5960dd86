/**
 * Looks inside the server's worker threads from the bench's main thread through the inspector
 * protocol (NodeWorker domain), without touching src/: the server thread's V8 heap (after a
 * forced GC, for memory per open stream), its event-loop utilization (how busy the thread was)
 * and, on request, a CPU profile of it (where the time goes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { HeapProfiler, NodeWorker, Profiler } from 'node:inspector';

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

interface WorkerReply {
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: { readonly message: string };
}

export interface EventLoopUtilization {
  readonly idle: number;
  readonly active: number;
}

/** One protocol session with one worker thread. */
export class WorkerSession {
  readonly #inspector: ThreadInspector;
  readonly sessionId: string;
  readonly url: string;

  constructor(inspector: ThreadInspector, sessionId: string, url: string) {
    this.#inspector = inspector;
    this.sessionId = sessionId;
    this.url = url;
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.#inspector.sendToWorker<T>(this.sessionId, method, params);
  }

  /** Used V8 heap of the thread in bytes; with `gc`, after a full collection. */
  async heapUsedBytes(gc: boolean): Promise<number> {
    if (gc) await this.send('HeapProfiler.collectGarbage');
    const r = await this.send<{ usedSize: number }>('Runtime.getHeapUsage');
    return r.usedSize;
  }

  async eventLoopUtilization(): Promise<EventLoopUtilization> {
    const r = await this.send<{ result: { value?: string } }>('Runtime.evaluate', {
      expression: 'JSON.stringify(performance.eventLoopUtilization())',
      returnByValue: true,
    });
    const v = JSON.parse(r.result.value ?? '{}') as Partial<EventLoopUtilization>;
    return { idle: v.idle ?? 0, active: v.active ?? 0 };
  }

  /** Starts V8's sampling heap profiler: one sample per `intervalBytes` allocated, whether it lives or dies. */
  async startAllocationSampling(intervalBytes = 1024): Promise<void> {
    await this.send('HeapProfiler.enable');
    await this.send('HeapProfiler.startSampling', { samplingInterval: intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }

  async stopAllocationSampling(): Promise<HeapProfiler.SamplingHeapProfile> {
    const r = await this.send<{ profile: HeapProfiler.SamplingHeapProfile }>('HeapProfiler.stopSampling');
    await this.send('HeapProfiler.disable');
    return r.profile;
  }

  async startProfile(samplingIntervalUs = 500): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await this.send('Profiler.start');
  }

  async stopProfile(): Promise<Profiler.Profile> {
    const r = await this.send<{ profile: Profiler.Profile }>('Profiler.stop');
    await this.send('Profiler.disable');
    return r.profile;
  }
}

/** Utilization between two readings, 0..1. */
export function utilizationBetween(a: EventLoopUtilization, b: EventLoopUtilization): number {
  const active = b.active - a.active;
  const idle = b.idle - a.idle;
  return active + idle > 0 ? active / (active + idle) : 0;
}

export class ThreadInspector {
  readonly #session: Session;
  readonly #pending: Map<number, Pending>;
  readonly #workers: Map<string, WorkerSession>;
  readonly #waiters: Set<() => void>;
  #nextId: number;

  private constructor() {
    this.#session = new Session();
    this.#pending = new Map();
    this.#workers = new Map();
    this.#waiters = new Set();
    this.#nextId = 1;
  }

  static async open(): Promise<ThreadInspector> {
    const t = new ThreadInspector();
    t.#session.connect();
    t.#session.on('NodeWorker.attachedToWorker', (m) => t.#attached(m.params));
    t.#session.on('NodeWorker.detachedFromWorker', (m) => t.#workers.delete(m.params.sessionId));
    t.#session.on('NodeWorker.receivedMessageFromWorker', (m) => t.#received(m.params));
    // Existing workers are reported at once, later ones as they start (without pausing them).
    await t.#session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    return t;
  }

  #attached(p: NodeWorker.AttachedToWorkerEventDataType): void {
    this.#workers.set(p.sessionId, new WorkerSession(this, p.sessionId, p.workerInfo.url));
    for (const wake of this.#waiters) wake();
  }

  #received(p: NodeWorker.ReceivedMessageFromWorkerEventDataType): void {
    const msg = JSON.parse(p.message) as WorkerReply;
    if (msg.id === undefined) return;
    const pending = this.#pending.get(msg.id);
    if (pending === undefined) return;
    this.#pending.delete(msg.id);
    if (msg.error) pending.reject(new Error(msg.error.message));
    else pending.resolve(msg.result);
  }

  sendToWorker<T>(sessionId: string, method: string, params: Record<string, unknown>): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((err: unknown) => {
        this.#pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  /** Attached workers whose script URL ends with `suffix`, oldest first. */
  workers(suffix: string): WorkerSession[] {
    return [...this.#workers.values()].filter((w) => w.url.endsWith(suffix));
  }

  /** The newest worker whose URL ends with `suffix`, waiting up to `timeoutMs` for it to attach. */
  async newestWorker(suffix: string, exclude: ReadonlySet<string>, timeoutMs = 2000): Promise<WorkerSession | undefined> {
    const find = (): WorkerSession | undefined => this.workers(suffix).filter((w) => !exclude.has(w.sessionId)).at(-1);
    const found = find();
    if (found !== undefined) return found;
    return new Promise((resolve) => {
      const done = (): void => {
        const w = find();
        if (w === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(w);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        resolve(undefined);
      }, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** A full GC of the main thread (the load generator), before reading its memory. */
  async collectMainGarbage(): Promise<void> {
    await this.#session.post('HeapProfiler.collectGarbage');
  }

  close(): void {
    for (const p of this.#pending.values()) p.reject(new Error('inspector closed'));
    this.#pending.clear();
    this.#session.disconnect();
  }
}

/** Where `--profile` keeps each window's whole profile, for Chrome DevTools or `node --cpu-prof` viewers. */
export const PROFILE_DIR = '.bench-out/profiles';

/**
 * Stops the server thread's profile, writes it whole to PROFILE_DIR/<label>.cpuprofile (inclusive
 * times need the whole tree) and returns its top self-time functions for the table.
 */
export async function keepProfile(session: WorkerSession, label: string, limit = 12): Promise<ReturnType<typeof topSelfTime>> {
  const profile = await session.stopProfile();
  mkdirSync(PROFILE_DIR, { recursive: true });
  writeFileSync(join(PROFILE_DIR, `${label.replace(/[^\w.-]+/g, '-')}.cpuprofile`), JSON.stringify(profile));
  return topSelfTime(profile, limit);
}

/** An allocation site of the server thread: bytes allocated there per second of the window, and its share of all. */
export interface AllocationSite {
  readonly name: string;
  readonly bytesPerSec: number;
  readonly share: number;
}

/** Stops the allocation sampling, writes the profile (`.heapprofile`, for DevTools) and returns the top sites. */
export async function keepAllocationProfile(session: WorkerSession, label: string, windowMs: number, limit = 12): Promise<{ readonly bytesPerSec: number; readonly sites: AllocationSite[] }> {
  const profile = await session.stopAllocationSampling();
  mkdirSync(PROFILE_DIR, { recursive: true });
  writeFileSync(join(PROFILE_DIR, `${label.replace(/[^\w.-]+/g, '-')}.heapprofile`), JSON.stringify(profile));
  return topAllocationSites(profile, windowMs, limit);
}

/** Bytes allocated per site (the allocating function and line), largest first. */
export function topAllocationSites(profile: HeapProfiler.SamplingHeapProfile, windowMs: number, limit: number): { readonly bytesPerSec: number; readonly sites: AllocationSite[] } {
  const totals = new Map<string, number>();
  let all = 0;
  const stack: HeapProfiler.SamplingHeapProfileNode[] = [profile.head];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.selfSize > 0) {
      const f = n.callFrame;
      const file = f.url === '' ? '' : ` ${f.url.slice(f.url.lastIndexOf('/') + 1)}:${f.lineNumber + 1}`;
      const name = `${f.functionName === '' ? '(anonymous)' : f.functionName}${file}`;
      totals.set(name, (totals.get(name) ?? 0) + n.selfSize);
      all += n.selfSize;
    }
    stack.push(...n.children);
  }
  const perSec = (bytes: number): number => (windowMs > 0 ? (bytes * 1000) / windowMs : 0);
  const sites = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, bytes]) => ({ name, bytesPerSec: perSec(bytes), share: all > 0 ? bytes / all : 0 }));
  return { bytesPerSec: perSec(all), sites };
}

/**
 * Self time per function in a CPU profile, largest first, as shares of all samples.
 *
 * A native function (no script, not one of V8's bracketed entries) is named with the JavaScript
 * function that called it: the uWS binding registers `cork` under the name `collect`, so the
 * server thread's biggest entry, the writes a cork sends, read as a mystery without it.
 */
export function topSelfTime(profile: Profiler.Profile, limit: number): { readonly name: string; readonly share: number }[] {
  const parentOf = new Map<number, Profiler.ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
  const byNode = new Map<number, string>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const file = f.url === '' ? '' : ` ${f.url.slice(f.url.lastIndexOf('/') + 1)}:${f.lineNumber + 1}`;
    let name = `${f.functionName === '' ? '(anonymous)' : f.functionName}${file}`;
    if (f.url === '' && !f.functionName.startsWith('(')) {
      let caller = parentOf.get(n.id);
      while (caller !== undefined && caller.callFrame.url === '') caller = parentOf.get(caller.id);
      if (caller !== undefined) name += ` (native, from ${caller.callFrame.functionName === '' ? '(anonymous)' : caller.callFrame.functionName})`;
    }
    byNode.set(n.id, name);
  }
  const totals = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let all = 0;
  for (let i = 0; i < samples.length; i++) {
    const name = byNode.get(samples[i]!) ?? '?';
    // A sample's time is the delta to the next one.
    const dt = Math.max(0, deltas[i + 1] ?? 0);
    totals.set(name, (totals.get(name) ?? 0) + dt);
    all += dt;
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, t]) => ({ name, share: all > 0 ? t / all : 0 }));
}
