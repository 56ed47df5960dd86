/**
 * Headers that tell a load tool what the simulator meant, so it can compare with what it saw:
 * the corpus entry, the planned time to first token and mean inter-token gap, and a trace id.
 */
import type { EntryMeta } from '../corpus/compiled.js';
import type { ScheduleSummary } from '../timing/schedule.js';

/** What `x-understudy-entry` names for `entry`: its id, or `synthesized` for a reply no corpus entry leads. */
export function entryName(entry: EntryMeta | null): string {
  return entry?.id ?? 'synthesized';
}

export function groundTruthHeaders(entry: EntryMeta | null, schedule: ScheduleSummary, traceId: string): string[] {
  return namedGroundTruthHeaders(entryName(entry), schedule, traceId);
}

/**
 * The same headers with the entry already named (`entryName`): a background response keeps the
 * name, not the entry, for the streams that resume it, which may run on another thread.
 */
export function namedGroundTruthHeaders(entry: string, schedule: ScheduleSummary, traceId: string): string[] {
  return [
    'x-understudy-entry', entry,
    'x-understudy-ttft-ms', schedule.ttftMs.toFixed(1),
    'x-understudy-itl-ms', schedule.meanItlMs.toFixed(2),
    'x-understudy-trace-id', traceId,
  ];
}

/**
 * The same headers for a reply with no output tokens (embeddings, moderations): no corpus entry,
 * the planned time to the whole reply as its TTFT, and no gaps.
 */
export function oneShotGroundTruthHeaders(plannedMs: number, traceId: string): string[] {
  return groundTruthHeaders(null, { ttftMs: plannedMs, meanItlMs: 0, totalMs: plannedMs }, traceId);
}
