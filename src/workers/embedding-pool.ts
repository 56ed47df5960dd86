/**
 * Off-thread embedding batches. Each server thread lazily creates one small piscina pool
 * (no idle workers, at most two) the first time a batch is too large to compute inline: a
 * 2,048 × 3,072 batch takes ~0.1 s to compute and up to ~2 s to encode as JSON floats, which would
 * stall every stream the thread is pacing. Small batches stay inline, where a worker hop would
 * cost more than the work.
 */
import { TaskPool, type PoolLoad } from './task-pool.js';
import { inputCount, runEmbeddingJob, type EmbeddingJob, type EmbeddingResult } from './embedding-task.js';

/**
 * Work above which a batch goes to the pool: 256k floats is ~85 inputs at 3,072 dimensions, a few
 * milliseconds inline.
 */
export const POOL_THRESHOLD = 262_144;

const pool = new TaskPool<EmbeddingJob, EmbeddingResult>('embedding-task');

/** How much work a job is: output floats plus input characters (tokenizing costs by length). */
export function embeddingWork(job: EmbeddingJob): number {
  let chars = 0;
  if (job.inputs.kind === 'text') for (const t of job.inputs.texts) chars += t.length;
  else for (const ids of job.inputs.ids) chars += ids.length;
  return inputCount(job.inputs) * job.dimensions + chars;
}

/**
 * Runs a job inline when its work is at most `threshold`, else in this thread's pool, where it
 * is dropped unrun (the promise rejects with `JobNotWanted`) if `wanted` says, when its client
 * leaves or a worker comes free, that the request has gone. A job already on a worker runs to its
 * end: stopping it means terminating the worker, and a new one rebuilds its tables.
 *
 * @example
 * ```ts
 * const job: EmbeddingJob = { inputs: { kind: 'text', texts: ['hi'] }, dimensions: 768,
 *   output: { kind: 'vectors' }, maxInputTokens: 2048, maxRequestTokens: 20_000 };
 * const result = await computeEmbeddings(job, POOL_THRESHOLD, ctx.config.threads);
 * ```
 */
export function computeEmbeddings(job: EmbeddingJob, threshold: number, serverThreads: number, wanted?: () => boolean): EmbeddingResult | Promise<EmbeddingResult> {
  if (embeddingWork(job) <= threshold) return runEmbeddingJob(job);
  return pool.run(job, serverThreads, wanted);
}

/** Jobs this thread's pool is running and holding, and has started since the thread began. */
export function embeddingPoolLoad(): PoolLoad {
  return pool.load;
}

/** Stops this thread's pool, if it started one, so the thread can exit. */
export function destroyEmbeddingPool(): Promise<void> {
  return pool.destroy();
}
