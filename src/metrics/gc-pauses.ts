/**
 * The garbage-collection pauses of the thread this runs in, as V8 reports them (Node's `gc`
 * performance entries: scavenges, mark-compacts, incremental marking steps). A pause stops every
 * stream of the thread at once, so the emission-lag tail is read against these.
 */
import { PerformanceObserver } from 'node:perf_hooks';

/** Calls `record` with each pause's duration in ms, after the pause (entries arrive in batches); returns the stop function. */
export function observeGcPauses(record: (ms: number) => void): () => void {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
