/**
 * The streaming load generator's own process: one `StreamLoad`, driven by the bench over IPC.
 * Run apart from the servers so that each process has the whole descriptor limit (10,000 streams
 * take 10,000 sockets on each side) and so the bench process's memory is the servers' alone.
 * Started with `--expose-gc` so `status` can report the heap after a collection.
 */
import { StreamLoad } from './stream-client.js';
import type { FromLoad, ToLoad } from './stream-load-messages.js';

let load: StreamLoad | null = null;

function reply(msg: FromLoad): void {
  process.send!(msg);
}

function current(): StreamLoad {
  if (load === null) throw new Error('stream load: not started');
  return load;
}

async function handle(msg: ToLoad): Promise<FromLoad> {
  switch (msg.type) {
    case 'start': {
      const { requestBase64, ...rest } = msg.options;
      load = new StreamLoad({ ...rest, request: Buffer.from(requestBase64, 'base64') });
      await load.start(msg.timeoutMs);
      return { id: msg.id, type: 'done' };
    }
    case 'planned':
      return { id: msg.id, type: 'planned', ...(await current().plannedDuration(msg.windowMs, msg.timeoutMs)) };
    case 'open-loop':
      current().openLoop(msg.ratePerSec, msg.seed, msg.maxConnections);
      return { id: msg.id, type: 'done' };
    case 'begin-window':
      current().beginWindow();
      return { id: msg.id, type: 'done' };
    case 'end-window':
      return { id: msg.id, type: 'window', result: current().endWindow() };
    case 'status': {
      if (msg.collectGarbage) (globalThis as { gc?: () => void }).gc?.();
      // Before 'start' there is no load yet: the idle process's figures.
      return { id: msg.id, type: 'status', status: { open: load?.open ?? 0, connected: load?.connected ?? 0, served: load?.served ?? 0, heapUsed: process.memoryUsage().heapUsed } };
    }
    case 'stop':
      await load?.stop();
      return { id: msg.id, type: 'done' };
  }
}

process.on('message', (msg: ToLoad) => {
  handle(msg).then(reply, (err: unknown) => reply({ id: msg.id, type: 'failed', message: err instanceof Error ? err.message : String(err) }));
});
// The bench going away ends this process too.
process.on('disconnect', () => process.exit(0));
