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

/** A job waiting for a worker, and whether it is still wanted (asked when its client leaves and when a worker is free). */
interface Waiting<In, Out> {
  readonly job: In;
  readonly wanted: () => boolean;
  readonly resolve: (out: Out) => void;
  readonly reject: (err: unknown) => void;
}

const ALWAYS = (): boolean => true;

/**
 * What a job's promise rejects with when the job is dropped unrun because its client left: the
 * caller has no one to answer, so it is not a fault to report.
 */
export class JobNotWanted extends Error {
  readonly code = 'JOB_NOT_WANTED';

  constructor() {
    super('the job was dropped unrun: it was no longer wanted');
    this.name = 'JobNotWanted';
  }
}

/** A pool's jobs on a worker, jobs waiting for one, and jobs handed to one so far, for the health endpoint. */
export interface PoolLoad {
  readonly running: number;
  readonly waiting: number;
  readonly started: number;
}

/** Every pool of this thread, for `dropUnwantedJobs`. */
const POOLS: { dropUnwanted(): void }[] = [];

export class TaskPool<In, Out> {
  readonly #task: string;
  #pool: Piscina<In, Out> | null = null;
  /**
   * Jobs beyond one per worker wait here rather than in piscina's queue, so that a job no longer
   * wanted (its client has left) is dropped unrun: piscina runs every job it is given, or
   * terminates the worker running one it is told to abort.
   */
  #waiting: Waiting<In, Out>[] = [];
  #running = 0;
  #maxRunning = 1;
  #started = 0;

  /** `task`: the compiled task's file name in src/workers, without extension (`embedding-task`). */
  constructor(task: string) {
    this.#task = task;
    POOLS.push(this);
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

  /** Runs `job` on a worker once one is free, unless `wanted` says before then that it is not (it rejects with `JobNotWanted`). */
  run(job: In, serverThreads: number, wanted: () => boolean = ALWAYS): Promise<Out> {
    if (this.#pool === null) {
      const workerData: TaskWorkerData = { o200k: o200kTableData() };
      this.#maxRunning = maxThreadsFor(serverThreads);
      this.#pool = new Piscina<In, Out>({ filename: this.#taskFile(), workerData, minThreads: 0, maxThreads: this.#maxRunning, idleTimeout: IDLE_TIMEOUT_MS });
    }
    return new Promise<Out>((resolve, reject) => {
      this.#waiting.push({ job, wanted, resolve, reject });
      this.#next();
    });
  }

  /** Jobs handed to a worker so far (for tests). */
  get started(): number {
    return this.#started;
  }

  get load(): PoolLoad {
    return { running: this.#running, waiting: this.#waiting.length, started: this.#started };
  }

  /**
   * Drops, unrun, the waiting jobs no longer wanted. Checked only as a worker comes free, a queue
   * of jobs whose clients had left kept each job's input (a 2,048-text batch is about a MB) until
   * the jobs ahead of it were done.
   */
  dropUnwanted(): void {
    if (this.#waiting.length === 0) return;
    const kept: Waiting<In, Out>[] = [];
    for (const w of this.#waiting) {
      if (w.wanted()) kept.push(w);
      else w.reject(new JobNotWanted());
    }
    this.#waiting = kept;
  }

  #next(): void {
    const pool = this.#pool;
    while (pool !== null && this.#running < this.#maxRunning && this.#waiting.length > 0) {
      const w = this.#waiting.shift()!;
      if (!w.wanted()) {
        w.reject(new JobNotWanted());
        continue;
      }
      this.#running++;
      this.#started++;
      pool.run(w.job).then(w.resolve, w.reject).finally(() => {
        this.#running--;
        this.#next();
      });
    }
  }

  /** Stops the pool, if it started, so the thread can exit; jobs still waiting are refused. */
  async destroy(): Promise<void> {
    const p = this.#pool;
    this.#pool = null;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(new Error('the pool was stopped'));
    if (p !== null) await p.destroy();
  }
}

/**
 * Drops the waiting jobs, in every pool of this thread, that their requests no longer want: run
 * when a client leaves. Nothing waits in a pool that keeps up, so this is a length check per pool.
 */
export function dropUnwantedJobs(): void {
  for (const p of POOLS) p.dropUnwanted();
}
