/**
 * The simulator's own faults (bad config, a corrupt corpus, a missing native binding).
 * Simulated provider failures, the JSON bodies a client sees, live in `src/server/*-errors.ts`
 * and never use this class.
 *
 * A class is lost when an error crosses a worker boundary; the `code` survives, so callers
 * branch on `code`, never on `instanceof`.
 */
export const SIM_ERROR_CODES = {
  SIM_ERR_CONFIG_INVALID: 'The configuration (flags, config file or programmatic options) broke a rule; the message names the field.',
  SIM_ERR_CONFIG_FILE: 'The config file could not be read or parsed as JSON or YAML.',
  SIM_ERR_CORPUS_READ: 'The corpus file could not be read from disk.',
  SIM_ERR_CORPUS_FORMAT: 'The corpus file is not an llm-understudy corpus (bad msgpack or a missing envelope field).',
  SIM_ERR_CORPUS_VERSION: 'The corpus file was written by a format version this build cannot read.',
  SIM_ERR_CORPUS_INTEGRITY: 'The corpus payload does not match its checksum (truncated or edited file).',
  SIM_ERR_CORPUS_ENTRY: 'A corpus entry breaks the format rules; the message names the entry and the field.',
  SIM_ERR_CORPUS_EMPTY: 'The corpus holds no entries, so nothing can be served.',
  SIM_ERR_PROFILE_INVALID: 'A latency profile breaks a rule; the message names the profile and the field.',
  SIM_ERR_SCENARIO_INVALID: 'A chaos scenario is unknown, unreadable or breaks a rule; the message names the field.',
  SIM_ERR_QUOTA_INVALID: 'The --quota preset is unknown, or the quota file is unreadable or breaks a rule; the message names the field.',
  SIM_ERR_UWS_FALLBACK: 'The native uWebSockets.js binding did not load; the pure-JS fallback is refused.',
  SIM_ERR_LISTEN: 'A server thread could not listen on the configured host and port.',
  SIM_ERR_PORT_IN_USE: 'Something already listens on the configured host and port (often a simulator left running).',
  SIM_ERR_THREAD_START: 'A server thread failed before it reported ready.',
} as const satisfies Record<`SIM_ERR_${string}`, string>;

export type SimErrorCode = keyof typeof SIM_ERROR_CODES;

export class SimError extends Error {
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimError';
    this.code = code;
  }
}

/** Narrows an unknown thrown value (possibly cloned across a worker boundary) to a coded error. */
export function simErrorCode(err: unknown): SimErrorCode | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err).code;
    if (typeof code === 'string' && code in SIM_ERROR_CODES) return code as SimErrorCode;
  }
  return undefined;
}
