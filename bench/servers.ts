/**
 * The servers under test, started the same way for every section: the simulator (one server
 * thread) or the bare uWS baseline thread, each with the ids of the threads it added to this
 * process (for per-thread CPU) and an inspector session with its server thread (heap, event-loop
 * utilization, CPU profile).
 */
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
  stop(): Promise<void>;
}

export async function startSimulatorUnderTest(inspector: ThreadInspector, options: ConfigInput): Promise<ServerUnderTest> {
  const before = new Set(threadIds());
  const known = new Set(inspector.workers('').map((w) => w.sessionId));
  const sim = await startSimulator({ threads: 1, logLevel: 'silent', ...options });
  const session = await inspector.newestWorker('/server-thread.js', known);
  return {
    url: sim.url,
    port: sim.port,
    threadIds: threadIds().filter((t) => !before.has(t)),
    session,
    stop: () => sim.stop(),
  };
}

export async function startBareUnderTest(inspector: ThreadInspector, bodyBytes: number): Promise<ServerUnderTest> {
  const before = new Set(threadIds());
  const known = new Set(inspector.workers('').map((w) => w.sessionId));
  const bare = await startBareUws(bodyBytes);
  const session = await inspector.newestWorker('/bare-uws-thread.js', known);
  return {
    url: bare.url,
    port: bare.port,
    threadIds: threadIds().filter((t) => !before.has(t)),
    session,
    stop: () => bare.stop(),
  };
}
