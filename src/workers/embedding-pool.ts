/**
 * Off-thread embedding batches. Each server thread lazily creates one small piscina pool
 * (no idle workers, at most two) the first time a batch is too large to compute inline: a
 * 2,048 × 3,072 batch takes ~0.1 s to compute and up to ~2 s to encode as JSON floats, which would
 * stall every stream the thread is pacing. Small batches stay inline, where a worker hop would
 * cost more than the work.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { packageRoot } from '../package-root.js';
import { SimError } from '../sim-error.js';
import { inputCount, runEmbeddingJob, type EmbeddingJob, type EmbeddingResult } from './embedding-task.js';

/**
 * Work above which a batch goes to the pool: 256k floats is ~85 inputs at 3,072 dimensions, a few
 * milliseconds inline.
 */
export const POOL_THRESHOLD = 262_144;

/** Idle pool workers exit after this long; the next large batch starts one again. */
const IDLE_TIMEOUT_MS = 30_000;

let pool: Piscina<EmbeddingJob, EmbeddingResult> | null = null;

/**
 * The compiled task file next to this module. Code running from `src/` (vitest, tsx) uses the
 * build in `dist/`, since Node 20 workers cannot load TypeScript.
 */
function taskFile(): string {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return fileURLToPath(new URL('./embedding-task.js', self));
  const built = join(packageRoot(), 'dist', 'src', 'workers', 'embedding-task.js');
  if (!existsSync(built)) throw new SimError('SIM_ERR_THREAD_START', `${built} is missing: run \`npm run build\` first`);
  return built;
}

/** Two workers where the cores allow it after one per server thread, else one. */
function maxThreadsFor(serverThreads: number): number {
  return availableParallelism() >= serverThreads * 2 ? 2 : 1;
}

function poolFor(serverThreads: number): Piscina<EmbeddingJob, EmbeddingResult> {
  pool ??= new Piscina<EmbeddingJob, EmbeddingResult>({
    filename: taskFile(),
    minThreads: 0,
    maxThreads: maxThreadsFor(serverThreads),
    idleTimeout: IDLE_TIMEOUT_MS,
  });
  return pool;
}

/** How much work a job is: output floats plus input characters (tokenizing costs by length). */
export function embeddingWork(job: EmbeddingJob): number {
  let chars = 0;
  if (job.inputs.kind === 'text') for (const t of job.inputs.texts) chars += t.length;
  else for (const ids of job.inputs.ids) chars += ids.length;
  return inputCount(job.inputs) * job.dimensions + chars;
}

/**
 * Runs a job inline when its work is at most `threshold`, else in this thread's pool.
 *
 * @example
 * ```ts
 * const job: EmbeddingJob = { inputs: { kind: 'text', texts: ['hi'] }, dimensions: 768,
 *   output: { kind: 'vectors' }, maxInputTokens: 2048, maxRequestTokens: 20_000 };
 * const result = await computeEmbeddings(job, POOL_THRESHOLD, ctx.config.threads);
 * ```
 */
export function computeEmbeddings(job: EmbeddingJob, threshold: number, serverThreads: number): EmbeddingResult | Promise<EmbeddingResult> {
  if (embeddingWork(job) <= threshold) return runEmbeddingJob(job);
  return poolFor(serverThreads).run(job);
}

/** Stops this thread's pool, if it started one, so the thread can exit. */
export async function destroyEmbeddingPool(): Promise<void> {
  const p = pool;
  pool = null;
  if (p !== null) await p.destroy();
}
