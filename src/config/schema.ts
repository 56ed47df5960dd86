/**
 * The one configuration schema. CLI flags, the config file and `startSimulator()` options all
 * pass through `resolveConfig`, which validates once and returns a frozen, fully typed object.
 * Every message names the field and the rule.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { SimError } from '../sim-error.js';

export type TimingMode = 'profile' | 'recorded';
export type HeadersAt = 'accept' | 'first-token';
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const MiB = 1024 * 1024;

/** The fallback when none is named; a corpus without it is served whole to unknown ids. */
export const DEFAULT_FALLBACK_MODEL = 'gpt-4o-mini';

export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
    port: z.number().int().min(0).max(65535).default(8787).describe('Port to listen on; 0 picks a free port (reported on start).'),
    threads: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(() => availableParallelism())
      .describe('Server threads, each running its own uWS app on the same port (SO_REUSEPORT).'),
    seed: z.number().int().min(0).max(0xffffffff).default(1).describe('Seed for every random choice; the same seed and requests give the same run.'),
    corpus: z.string().min(1).optional().describe('Path to a corpus .msgpack file.'),
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * MiB)
      .default(8 * MiB)
      .describe('Largest request body accepted; larger bodies get 413.'),
    drainTimeoutMs: z.number().int().min(0).max(600_000).default(10_000).describe('On SIGINT/SIGTERM, how long in-flight responses may run before they are cut.'),
    apiKeys: z
      .array(z.string().min(1))
      .default([])
      .describe('Accepted API keys; none listed (the default) accepts any key, or none. Wrong keys get the provider\'s refusal (401; Gemini\'s and xAI\'s 400). An empty key is refused.'),
    strictModels: z
      .boolean()
      .default(false)
      .describe("Answer model ids that are neither in the corpus nor served by their provider today (and retired ones) with the provider's 404 instead of serving them from the fallback model or the vendor's entries."),
    fallbackModel: z
      .string()
      .min(1)
      .default(DEFAULT_FALLBACK_MODEL)
      .describe('Corpus model that serves model ids the corpus lacks whose vendor it also lacks (an unknown gpt-*/claude-*/gemini-*/grok-* id is served from its vendor\'s entries).'),
    timing: z.enum(['profile', 'recorded']).default('profile').describe('profile: latencies drawn from the model\'s latency profile; recorded: replay recorded timing where an entry has it.'),
    speed: z.number().min(0).max(1000).default(1).describe('Multiplier on every delay the timing model plans (TTFT, token gaps, held replies): 2 is twice as slow, 0.5 twice as fast, 0 sends with no delay (raw throughput). A chaos fault\'s delayMs and a saturated profile\'s queueMs are not scaled.'),
    headersAt: z
      .enum(['accept', 'first-token'])
      .default('accept')
      .describe('When a stream\'s status and headers go out: on accept (as providers do) or with the first token (so a load tool\'s time-to-first-byte equals TTFT).'),
    pacing: z
      .enum(['spin', 'poll', 'sleep'])
      .default('spin')
      .describe('How a server thread waits for a stream\'s next event: spin turns the event loop without sleeping while an event is due within about 1 ms and, between turns, busy-waits for an event due within 0.1 ms (at most 0.4 ms at a time, and not while the thread is behind); poll only turns the loop; both keep the thread busy while streams are dense, for sub-millisecond emission; sleep waits on a 1 ms timer (idle stays idle; events go out 1–2 ms late).'),
    profiles: z.string().min(1).optional().describe('Path to a latency profiles file (JSON or YAML) that replaces the built-in profiles.'),
    stalledStreamTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(30_000)
      .describe('A stream, or a reply over 16 KiB, paused for backpressure this long is closed.'),
    lateEmissionMs: z
      .number()
      .min(0.001)
      .max(60_000)
      .default(10)
      .describe('A timed write (SSE event, held reply) sent more than this many ms after its scheduled time counts as late (understudy_late_emissions_total). When speed > 0 and over 1% of the timed writes in a 10 s window are late, a warning is logged: client-side latencies then include the simulator\'s own delay.'),
    quota: z
      .string()
      .min(1)
      .optional()
      .describe('Rate limits per API key and model: a preset (openai-tier-1, openai-tier-3, openai-tier-5, anthropic-tier-1, anthropic-tier-4, gemini-free, gemini-tier-1) or a JSON/YAML file. Default: no limits.'),
    scenario: z
      .string()
      .min(1)
      .optional()
      .describe('Chaos scenario: a name from scenarios/ (rate-limit-storm, provider-brownout, flaky-streams, overload-529, quota-exhaustion) or a JSON/YAML file. Default: none.'),
    overrideHeaders: z
      .boolean()
      .default(true)
      .describe('Honour per-request x-understudy-fault / -ttft-ms / -entry / -batch-output-limit-bytes headers (for unit tests); turn off for load tests with --no-override-headers.'),
    adminToken: z
      .string()
      .min(8)
      .optional()
      .describe('Bearer token, at least 8 characters, for the admin API under /_understudy/ (scenario and quota control, and resetting the stats). Required to use it when --host is not a loopback address.'),
    logLevel: z.enum(['silent', 'error', 'warn', 'info', 'debug']).default('info').describe('Log verbosity (logs go to stderr; API keys are never logged).'),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = Readonly<z.output<typeof configSchema>>;

/** Formats the first zod issue as `field: rule`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${field}: ${issue.message}`;
}

/** Validates options once; the result is frozen and never re-checked on the hot path. */
export function resolveConfig(input: unknown): Config {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const messages = parsed.error.issues.map(describeIssue);
    throw new SimError('SIM_ERR_CONFIG_INVALID', `invalid configuration: ${messages.join('; ')}`);
  }
  const config = parsed.data;
  if (config.apiKeys.length > 0 && new Set(config.apiKeys).size !== config.apiKeys.length) {
    throw new SimError('SIM_ERR_CONFIG_INVALID', 'invalid configuration: apiKeys: must not repeat a key');
  }
  return Object.freeze({ ...config, apiKeys: Object.freeze([...config.apiKeys]) as string[] });
}
