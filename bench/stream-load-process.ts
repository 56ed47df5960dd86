/**
 * The bench's handle on its streaming load generator, which runs in a child process
 * (`stream-client-child.ts`): the same steps as `StreamLoad`, as async calls. The child inherits
 * this process's CPU affinity (the load generator's core) and is pinned there again to be sure.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StreamLoadOptions, WindowResult } from './stream-client.js';
import type { FromLoad, LoadStatus, ToLoad } from './stream-load-messages.js';

// Built, the child is JavaScript beside this file; under the tests (TypeScript sources) tsx loads it.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const CHILD_SCRIPT = fileURLToPath(new URL(FROM_SOURCE ? './stream-client-child.ts' : './stream-client-child.js', import.meta.url));
const CHILD_ARGV = FROM_SOURCE ? ['--expose-gc', '--import', 'tsx'] : ['--expose-gc'];

type Pending = { resolve: (msg: FromLoad) => void; reject: (err: Error) => void };
// Distributes Omit over the union, so each command keeps its own fields.
type Command = ToLoad extends infer T ? (T extends ToLoad ? Omit<T, 'id'> : never) : never;

export class LoadProcess {
  readonly #child: ChildProcess;
  readonly #pending: Map<number, Pending>;
  #nextId: number;
  #exited: boolean;
  /** The process's V8 heap in use before it opened a connection (after a GC). */
  idleHeapUsed: number;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#pending = new Map();
    this.#nextId = 0;
    this.#exited = false;
    this.idleHeapUsed = Number.NaN;
    child.on('message', (msg: FromLoad) => {
      const p = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (msg.type === 'failed') p?.reject(new Error(`stream load: ${msg.message}`));
      else p?.resolve(msg);
    });
    child.on('exit', (code, signal) => {
      this.#exited = true;
      const err = new Error(`stream load process exited (${signal ?? code})`);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    });
  }

  /**
   * Starts the process and ramps it up to `options.concurrency` connections (closed loop). `cpu`:
   * the core it is pinned to (the thread-scaling section runs one process per load core).
   */
  static async start(options: StreamLoadOptions, timeoutMs: number, cpu = 0): Promise<LoadProcess> {
    // Advanced serialization keeps NaN (an empty window's figures) that JSON would turn into null.
    const child = fork(CHILD_SCRIPT, [], { execArgv: CHILD_ARGV, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (child.pid !== undefined) spawnSync('taskset', ['-apc', String(cpu), String(child.pid)], { stdio: 'ignore' });
    const load = new LoadProcess(child);
    load.idleHeapUsed = (await load.status(true)).heapUsed;
    const { request, ...rest } = options;
    await load.#call({ type: 'start', options: { ...rest, requestBase64: request.toString('base64') }, timeoutMs });
    return load;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #call(cmd: Command): Promise<FromLoad> {
    if (this.#exited) return Promise.reject(new Error('stream load process has exited'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ ...cmd, id });
    });
  }

  async plannedDuration(windowMs: number, timeoutMs: number): Promise<{ meanMs: number; streams: number; lost: number }> {
    const r = await this.#call({ type: 'planned', windowMs, timeoutMs });
    if (r.type !== 'planned') throw new Error(`stream load: unexpected reply ${r.type}`);
    return { meanMs: r.meanMs, streams: r.streams, lost: r.lost };
  }

  async openLoop(ratePerSec: number, seed: number, maxConnections: number): Promise<void> {
    await this.#call({ type: 'open-loop', ratePerSec, seed, maxConnections });
  }

  async beginWindow(): Promise<void> {
    await this.#call({ type: 'begin-window' });
  }

  async endWindow(): Promise<WindowResult> {
    const r = await this.#call({ type: 'end-window' });
    if (r.type !== 'window') throw new Error(`stream load: unexpected reply ${r.type}`);
    return r.result;
  }

  async status(collectGarbage = false): Promise<LoadStatus> {
    const r = await this.#call({ type: 'status', collectGarbage });
    if (r.type !== 'status') throw new Error(`stream load: unexpected reply ${r.type}`);
    return r.status;
  }

  /** Closes every connection (the server sees client disconnects), then ends the process. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    await this.#call({ type: 'stop' });
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.disconnect();
    await exited;
  }
}
