/**
 * The count pool's task: the token count of every piece of every text, the pieces being the ones
 * `countTokens` counts the text in (`countingPieces`), each counted as the server thread would count
 * it. Loaded by piscina from `dist/` (Node 20 workers cannot load TypeScript), like the server threads.
 */
import { isWorkerThread, workerData } from 'piscina';
import { installO200kTable } from '../corpus/o200k.js';
import { countingPieces, countPieceUncached } from '../corpus/tokens.js';
import type { TaskWorkerData } from './task-pool.js';

// In a pool worker, the table of the server thread that started the pool.
if (isWorkerThread) installO200kTable((workerData as TaskWorkerData).o200k);

/** Per text, the counts of its pieces in order. */
export function countPieces(texts: readonly string[]): Int32Array[] {
  return texts.map((text) => Int32Array.from(countingPieces(text), countPieceUncached));
}

/** The pool's entry point. */
export default function countTask(texts: readonly string[]): Int32Array[] {
  return countPieces(texts);
}
