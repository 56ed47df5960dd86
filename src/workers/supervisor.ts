/**
 * The main thread: loads config, profiles and corpus once, starts the server threads, restarts
 * a thread that dies, and drains them on stop.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DEFAULT_FALLBACK_MODEL, type Config } from '../config/schema.js';
import { readCorpusFileOnce } from '../corpus/codec.js';
import { compileCorpusOnce, type SharedCorpus } from '../corpus/compiled.js';
import { Corpus } from '../corpus/sampler.js';
import type { Logger } from '../log.js';
import { CounterLayout, readEmissions } from '../metrics/counters.js';
import { FIDELITY_WATCH_DEFAULTS, FidelityWatch, type EmissionReading } from '../metrics/fidelity-watch.js';
import { mergeHistograms, type HistogramName, type HistogramPart } from '../metrics/histograms.js';
import { DEFAULT_CORPUS_FILE, packageRoot } from '../package-root.js';
import { SimError } from '../sim-error.js';
import { loadProfiles, type ProfileTable } from '../timing/profiles.js';
import { SaturationTracker } from '../timing/saturation.js';
import { ARRIVALS_BYTES } from '../server/thread-context.js';
import { loadScenario } from '../chaos/library.js';
import { allocateQuotaMemory, resetQuotaMemory } from '../quota/engine.js';
import { loadQuota } from '../quota/limits.js';
import { o200kTableData, o200kTableOrigin, type O200kTableData } from '../corpus/o200k.js';
import { O200K_TABLE_FILE } from '../corpus/o200k-table-file.js';
import type { FromThread, Policy, ServerThreadData, ToThread } from './messages.js';

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  readonly threads: number;
  /** Thread restarts so far (a thread that dies is restarted and logged). */
  restarts(): number;
  /** Makes one thread fail as a bug would; for testing restarts. */
  crashThread(slot: number): void;
  stop(): Promise<void>;
}

/**
 * The compiled thread entry. Node 20 worker threads do not run tsx's loader hooks, so code
 * running from `src/` (vitest, tsx) starts threads from `dist/`, which the test setup builds.
 */
function threadEntry(): string {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return fileURLToPath(new URL('./server-thread.js', self));
  const built = join(packageRoot(), 'dist', 'src', 'workers', 'server-thread.js');
  if (!existsSync(built)) throw new SimError('SIM_ERR_THREAD_START', `${built} is missing: run \`npm run build\` first`);
  return built;
}

interface Shared {
  readonly config: Config;
  readonly corpus: SharedCorpus;
  readonly o200k: O200kTableData;
  readonly profiles: ProfileTable;
  readonly counters: SharedArrayBuffer;
  readonly arrivals: SharedArrayBuffer;
}

/** What the supervisor otherwise takes from the runtime; tests replace it. */
export interface ServerSeams {
  /** Runs `fn` every `ms` until the returned function is called (an unref'd `setInterval` by default). */
  readonly every?: (fn: () => void, ms: number) => () => void;
  /** The server threads' stack, MB (Node's default, 4, when absent): a test's small stack finds unbounded recursion. */
  readonly threadStackMb?: number;
}

function everyInterval(fn: () => void, ms: number): () => void {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Takes the port before any thread listens, and holds it until the first thread is about to.
 * The server threads listen with SO_REUSEPORT so that they share the port, and the kernel lets any
 * other socket with that option (a second simulator left running, or started at the same time)
 * share it too, silently splitting the connections and the figures between them. This socket is
 * bound without the option, so it fails while anyone listens there, and while it is held no other
 * simulator can start. Connections that reach it during start-up are dropped, as a closed port
 * would refuse them. Null when there is nothing to hold (port 0), or when binding failed for a
 * reason other than the port being taken (uWS reports it then).
 */
function holdPort(host: string, port: number): Promise<Server | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const held = createServer((socket) => socket.destroy());
    held.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new SimError('SIM_ERR_PORT_IN_USE', `${host}:${port} is already in use (a simulator left running?)`, { cause: err }));
      else resolve(null);
    });
    held.listen({ host, port, exclusive: true }, () => resolve(held));
  });
}

export async function startServer(config: Config, log: Logger, seams: ServerSeams = {}): Promise<RunningServer> {
  const profiles = loadProfiles(config.profiles);
  // A --scenario is loaded (and refused, if invalid) now, and put in force once every thread
  // listens (`restartScenario`): the first thread serves while the others start, and its requests
  // then must neither meet the scenario early nor take positions of its run.
  const startScenario = config.scenario === undefined ? null : loadScenario(config.scenario);
  let policy: Policy = {
    quota: config.quota === undefined ? null : loadQuota(config.quota),
    quotaSource: config.quota ?? null,
    scenario: null,
    scenarioLoadedAtMs: Date.now(),
    scenarioRun: 0,
  };
  const quotaMemory = allocateQuotaMemory();
  const saturationMemory = SaturationTracker.allocate(Object.keys(profiles.profiles).length);
  const corpusFile = config.corpus ?? DEFAULT_CORPUS_FILE();
  const entries = readCorpusFileOnce(corpusFile);
  const corpus = compileCorpusOnce(entries);
  // Entries without a recording fall back to the profiles one by one; a corpus with none would
  // otherwise replay nothing without a word (a forgotten or misnamed field is ignored on read).
  if (config.timing === 'recorded' && !entries.some((e) => e.timing !== undefined)) {
    log.warn(`--timing recorded: no entry of ${corpusFile} carries recorded timing, so every answer is timed by the latency profiles (an entry's \`timing\`: docs/corpus-format.md)`);
  }
  // A fallback the corpus cannot serve (neither one of its models nor of their vendors) would
  // silently serve unknown ids from the whole corpus: a typo'd --fallback-model is refused. The
  // default is kept for a corpus that lacks it, which serves unknown ids whole, as documented.
  // A model its provider serves is no exception: the corpus would still answer it whole.
  if (config.fallbackModel !== DEFAULT_FALLBACK_MODEL && !new Corpus(corpus, config.fallbackModel).hasFallbackEntries) {
    const models = [...new Set(entries.map((e) => e.model))].sort();
    throw new SimError('SIM_ERR_CONFIG_INVALID', `invalid configuration: fallbackModel: "${config.fallbackModel}" is neither a model of the corpus nor of its vendors (${models.join(', ')})`);
  }
  const layout = new CounterLayout([...new Set(entries.map((e) => e.model))].sort());
  const shared: Shared = {
    config,
    corpus,
    o200k: o200kTableData(),
    profiles,
    counters: CounterLayout.allocate(layout, config.threads),
    arrivals: new SharedArrayBuffer(ARRIVALS_BYTES),
  };
  log.debug(`corpus: ${entries.length} entries, ${corpus.bytes.byteLength} bytes of token text`);
  // Building from the rank list is most of a slow start: say so, and how to avoid it.
  const tableOrigin = o200kTableOrigin();
  if (tableOrigin === 'file') log.debug(`o200k table: read from ${O200K_TABLE_FILE()}`);
  if (tableOrigin === 'ranks') log.debug(`o200k table: built from gpt-tokenizer's rank list (no current ${O200K_TABLE_FILE()}; npm run build writes it)`);

  const entry = threadEntry();
  const workers: (Worker | null)[] = new Array<Worker | null>(config.threads).fill(null);
  let stopping = false;
  let port = config.port;
  let restarts = 0;
  let collectSeq = 0;
  let applySeq = 0;
  const applying = new Map<number, { left: number; done: () => void }>();

  /**
   * Sends the policy to every thread; resolves once all have applied it, so a request made after
   * the admin reply meets the new policy on whichever thread takes it.
   */
  const broadcastPolicy = (): Promise<void> =>
    new Promise((resolve) => {
      const live = workers.filter((w): w is Worker => w !== null);
      const applyId = applySeq++;
      let answered = false;
      const done = (): void => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        applying.delete(applyId);
        resolve();
      };
      // A thread that died meanwhile must not hold the admin reply forever.
      const timer = setTimeout(done, 1000);
      applying.set(applyId, { left: live.length, done });
      for (const w of live) w.postMessage({ type: 'policy', policy, applyId } satisfies ToThread);
    });
  /** Starts the scenario's timeline and request count again (a load, a clearing, the server's start). */
  const restartScenario = (scenario: Policy['scenario']): void => {
    policy = { ...policy, scenario, scenarioLoadedAtMs: Date.now(), scenarioRun: policy.scenarioRun + 1 };
  };
  const collecting = new Map<number, { parts: Record<HistogramName, HistogramPart>[]; expected: number; done: () => void }>();

  /** Gathers every live thread's histograms and answers the thread that asked. */
  const gatherStats = (from: number, requestId: number, reset: boolean): void => {
    const live = workers.filter((w): w is Worker => w !== null);
    const collectId = collectSeq++;
    const parts: Record<HistogramName, HistogramPart>[] = [];
    let answered = false;
    const done = (): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      collecting.delete(collectId);
      const reply: ToThread = { type: 'stats-result', requestId, stats: { threads: parts.length, histograms: mergeHistograms(parts) } };
      workers[from]?.postMessage(reply);
    };
    // A thread that died mid-collection must not hold the answer forever.
    const timer = setTimeout(done, 1000);
    collecting.set(collectId, { parts, expected: live.length, done });
    for (const w of live) w.postMessage({ type: 'stats-collect', collectId, reset } satisfies ToThread);
  };

  /** Held from before the first thread starts until it is about to listen (see `holdPort`). */
  let held: Server | null = null;
  const releasePort = (then: () => void): void => {
    const h = held;
    held = null;
    if (h === null) then();
    else h.close(() => then());
  };

  const spawn = (slot: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const data: ServerThreadData = { slot, port, ...shared, quotaMemory, saturationMemory, policy, portHeld: held !== null };
      const worker = new Worker(entry, { workerData: data, ...(seams.threadStackMb === undefined ? {} : { resourceLimits: { stackSizeMb: seams.threadStackMb } }) });
      workers[slot] = worker;
      let ready = false;
      worker.on('message', (msg: FromThread) => {
        if (msg.type === 'policy-set') {
          if (msg.restarts === 'quota') {
            // Fresh buckets when the limits change, so old charges do not carry over.
            resetQuotaMemory(quotaMemory);
            policy = { ...policy, quota: msg.policy.quota, quotaSource: msg.policy.quotaSource };
          } else {
            restartScenario(msg.policy.scenario);
          }
          const sent = policy;
          void broadcastPolicy().then(() => workers[msg.slot]?.postMessage({ type: 'policy-done', requestId: msg.requestId, policy: sent } satisfies ToThread));
        } else if (msg.type === 'policy-applied') {
          const waiting = applying.get(msg.applyId);
          if (waiting && --waiting.left === 0) waiting.done();
        } else if (msg.type === 'stats-request') {
          gatherStats(msg.slot, msg.requestId, msg.reset);
        } else if (msg.type === 'stats-part') {
          const c = collecting.get(msg.collectId);
          if (c) {
            c.parts.push(msg.encoded);
            if (c.parts.length >= c.expected) c.done();
          }
        } else if (msg.type === 'peer-ask') {
          // A thread that is down (restarting) holds nothing now: the asker hears so at once.
          const owner = workers[msg.to];
          if (owner) owner.postMessage({ type: 'peer-ask', from: msg.slot, askId: msg.askId, query: msg.query } satisfies ToThread);
          else worker.postMessage({ type: 'peer-answer', askId: msg.askId, answer: { kind: 'unanswered' } } satisfies ToThread);
        } else if (msg.type === 'peer-answer') {
          workers[msg.to]?.postMessage({ type: 'peer-answer', askId: msg.askId, answer: msg.answer } satisfies ToThread);
        } else if (msg.type === 'listen-ready') {
          releasePort(() => worker.postMessage({ type: 'port-released' } satisfies ToThread));
        } else if (msg.type === 'ready') {
          ready = true;
          resolve(msg.port);
        } else if (msg.type === 'failed') {
          log.error(`server thread ${slot} failed: ${msg.message}`);
          reject(new SimError(msg.code, `server thread ${slot}: ${msg.message}`));
        }
      });
      // A message that cannot be copied is lost (a peer ask then ends late); say so.
      worker.on('messageerror', (err) => log.error(`a message from server thread ${slot} could not be read: ${err.message}`));
      worker.on('error', (err) => {
        log.error(`server thread ${slot} crashed: ${err.message}`);
        if (!ready) reject(new SimError('SIM_ERR_THREAD_START', `server thread ${slot} failed to start: ${err.message}`, { cause: err }));
      });
      worker.on('exit', (code) => {
        if (workers[slot] === worker) workers[slot] = null;
        if (stopping || !ready) return;
        log.error(`server thread ${slot} exited with code ${code}; restarting it`);
        setTimeout(() => {
          if (stopping) return;
          spawn(slot).then(
            () => {
              restarts++;
              log.info(`server thread ${slot} restarted`);
            },
            (err: unknown) => log.error(`server thread ${slot} could not restart: ${(err as Error).message}`),
          );
        }, 100).unref();
      });
    });

  /** Waits for every thread to exit; a thread that ignores its drain past the grace period is terminated. */
  const awaitExit = async (graceMs: number): Promise<void> => {
    await Promise.all(
      workers.map((w) => {
        if (w === null) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const timer = setTimeout(() => void w.terminate().then(() => resolve()), graceMs);
          w.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }),
    );
  };

  try {
    held = await holdPort(config.host, config.port);
    // The first thread resolves port 0 to a real port; the others join it there.
    port = await spawn(0);
    await Promise.all(Array.from({ length: config.threads - 1 }, (_, i) => spawn(i + 1)));
    // A scenario's phases count from when the server listens, not from before the corpus loaded.
    if (startScenario !== null) {
      restartScenario(startScenario);
      await broadcastPolicy();
    }
  } catch (err) {
    releasePort(() => undefined);
    stopping = true;
    for (const w of workers) w?.postMessage({ type: 'drain', deadlineMs: 0 } satisfies ToThread);
    await awaitExit(2000);
    throw err;
  }

  // At speed 0 there is no schedule to keep: every write is due at once, so lag is not a finding.
  const watching = config.speed > 0;
  const readTotals = (): EmissionReading => readEmissions(shared.counters, layout);
  let stopWatch = (): void => {};
  if (watching) {
    const watch = new FidelityWatch({ lateMs: config.lateEmissionMs, threads: config.threads, ...FIDELITY_WATCH_DEFAULTS }, readTotals());
    stopWatch = (seams.every ?? everyInterval)(() => {
      const line = watch.check(readTotals());
      if (line !== null) log[line.level](line.message);
    }, FIDELITY_WATCH_DEFAULTS.windowMs);
  }

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      stopWatch();
      const drained = workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w === null) return resolve();
            const timer = setTimeout(resolve, config.drainTimeoutMs + 2000);
            w.on('message', (msg: FromThread) => {
              if (msg.type !== 'drained') return;
              if (msg.cutStreams > 0) log.info(`server thread ${msg.slot}: drain deadline cut ${msg.cutStreams} response(s)`);
              clearTimeout(timer);
              resolve();
            });
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            const drain: ToThread = { type: 'drain', deadlineMs: config.drainTimeoutMs };
            w.postMessage(drain);
          }),
      );
      await Promise.all(drained);
      await awaitExit(2000);
      const summary = watching ? FidelityWatch.summary(config.lateEmissionMs, readTotals(), FIDELITY_WATCH_DEFAULTS.minEmissions) : null;
      if (summary !== null) log.info(summary);
    })());

  return {
    host: config.host,
    port,
    threads: config.threads,
    restarts: () => restarts,
    crashThread: (slot) => workers[slot]?.postMessage({ type: 'crash', reason: 'test' } satisfies ToThread),
    stop,
  };
}
