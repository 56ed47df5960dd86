/**
 * One request of a batch (Anthropic's message batches, OpenAI's Batch API), answered by its
 * route's own handler outside any exchange, so a result is the answer the same request would get
 * alone. Each request runs at the random-source and fault positions its batch reserved when
 * created (`ThreadContext.reserveArrivals`), so polling the batch, or any other traffic meanwhile,
 * does not change its answers. Batches have their own rate limits at the providers and queue
 * rather than refuse, so the live limits do not apply (`RequestInfo.batchFault`); chaos faults do.
 */
import { withoutClient, type RequestInfo } from './http-exchange.js';
import { forgetUnclaimed, releaseUnclaimed } from './policy.js';
import type { Reply } from './reply.js';
import type { ThreadContext } from './thread-context.js';

/** The request as the batch's item `index` sends it: the batch's headers, its reserved fault position, no overrides. */
export function batchItemInfo(info: RequestInfo, fault: number): RequestInfo {
  return { ...info, params: [], overrideFault: '', overrideTtftMs: '', overrideEntry: '', overrideBatchOutputBytes: '', batchFault: fault };
}

/**
 * Runs a batch request's handler at the random-source position `source`; its reply is never
 * sent, so the saturation slot it took goes back. A handler that throws (a body nested too deep
 * for it) is answered by `failed`, as the exchange answers one: the thread goes on.
 */
export function answerBatchItem(ctx: ThreadContext, source: number, run: () => Reply | Promise<Reply>, failed: (err: unknown) => Reply): Reply | Promise<Reply> {
  forgetUnclaimed();
  let reply: Reply | Promise<Reply>;
  try {
    // The batch answers it whether or not the client that created the batch is still there.
    reply = ctx.atArrival(source, () => withoutClient(run));
  } catch (err) {
    reply = failed(err);
  } finally {
    releaseUnclaimed((slot) => ctx.saturation?.release(slot));
  }
  if (!(reply instanceof Promise)) return reply;
  // A reply computed in a pool (a large embeddings request) was admitted when it arrived.
  return reply.then(
    (r) => {
      const slot = r.meta.saturationSlot ?? -1;
      if (slot >= 0) ctx.saturation?.release(slot);
      return r;
    },
    (err: unknown) => failed(err),
  );
}
