/**
 * One request of a batch (Anthropic's message batches, OpenAI's Batch API), answered by its
 * route's own handler outside any exchange, so a result is the answer the same request would get
 * alone. Batches have their own rate limits at the providers and queue rather than refuse, so the
 * live limits do not apply; chaos faults do. Each request runs at the random-source and fault
 * positions its batch reserved when created (`ThreadContext.reserveArrivals`), so polling the
 * batch, or any other traffic meanwhile, does not change its answers.
 */
import { takeUnclaimedSlot } from './policy.js';
import type { Reply } from './reply.js';
import type { ThreadContext } from './thread-context.js';

/** Runs a batch request's handler at positions `source` and `fault`; its reply is never sent, so the saturation slot it took goes back. */
export function answerBatchItem(ctx: ThreadContext, source: number, fault: number, run: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
  takeUnclaimedSlot();
  const quota = ctx.quota;
  let reply: Reply | Promise<Reply>;
  try {
    ctx.quota = null;
    reply = ctx.atArrival(source, fault, run);
  } finally {
    ctx.quota = quota;
    const unclaimed = takeUnclaimedSlot();
    if (unclaimed >= 0) ctx.saturation?.release(unclaimed);
  }
  if (!(reply instanceof Promise)) return reply;
  // A reply computed in a pool (a large embeddings request) was admitted when it arrived.
  return reply.then((r) => {
    const slot = r.meta.saturationSlot ?? -1;
    if (slot >= 0) ctx.saturation?.release(slot);
    return r;
  });
}
