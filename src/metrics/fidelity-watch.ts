/**
 * The main thread's watch on the simulator's own timing. A load test reads latencies at the
 * client; when the simulator falls behind its schedule, what the client measures is no longer what
 * the latency profile says, and nothing in the client's figures shows it. So every window (10 s)
 * the watch reads two shared counters (timed writes, and those later than `lateEmissionMs`) and
 * logs a warning while more than 1% of the window's writes were late, which is the window's lag
 * p99 past the threshold; and a line when the server is back on schedule.
 *
 * It reads counters rather than the lag histograms: a histogram read is a round trip to every
 * thread and a copy of its arrays, and users reset the histograms (`/_understudy/stats/reset`)
 * while the counters only grow.
 */

/** Cumulative counts since the server started, summed over threads. */
export interface EmissionReading {
  readonly emissions: number;
  readonly late: number;
  readonly activeStreams: number;
  /** Streams paused now on clients that stopped reading: their wait counts as lag, and is not the server's. */
  readonly pausedStreams: number;
}

export interface FidelityWatchOptions {
  /** The `lateEmissionMs` the counters were kept with. */
  readonly lateMs: number;
  readonly windowMs: number;
  readonly threads: number;
  /**
   * A window with fewer timed writes says nothing: on an idle development server one GC pause
   * can make a few writes of a hundred late, which no load test would notice.
   */
  readonly minEmissions: number;
  /** Share of late writes past which a window is reported; 0.01 puts the line at the lag p99. */
  readonly maxLateShare: number;
}

export const FIDELITY_WATCH_DEFAULTS = { windowMs: 10_000, minEmissions: 1000, maxLateShare: 0.01 } as const;

export interface FidelityLine {
  readonly level: 'warn' | 'info';
  readonly message: string;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const percent = (share: number): string => `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;

export class FidelityWatch {
  readonly #options: FidelityWatchOptions;
  #last: EmissionReading;
  #behind: boolean;

  constructor(options: FidelityWatchOptions, start: EmissionReading) {
    this.#options = options;
    this.#last = start;
    this.#behind = false;
  }

  /** Takes the next reading; returns the line to log for the window it closes, or null. */
  check(now: EmissionReading): FidelityLine | null {
    const o = this.#options;
    const emissions = now.emissions - this.#last.emissions;
    const late = now.late - this.#last.late;
    this.#last = now;
    // Too few writes to judge either way: no warning, and no word of recovery either.
    if (emissions < o.minEmissions) return null;
    const share = late / emissions;
    const seconds = Math.round(o.windowMs / 1000);
    if (share > o.maxLateShare) {
      this.#behind = true;
      const threads = o.threads === 1 ? '1 server thread' : `${o.threads} server threads`;
      return {
        level: 'warn',
        message:
          `timing fidelity: ${percent(share)} of ${count(emissions)} timed writes in the last ${seconds} s went out more than ${o.lateMs} ms late ` +
          `(${count(now.activeStreams)} streams open, ${threads}): latencies measured by clients now include the simulator's own delay. ` +
          (now.pausedStreams > 0
            ? `${count(now.pausedStreams)} of the streams are paused on clients that stopped reading, and their wait counts as lag too: if they are not the cause, lower the load or add server threads (--threads)`
            : 'Lower the load or add server threads (--threads)') +
          '; /_understudy/stats has the lag percentiles.',
      };
    }
    if (this.#behind) {
      this.#behind = false;
      return { level: 'info', message: `timing fidelity: back on schedule (${percent(share)} of ${count(emissions)} timed writes in the last ${seconds} s more than ${o.lateMs} ms late)` };
    }
    return null;
  }

  /**
   * The whole run's figure, for the log at stop; null for a run of fewer than `minEmissions` timed
   * writes (a unit test's simulator, not a load test), which would only add a line to its output.
   */
  static summary(lateMs: number, total: EmissionReading, minEmissions: number): string | null {
    if (total.emissions < minEmissions || total.emissions === 0) return null;
    return `timing fidelity over the run: ${count(total.emissions)} timed writes, ${percent(total.late / total.emissions)} more than ${lateMs} ms late`;
  }
}
