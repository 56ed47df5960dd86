/**
 * A server thread: its own uWS app on the shared port (SO_REUSEPORT), its own timer wheel, and
 * read-only views of the shared corpus. Requests never hop to another thread, except one for a
 * stored object another thread holds, which asks that thread (`./peer-link.ts`).
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { installO200kTable } from '../corpus/o200k.js';
import { Corpus } from '../corpus/sampler.js';
import { CounterLayout, CounterWriter } from '../metrics/counters.js';
import { observeGcPauses } from '../metrics/gc-pauses.js';
import { ThreadHistograms } from '../metrics/histograms.js';
import { MetricsExporter } from '../metrics/prometheus.js';
import { buildApp } from '../server/app.js';
import { beginDrain, describeInternalError, isStackOverflow, inFlightCount, installExchangeEnv, onWheelDue, setTagHeaders, type Exchange } from '../server/http-exchange.js';
import { QuotaEngine } from '../quota/engine.js';
import { SaturationTracker } from '../timing/saturation.js';
import { errorIdCounter, ThreadContext } from '../server/thread-context.js';
import { seedErrorIds } from '../server/error-ids.js';
import { loadUws } from '../server/uws.js';
import { simErrorCode, SimError } from '../sim-error.js';
import { MONOTONIC_CLOCK } from '../timing/clock.js';
import { NODE_TIMER_HOST, TimerWheel } from '../timing/timer-wheel.js';
import { countPoolLoad, destroyCountPool } from './count-pool.js';
import { PeerLink } from './peer-link.js';
import { answerPeer } from '../server/owned-routes.js';
import type { PeerAnswer } from '../server/peers.js';
import { destroyEmbeddingPool, embeddingPoolLoad } from './embedding-pool.js';
import type { FromThread, MergedStats, ServerThreadData, ToThread } from './messages.js';
import { createLogger } from '../log.js';

const data = workerData as ServerThreadData;
const port = parentPort!;
const post = (msg: FromThread): void => port.postMessage(msg);

function fail(err: unknown): void {
  post({ type: 'failed', slot: data.slot, code: simErrorCode(err) ?? 'SIM_ERR_THREAD_START', message: err instanceof Error ? err.message : String(err) });
}

try {
  const uws = loadUws();
  installO200kTable(data.o200k);
  const { config } = data;
  const corpus = new Corpus(data.corpus, config.fallbackModel);
  const layout = new CounterLayout(corpus.models);
  const counters = new CounterWriter(data.counters, layout, data.slot, data.config.lateEmissionMs);
  const ctx = new ThreadContext(config, corpus, counters, data.profiles, data.arrivals);
  seedErrorIds(config.seed, errorIdCounter(data.arrivals));
  const link = config.threads > 1 ? new PeerLink(data.slot, config.threads, threadId, post) : null;
  ctx.peers = link;
  const wheel = new TimerWheel<Exchange>(onWheelDue, MONOTONIC_CLOCK, NODE_TIMER_HOST, config.pacing);
  let policy = data.policy;
  const applyPolicy = (p: typeof policy): void => {
    policy = p;
    ctx.quota = p.quota === null ? null : new QuotaEngine(data.quotaMemory, p.quota, MONOTONIC_CLOCK);
    ctx.scenario = p.scenario;
    ctx.scenarioLoadedAtMs = p.scenarioLoadedAtMs;
    ctx.scenarioRun = p.scenarioRun;
    setTagHeaders(p.scenario?.phases.flatMap((ph) => (ph.target.header ? [ph.target.header.name] : [])) ?? []);
  };
  applyPolicy(policy);
  let policySeq = 0;
  const policyPending = new Map<number, (p: typeof policy) => void>();
  const histograms = new ThreadHistograms();
  const stopGcPauses = observeGcPauses((ms) => histograms.record('gcPauseMs', ms));
  // Saturation is tracked only when some profile declares a capacity.
  if (Object.values(data.profiles.profiles).some((p) => p.capacity !== undefined)) ctx.saturation = new SaturationTracker(data.saturationMemory);
  const log = createLogger(config.logLevel);
  installExchangeEnv({ config, clock: MONOTONIC_CLOCK, wheel, counters, histograms, releaseSlot: (slot) => ctx.saturation?.release(slot), log });
  const startedAt = Date.now();
  let statsSeq = 0;
  const statsPending = new Map<number, (stats: MergedStats) => void>();
  const stats = (reset: boolean): Promise<MergedStats> =>
    new Promise((resolve) => {
      const requestId = statsSeq++;
      statsPending.set(requestId, resolve);
      post({ type: 'stats-request', slot: data.slot, requestId, reset });
    });
  // A message the main thread could not copy is lost: an ask waiting on it ends late.
  port.on('messageerror', (err) => log.error(`a message from the main thread could not be read: ${describeInternalError(err)}`));
  port.on('message', (msg: ToThread) => {
    if (msg.type === 'stats-collect') {
      post({ type: 'stats-part', slot: data.slot, collectId: msg.collectId, encoded: histograms.encode() });
      if (msg.reset) histograms.reset();
    } else if (msg.type === 'policy') {
      applyPolicy(msg.policy);
      post({ type: 'policy-applied', slot: data.slot, applyId: msg.applyId });
    } else if (msg.type === 'policy-done') {
      policyPending.get(msg.requestId)?.(msg.policy);
      policyPending.delete(msg.requestId);
    } else if (msg.type === 'stats-result') {
      statsPending.get(msg.requestId)?.(msg.stats);
      statsPending.delete(msg.requestId);
    } else if (msg.type === 'peer-ask') {
      // Answered at once: the answer's bytes are copied as it is posted, before any other request runs.
      let answer: PeerAnswer;
      try {
        answer = answerPeer(ctx, msg.query);
      } catch (err) {
        if (isStackOverflow(err)) answer = { kind: 'failed', reason: 'too_deep' };
        else {
          log.error(`internal error answering another thread's ${msg.query.kind} query: ${describeInternalError(err)}`);
          answer = { kind: 'failed', reason: 'internal' };
        }
      }
      try {
        post({ type: 'peer-answer', slot: data.slot, to: msg.from, askId: msg.askId, answer });
      } catch (err) {
        log.error(`cannot send the answer to another thread's ${msg.query.kind} query: ${describeInternalError(err)}`);
        post({ type: 'peer-answer', slot: data.slot, to: msg.from, askId: msg.askId, answer: { kind: 'failed', reason: 'internal' } });
      }
    } else if (msg.type === 'peer-answer') {
      link?.answered(msg.askId, msg.answer);
    }
  });
  const app = buildApp(uws.App(), ctx, {
    metrics: new MetricsExporter(data.counters, layout, data.config.lateEmissionMs, () => stats(false).then((s) => s.histograms)),
    stats,
    countersSab: data.counters,
    countersLayout: layout,
    admin: {
      policy: () => policy,
      setPolicy: (next, restarts) =>
        new Promise((resolve) => {
          const requestId = policySeq++;
          policyPending.set(requestId, resolve);
          post({ type: 'policy-set', slot: data.slot, requestId, policy: next, restarts });
        }),
    },
    // `wheelTasks`: a stream or held reply the wheel still holds once every client has left is a leak the gauges would not show.
    // `pools`: so is pool work (an embedding batch, a prompt's counting) still running or waiting for a request whose client left.
    health: () => ({
      status: 'ok',
      thread: data.slot,
      uptimeMs: Date.now() - startedAt,
      inFlight: inFlightCount(),
      wheelTasks: wheel.size,
      pools: { embedding: embeddingPoolLoad(), count: countPoolLoad() },
      corpusEntries: corpus.entries.length,
    }),
  });

  const serve = (listenSocket: us_listen_socket | false, at: number): void => {
    if (!listenSocket) {
      fail(new SimError('SIM_ERR_LISTEN', `cannot listen on ${config.host}:${at}`));
      shutdown();
      return;
    }
    post({ type: 'ready', slot: data.slot, port: uws.us_socket_local_port(listenSocket) });
    port.on('message', (msg: ToThread) => {
      if (msg.type !== 'drain') return;
      // Stop accepting, let in-flight responses finish, cut what is left at the deadline.
      uws.us_listen_socket_close(listenSocket);
      let done = false;
      const complete = (cut: number): void => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        post({ type: 'drained', slot: data.slot, cutStreams: cut });
        shutdown();
      };
      const deadline = setTimeout(() => complete(inFlightCount()), msg.deadlineMs);
      // Deferred: the last response's end() runs inside a cork, and closing the app there
      // would drop what the cork holds (a stream's final chunk, a whole held JSON reply).
      beginDrain(() => setImmediate(() => complete(0)));
    });
  };
  // The thread ends by releasing every handle, never by terminate(): Node aborts the process
  // when a worker is torn down while uWS still holds a socket.
  const shutdown = (): void => {
    stopGcPauses();
    wheel.clear();
    // close() exists in uWS v20.30 but is missing from its typings: it closes every socket.
    (app as typeof app & { close(): void }).close();
    port.close();
    // Pool workers would keep the thread alive; a failure to stop them cannot matter at exit.
    destroyEmbeddingPool().catch(() => undefined);
    destroyCountPool().catch(() => undefined);
  };

  // An uncaught error would make Node tear the thread down with uWS sockets open, which aborts
  // the whole process; releasing them first lets the thread exit and the supervisor restart it.
  const die = (err: unknown): void => {
    process.stderr.write(`understudy: server thread ${data.slot} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    wheel.clear();
    (app as typeof app & { close(): void }).close();
    process.exit(1);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  port.on('message', (msg: ToThread) => {
    if (msg.type === 'crash') setImmediate(() => {
      throw new Error(`crash injected by the supervisor (${msg.reason})`);
    });
  });

  if (data.port === 0) {
    // A port the kernel assigns for port 0 cannot be shared through SO_REUSEPORT, so the first
    // thread learns a free port, releases it, and listens on it again as a shareable port.
    app.listen(config.host, 0, (probe) => {
      if (!probe) return serve(false, 0);
      const chosen = uws.us_socket_local_port(probe);
      uws.us_listen_socket_close(probe);
      app.listen(config.host, chosen, (ls) => serve(ls, chosen));
    });
  } else if (data.portHeld) {
    // The main thread holds the port so that no other process takes it meanwhile; it lets go now.
    const released = (msg: ToThread): void => {
      if (msg.type !== 'port-released') return;
      port.off('message', released);
      app.listen(config.host, data.port, (ls) => serve(ls, data.port));
    };
    port.on('message', released);
    post({ type: 'listen-ready', slot: data.slot });
  } else {
    app.listen(config.host, data.port, (ls) => serve(ls, data.port));
  }
} catch (err) {
  fail(err);
}
