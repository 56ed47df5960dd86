/**
 * The servers under test, started the same way for every section: the simulator (one server
 * thread) or the bare uWS baseline thread, each with the ids of the threads it added to this
 * process (for per-thread CPU) and an inspector session with its server thread (heap, event-loop
 * utilization, CPU profile).
 */
import { spawnSync } from 'node:child_process';
import type { ConfigInput } from '../src/config/schema.js';
import { startSimulator } from '../src/index.js';
import { startBareUws } from './bare-uws.js';
import { threadIds } from './thread-cpu.js';
import type { ThreadInspector, WorkerSession } from './thread-inspector.js';

export interface ServerUnderTest {
  readonly url: string;
  readonly port: number;
  /** Threads that appeared when the server started; its uWS thread is the busiest of them. */
  readonly threadIds: readonly number[];
  /** Inspector session with the server's uWS thread, when it attached. */
  readonly session: WorkerSession | undefined;
  /** Whether its threads run on CPU 1 with the load generator on CPU 0 (see `pinToServerCpu`). */
  readonly pinned: boolean;
  /** Socket writes so far, where the server counts them (the bare thread in streaming mode). */
  readonly writes?: () => number;
  stop(): Promise<void>;
}

/**
 * Pins the load generator (this process's main thread) to CPU 0 and a server's threads to CPU 1,
 * as the targets are defined (server on one core, load generator on the other), when `taskset`
 * exists. Unpinned, the scheduler moves the threads around and a run measures placement as much
 * as code. Returns whether it pinned.
 */
function pinToServerCpu(serverThreads: readonly number[]): boolean {
  const probe = spawnSync('taskset', ['-pc', '0', String(process.pid)], { encoding: 'utf8' });
  if (probe.status !== 0) return false;
  for (const tid of serverThreads) spawnSync('taskset', ['-pc', '1', String(tid)]);
  return true;
}

/**
 * Starts a server in worker threads of this process and takes hold of them: the threads it added
 * (for CPU), an inspector session with the one running `threadScript`, and their pinning.
 */
async function underTest<S extends { url: string; port: number; stop(): Promise<void> }>(
  inspector: ThreadInspector,
  threadScript: string,
  start: () => Promise<S>,
): Promise<{ server: S; threadIds: number[]; session: WorkerSession | undefined; pinned: boolean }> {
  const before = new Set(threadIds());
  const known = new Set(inspector.workers('').map((w) => w.sessionId));
  const server = await start();
  const session = await inspector.newestWorker(threadScript, known);
  const added = threadIds().filter((t) => !before.has(t));
  return { server, threadIds: added, session, pinned: pinToServerCpu(added) };
}

export async function startSimulatorUnderTest(inspector: ThreadInspector, options: ConfigInput): Promise<ServerUnderTest> {
  const t = await underTest(inspector, '/server-thread.js', () => startSimulator({ threads: 1, logLevel: 'silent', ...options }));
  return { url: t.server.url, port: t.server.port, threadIds: t.threadIds, session: t.session, pinned: t.pinned, stop: () => t.server.stop() };
}

export async function startBareUnderTest(
  inspector: ThreadInspector,
  bodyBytes: number,
  headers: readonly string[] = [],
  sse?: { readonly eventsPerSec: number; readonly event: string },
): Promise<ServerUnderTest> {
  const t = await underTest(inspector, '/bare-uws-thread.js', () => startBareUws(bodyBytes, headers, sse));
  const bare = t.server;
  return { url: bare.url, port: bare.port, threadIds: t.threadIds, session: t.session, pinned: t.pinned, writes: () => bare.writes(), stop: () => bare.stop() };
}
