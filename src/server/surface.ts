/**
 * A provider surface (OpenAI, Anthropic, Gemini, …): the routes it serves and the error shape it
 * answers in. The app asks each surface to register its routes, and answers an unmatched path in
 * the shape of the surface it looks like (405 for a known path with the wrong method, 404 else).
 */
import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import type { ErrorKind } from '../metrics/counters.js';
import { TOO_DEEP_MESSAGE, type RouteErrors } from './http-exchange.js';
import type { JsonReply } from './reply.js';
import type { ThreadContext } from './thread-context.js';

/** Generic failures the simulator itself answers, in a surface's own error shape. */
export interface SurfaceErrorShape {
  /** A reply with this status and message in the surface's error body, counted as `kind`. */
  reply(status: number, message: string, kind: ErrorKind): JsonReply;
}

export interface Surface {
  readonly name: string;
  /** Paths served, each with the method it accepts, for 405 answers. */
  readonly paths: readonly (readonly [RegExp, string])[];
  /** Unmatched paths that look like this surface's get a 404 in its shape. */
  owns(path: string): boolean;
  readonly errors: SurfaceErrorShape;
  register(app: TemplatedApp, ctx: ThreadContext): void;
}

/** The exchange's 413, 400 for nesting and 500 for a surface's routes. */
export function routeErrors(shape: SurfaceErrorShape, bodyLimitBytes: number): RouteErrors {
  return {
    tooLarge: () => ({ ...shape.reply(413, `Request body too large: the limit is ${bodyLimitBytes} bytes.`, 'body_too_large') }),
    internal: () => shape.reply(500, 'The server had an error while processing your request. Sorry about that!', 'internal'),
    tooDeep: () => shape.reply(400, TOO_DEEP_MESSAGE, 'invalid_request'),
    shuttingDown: () => shape.reply(503, 'The server is shutting down; retry on a new connection.', 'shutting_down'),
  };
}
