/** Request ids for OpenAI-shaped replies answered before a request's seeded source exists. */
import { errorIdSource } from '../error-ids.js';

/** Like OpenAI's `req_<32 hex>`, drawn from the thread's error-id source (`../error-ids.ts`). */
export const errorRequestId = (): string => 'req_' + errorIdSource().hex(4);
