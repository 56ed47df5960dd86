/** Request ids for OpenAI-shaped replies answered before a request's seeded source exists. */
let errorSeq = 0;
export const errorRequestId = (): string => `req_${(errorSeq++).toString(16).padStart(32, '0')}`;
