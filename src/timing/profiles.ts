/**
 * Latency profiles are data: `profiles/default.json` (or a user's file) validated once at start.
 * A model id maps to the first profile whose `prefix` it starts with, so the table lists longer
 * prefixes first.
 */
import { z } from 'zod';
import { readDataFile } from '../config/data-file.js';
import { DEFAULT_PROFILES_FILE } from '../package-root.js';
import { SimError } from '../sim-error.js';

const distribution = z
  .object({
    p50Ms: z.number().positive(),
    p95Ms: z.number().positive(),
    minMs: z.number().nonnegative(),
    maxMs: z.number().positive(),
  })
  .strict();

const profileSchema = z
  .object({
    ttft: distribution,
    prefillMsPerToken: z.number().nonnegative(),
    itl: distribution,
    stall: z.object({ probability: z.number().min(0).max(1), p50Ms: z.number().positive(), p95Ms: z.number().positive() }).strict(),
    tokensPerChunk: z.object({ min: z.number().int().min(1), max: z.number().int().min(1) }).strict(),
    /**
     * Hidden reasoning (optional): `ttft` was measured at the model's default effort, which reasons
     * about `typicalTokens` unseen before the first visible token; a request that reasons R tokens
     * has its drawn TTFT scaled by `1 + (R − typicalTokens) × msPerToken / ttft.p50Ms`, so an
     * effort of `minimal` answers in about a second and `high` waits several times the median.
     */
    hiddenReasoning: z.object({ typicalTokens: z.number().nonnegative(), msPerToken: z.number().nonnegative() }).strict().optional(),
    /**
     * Concurrency capacity (optional): past `knee` requests in flight for this profile, TTFT and
     * inter-token gaps grow by `slope × ((inFlight − knee) / knee)^exponent`; past `hardLimit`,
     * requests wait `queueMs` and are refused with `overflowStatus`, as a saturated provider does.
     */
    capacity: z
      .object({
        knee: z.number().int().positive(),
        hardLimit: z.number().int().positive(),
        ttftSlope: z.number().nonnegative().default(2),
        itlSlope: z.number().nonnegative().default(0.5),
        exponent: z.number().positive().default(1.5),
        queueMs: z.number().nonnegative().default(2000),
        overflowStatus: z.union([z.literal(429), z.literal(503)]).default(429),
      })
      .strict()
      .optional(),
  })
  .strict();

const profilesFileSchema = z
  .object({
    $comment: z.string().optional(),
    profiles: z.record(z.string().min(1), profileSchema),
    models: z.array(z.object({ prefix: z.string(), profile: z.string().min(1) }).strict()).min(1),
  })
  .strict();

export type LatencyProfile = z.output<typeof profileSchema>;
export type ProfileTable = Readonly<z.output<typeof profilesFileSchema>>;

/** Rules that a schema cannot express, written as sentences that name the field. */
function checkProfileRules(table: ProfileTable, file: string): void {
  const fail = (msg: string): never => {
    throw new SimError('SIM_ERR_PROFILE_INVALID', `${file}: ${msg}`);
  };
  for (const [name, p] of Object.entries(table.profiles)) {
    for (const key of ['ttft', 'itl'] as const) {
      const d = p[key];
      if (d.p95Ms < d.p50Ms) fail(`profiles.${name}.${key}.p95Ms must be ≥ profiles.${name}.${key}.p50Ms`);
      if (d.maxMs < d.minMs) fail(`profiles.${name}.${key}.maxMs must be ≥ profiles.${name}.${key}.minMs`);
    }
    if (p.stall.p95Ms < p.stall.p50Ms) fail(`profiles.${name}.stall.p95Ms must be ≥ profiles.${name}.stall.p50Ms`);
    if (p.tokensPerChunk.max < p.tokensPerChunk.min) fail(`profiles.${name}.tokensPerChunk.max must be ≥ profiles.${name}.tokensPerChunk.min`);
    const hidden = p.hiddenReasoning;
    // The scale at R = 0 must stay positive: a request that reasons nothing still waits for its first token.
    if (hidden && hidden.typicalTokens * hidden.msPerToken >= p.ttft.p50Ms) fail(`profiles.${name}.hiddenReasoning.typicalTokens × msPerToken must be < profiles.${name}.ttft.p50Ms`);
    if (p.capacity && p.capacity.hardLimit < p.capacity.knee) fail(`profiles.${name}.capacity.hardLimit must be ≥ profiles.${name}.capacity.knee`);
  }
  table.models.forEach((m, i) => {
    if (!Object.hasOwn(table.profiles, m.profile)) fail(`models[${i}].profile names unknown profile "${m.profile}"`);
    // The first matching rule wins, so a rule after one with a prefix of its prefix never applies:
    // the default file once had "o" (the o-series) before "omni-moderation", and served
    // moderations at a reasoning model's seconds of TTFT.
    const earlier = table.models.findIndex((e, j) => j < i && m.prefix.startsWith(e.prefix));
    if (earlier !== -1) fail(`models[${i}] (prefix "${m.prefix}") never applies: models[${earlier}] (prefix "${table.models[earlier]!.prefix}") comes first and matches every model it would`);
  });
  if (!table.models.some((m) => m.prefix === '')) fail('models must end with a catch-all entry whose prefix is ""');
}

export function parseProfiles(raw: unknown, file: string): ProfileTable {
  const parsed = profilesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SimError('SIM_ERR_PROFILE_INVALID', `${file}: ${issue ? issue.path.join('.') : '?'}: ${issue?.message ?? 'invalid'}`);
  }
  checkProfileRules(parsed.data, file);
  return parsed.data;
}

export function loadProfiles(file: string = DEFAULT_PROFILES_FILE()): ProfileTable {
  return parseProfiles(readDataFile(file, 'SIM_ERR_PROFILE_INVALID', 'profiles file'), file);
}

export function profileNameFor(table: ProfileTable, model: string): string {
  for (const m of table.models) if (model.startsWith(m.prefix)) return m.profile;
  // checkProfileRules guarantees a catch-all, so this is unreachable for a validated table.
  return table.models[table.models.length - 1]!.profile;
}
