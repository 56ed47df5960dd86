/** Starts and stops the bare uWS baseline thread (./bare-uws-thread.ts) from the bench's main thread. */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BareFromThread, BareThreadData, BareToThread } from './bare-uws-messages.js';

export interface BareServer {
  readonly url: string;
  readonly port: number;
  readonly worker: Worker;
  /** Writes made so far in streaming mode. */
  writes(): number;
  stop(): Promise<void>;
}

export async function startBareUws(bodyBytes: number, headers: readonly string[] = [], sse?: BareThreadData['sse']): Promise<BareServer> {
  const writes = new SharedArrayBuffer(4);
  const data: BareThreadData = { bodyBytes: Math.max(16, bodyBytes), headers, writes, ...(sse ? { sse } : {}) };
  const worker = new Worker(fileURLToPath(new URL('./bare-uws-thread.js', import.meta.url)), { workerData: data });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (msg: BareFromThread) => {
      if (msg.type === 'ready') resolve(msg.port);
      else reject(new Error(msg.message));
    });
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopped: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    worker,
    writes: () => Atomics.load(new Int32Array(writes), 0),
    stop: () =>
      (stopped ??= (async () => {
        worker.postMessage({ type: 'stop' } satisfies BareToThread);
        const timer = setTimeout(() => void worker.terminate(), 5000);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
