/**
 * The baseline server: one uWS thread that answers every chat completion POST with a static body,
 * started exactly like a simulator server thread (a worker that owns one uWS app), so the
 * non-streaming ratio compares the simulator's work per request with uWS's alone. Optionally it
 * also sends a fixed copy of the simulator's headers, so the response bytes match too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { loadUws } from '../src/server/uws.js';
import type { BareFromThread, BareThreadData, BareToThread } from './bare-uws-messages.js';

const data = workerData as BareThreadData;
const port = parentPort!;
const post = (msg: BareFromThread): void => port.postMessage(msg);

const uws = loadUws();
// A JSON body of exactly the simulator's typical response length.
const BODY = Buffer.alloc(data.bodyBytes, 'x');
BODY.write('{"pad":"', 0, 'latin1');
BODY.write('"}', data.bodyBytes - 2, 'latin1');

// With extra headers, the whole block goes in one writeHeader call, as the simulator writes it.
let HEAD = 'application/json';
for (let i = 0; i < data.headers.length; i += 2) HEAD += `\r\n${data.headers[i]!}: ${data.headers[i + 1]!}`;

let reply: HttpResponse | null = null;
/** Module-level so `cork` gets the same function every time. */
function sendCorked(): void {
  reply!.writeHeader('content-type', HEAD).end(BODY);
}

const app = uws.App();
/** The streaming mode's writer, cleared on stop. */
let pacer: NodeJS.Timeout | null = null;
if (data.sse === undefined) {
  app.post('/v1/chat/completions', (res) => {
    res.onAborted(() => {});
    res.onData((_chunk, last) => {
      if (!last) return;
      reply = res;
      res.cork(sendCorked);
      reply = null;
    });
  });
} else serveStreams(data.sse);

/** Streaming mode (see `BareThreadData.sse`): the least a server can do per SSE event. */
function serveStreams(sse: NonNullable<BareThreadData['sse']>): void {
  const event = Buffer.from(sse.event);
  const writes = new Int32Array(data.writes);
  const open: HttpResponse[] = [];
  const gone = new WeakSet<HttpResponse>();
  app.post('/v1/chat/completions', (res) => {
    res.onAborted(() => gone.add(res));
    res.onData((_chunk, last) => {
      if (!last) return;
      res.cork(() => res.writeHeader('content-type', 'text/event-stream').write('\n'));
      open.push(res);
    });
  });
  let target: HttpResponse | null = null;
  const writeEvent = (): void => {
    target!.write(event);
  };
  let next = 0;
  let owed = 0;
  let last = performance.now();
  pacer = setInterval(() => {
    const now = performance.now();
    owed += ((now - last) * sse.eventsPerSec) / 1000;
    last = now;
    let n = Math.floor(owed);
    owed -= n;
    let skipped = 0;
    while (n > 0 && open.length > 0 && skipped < open.length) {
      const res = open[next++ % open.length]!;
      if (gone.has(res)) {
        skipped++;
        continue;
      }
      target = res;
      res.cork(writeEvent);
      target = null;
      Atomics.add(writes, 0, 1);
      n--;
    }
  }, 1);
}

app.listen('127.0.0.1', 0, (ls) => {
  if (!ls) {
    post({ type: 'failed', message: 'bare uWS: cannot listen on 127.0.0.1' });
    port.close();
    return;
  }
  post({ type: 'ready', port: uws.us_socket_local_port(ls) });
  port.on('message', (msg: BareToThread) => {
    if (msg.type !== 'stop') return;
    // Releasing every uWS handle (and the writer's interval) lets the thread exit on its own;
    // terminate() with sockets open aborts Node.
    if (pacer !== null) clearInterval(pacer);
    uws.us_listen_socket_close(ls);
    (app as typeof app & { close(): void }).close();
    port.close();
  });
});
