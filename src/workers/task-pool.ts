/**
 * A server thread's lazily started piscina pool for one task file: no worker until the first job,
 * idle workers exit, at most two. The server thread hands these pools work that would otherwise
 * hold it (and every stream it paces) for tens or hundreds of milliseconds.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { o200kTableData, type O200kTableData } from '../corpus/o200k.js';
import { packageRoot } from '../package-root.js';
import { SimError } from '../sim-error.js';

/** Idle pool workers exit after this long; the next job starts one again. */
const IDLE_TIMEOUT_MS = 30_000;

/** Two workers where the cores allow it after one per server thread, else one. */
function maxThreadsFor(serverThreads: number): number {
  return availableParallelism() >= serverThreads * 2 ? 2 : 1;
}

/** What every pool worker gets: the thread's o200k table, so no worker builds its own. */
export interface TaskWorkerData {
  readonly o200k: O200kTableData;
}

export class TaskPool<In, Out> {
  readonly #task: string;
  #pool: Piscina<In, Out> | null = null;

  /** `task`: the compiled task's file name in src/workers, without extension (`embedding-task`). */
  constructor(task: string) {
    this.#task = task;
  }

  /**
   * The compiled task file next to this module. Code running from `src/` (vitest, tsx) uses the
   * build in `dist/`, since Node 20 workers cannot load TypeScript.
   */
  #taskFile(): string {
    const self = import.meta.url;
    if (!self.endsWith('.ts')) return fileURLToPath(new URL(`./${this.#task}.js`, self));
    const built = join(packageRoot(), 'dist', 'src', 'workers', `${this.#task}.js`);
    if (!existsSync(built)) throw new SimError('SIM_ERR_THREAD_START', `${built} is missing: run \`npm run build\` first`);
    return built;
  }

  run(job: In, serverThreads: number): Promise<Out> {
    const workerData: TaskWorkerData = { o200k: o200kTableData() };
    this.#pool ??= new Piscina<In, Out>({ filename: this.#taskFile(), workerData, minThreads: 0, maxThreads: maxThreadsFor(serverThreads), idleTimeout: IDLE_TIMEOUT_MS });
    return this.#pool.run(job);
  }

  /** Stops the pool, if it started, so the thread can exit. */
  async destroy(): Promise<void> {
    const p = this.#pool;
    this.#pool = null;
    if (p !== null) await p.destroy();
  }
}
