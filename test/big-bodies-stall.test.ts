/**
 * A large reply that is not a stream, paused on a client that stops reading for longer than uWS's
 * own timeout (10 s, swept every 4 s): the stall limit, not uWS, decides when it is cut. This
 * waits on uWS's real timer, which no clock of ours drives.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { metric, useSimulator } from './fixtures/sim.js';

const BODY_BYTES = 16 * 1024 * 1024;
const AUTH = 'Bearer sk-big-bodies';

const sim = useSimulator({ bodyLimitBytes: 64 * 1024 * 1024, stalledStreamTimeoutMs: 20_000 });

it('resumes once the client reads again after a pause past uWS\'s timeout, and delivers every byte', async () => {
  const content = Buffer.alloc(BODY_BYTES);
  for (let i = 0; i < content.length; i++) content[i] = (i * 131 + (i >>> 11)) & 0xff;
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', new Blob([content]), 'big.jsonl');
  const id = ((await (await fetch(`${sim().url}/v1/files`, { method: 'POST', headers: { authorization: AUTH }, body: form })).json()) as { id: string }).id;

  const socket = connect(sim().port, '127.0.0.1');
  socket.pause();
  socket.write(`GET /v1/files/${id}/content HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n`);
  // Past uWS's 8–12 s, and past three re-arms of its timeout.
  await new Promise((resolve) => setTimeout(resolve, 12_500));
  const chunks: Buffer[] = [];
  const received = new Promise<Buffer>((resolve) => {
    let got = 0;
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      const all = Buffer.concat(chunks);
      const headEnd = all.indexOf('\r\n\r\n');
      if (headEnd >= 0 && got - headEnd - 4 >= BODY_BYTES) resolve(all.subarray(headEnd + 4));
    });
    socket.on('close', () => resolve(Buffer.alloc(0)));
  });
  socket.resume();
  const body = await received;
  expect(body.length).toBe(BODY_BYTES);
  expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
  socket.destroy();
  expect(await metric(sim(), 'understudy_errors_total{kind="stalled_stream"}')).toBe(0);
  expect(await metric(sim(), 'understudy_errors_total{kind="client_disconnect"}')).toBe(0);
}, 30_000);
