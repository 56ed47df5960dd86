/**
 * Request validation with zod, paying for `reportInput` only when it is needed. The provider
 * error messages quote the offending value, which zod records only under `reportInput: true`;
 * but that option takes zod off its compiled fast path (about 6× slower on a small valid chat
 * request). So the well-formed majority is parsed plainly, and only a failed parse runs again
 * with the input reported.
 */
import type { z } from 'zod';

export function parseReportingInput<S extends z.ZodType>(schema: S, input: unknown): z.ZodSafeParseResult<z.output<S>> {
  const fast = schema.safeParse(input);
  return fast.success ? fast : schema.safeParse(input, { reportInput: true });
}
