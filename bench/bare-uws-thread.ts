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
app.post('/v1/chat/completions', (res) => {
  res.onAborted(() => {});
  res.onData((_chunk, last) => {
    if (!last) return;
    reply = res;
    res.cork(sendCorked);
    reply = null;
  });
});

app.listen('127.0.0.1', 0, (ls) => {
  if (!ls) {
    post({ type: 'failed', message: 'bare uWS: cannot listen on 127.0.0.1' });
    port.close();
    return;
  }
  post({ type: 'ready', port: uws.us_socket_local_port(ls) });
  port.on('message', (msg: BareToThread) => {
    if (msg.type !== 'stop') return;
    // Releasing every uWS handle lets the thread exit on its own; terminate() with sockets open aborts Node.
    uws.us_listen_socket_close(ls);
    (app as typeof app & { close(): void }).close();
    port.close();
  });
});
