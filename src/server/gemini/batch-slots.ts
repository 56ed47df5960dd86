/**
 * One request of a Gemini batch (`./batches.ts`): its body from an input file's line, and its slot
 * in the output as the API writes it, `{"response": …}` or `{"error": …}` with the request's
 * `metadata` or `key`. A request's error is a `google.rpc.Status`, whose code is the gRPC one (the
 * SDK's `JobError`), not the HTTP error body a request alone would get.
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import type { Reply } from '../reply.js';
import { INTERNAL_ERROR, invalidArgument, type GeminiError } from './errors.js';
import { isMessage, MAX_BATCH_REQUESTS, parseJsonBody } from './request.js';

/** `google.rpc.Code` by HTTP status: a request's error in its slot is a `google.rpc.Status`, whose code is the gRPC one. */
const RPC_CODE: Readonly<Record<number, number>> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 500: 13, 503: 14, 504: 4 };
/** `google.rpc.Code.CANCELLED`. */
export const RPC_CANCELLED = 1;
/** `google.rpc.Code.RESOURCE_EXHAUSTED`: a failed batch's, whose output was more than could be kept. */
export const RPC_RESOURCE_EXHAUSTED = 8;

/** A request's error as its slot reports it: a `google.rpc.Status`. */
export function rpcStatus(e: { readonly code: number; readonly message: string; readonly details?: readonly unknown[] }): string {
  return JSON.stringify({ code: RPC_CODE[e.code] ?? 2, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) });
}

/** A slot's JSON: the response or error, and what the request's slot repeats of it (`tag`: its `metadata` or `key`, or ''). */
export const slotJson = (field: 'response' | 'error', json: string, tag: string): string => `{"${field}":${json}${tag === '' ? '' : `,${tag}`}}`;

export const INTERNAL_REPLY: Reply = { kind: 'reset', meta: { route: 'gemini_batches', modelIndex: OTHER_MODEL, errorKind: null } };

/** An answered request: its slot, whether it succeeded, and when its answer would have been generated after the batch's start. */
export interface Slot {
  readonly slot: string;
  readonly ok: boolean;
  readonly delayMs: number;
}

/** One request's slot from the generateContent handler's reply; a held, reset or cut reply (a chaos fault) is an internal error. */
export function slotOf(reply: Reply, tag: string): Slot {
  const internal: Slot = { slot: slotJson('error', rpcStatus(INTERNAL_ERROR), tag), ok: false, delayMs: 0 };
  if (reply.kind !== 'json' || reply.truncate === true) return internal;
  // Copied now: a reply at --speed 0 may be a view of the thread's scratch memory.
  const body = typeof reply.body === 'string' ? reply.body : reply.body.toString('utf8');
  if (!body.startsWith('{')) return internal;
  if (reply.status === 200) return { slot: slotJson('response', body, tag), ok: true, delayMs: reply.delayMs };
  const parsed = JSON.parse(body) as { error?: { code: number; message: string; details?: unknown[] } };
  return parsed.error === undefined ? internal : { slot: slotJson('error', rpcStatus(parsed.error), tag), ok: false, delayMs: 0 };
}

/**
 * The requests of an input file: each line `{key, request}`; a line that is not one is that
 * request's error. A file with no requests, or more than a batch may hold, is the batch's 400.
 */
export function fileRequests(content: string, fileName: string): { tags: string[]; bodies: (string | GeminiError)[] } | { error: GeminiError } {
  const tags: string[] = [];
  const bodies: (string | GeminiError)[] = [];
  const rows = content.split('\n');
  for (let n = 0; n < rows.length; n++) {
    const row = rows[n]!.trim();
    if (row === '') continue;
    if (bodies.length === MAX_BATCH_REQUESTS) return { error: invalidArgument(`The input file ${fileName} holds more than the ${MAX_BATCH_REQUESTS} requests a batch may hold.`) };
    const json = parseJsonBody(row);
    const line = json.ok && isMessage(json.value) ? json.value : null;
    const key = line?.key;
    tags.push(key === undefined ? '' : `"key":${JSON.stringify(typeof key === 'string' ? key : JSON.stringify(key))}`);
    if (line === null) bodies.push(invalidArgument(`Line ${n + 1} of the input file is not a JSON object.`));
    else if (!isMessage(line.request)) bodies.push(invalidArgument(`Line ${n + 1} of the input file has no request object.`));
    else bodies.push(JSON.stringify(line.request));
  }
  if (bodies.length === 0) return { error: invalidArgument(`The input file ${fileName} holds no requests.`) };
  return { tags, bodies };
}
