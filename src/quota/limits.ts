/**
 * Rate limits per API key and model, from a named preset resembling a provider usage tier or
 * from a file. OpenAI and Gemini limit requests and tokens per minute; Anthropic limits
 * requests, input tokens and output tokens per minute (and tokens, input and output together,
 * where a table gives a Claude model a tokensPerMinute).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { readDataFile } from '../config/data-file.js';
import { SimError } from '../sim-error.js';

export type QuotaDimension = 'requests' | 'tokens' | 'input_tokens' | 'output_tokens';
export const QUOTA_DIMENSIONS = ['requests', 'tokens', 'input_tokens', 'output_tokens'] as const satisfies readonly QuotaDimension[];

const limitsSchema = z
  .object({
    requestsPerMinute: z.number().int().positive().optional(),
    tokensPerMinute: z.number().int().positive().optional(),
    inputTokensPerMinute: z.number().int().positive().optional(),
    outputTokensPerMinute: z.number().int().positive().optional(),
  })
  .strict();

export type ModelLimits = z.output<typeof limitsSchema>;

const quotaFileSchema = z
  .object({
    $comment: z.string().optional(),
    /** Limits for any model without a more specific entry. */
    defaults: limitsSchema,
    /** Limits by model-id prefix; the longest matching prefix wins. */
    models: z.record(z.string().min(1), limitsSchema).default({}),
    /**
     * A shorter window every per-minute limit is also enforced over, ms (1,000: 60 RPM as one
     * request a second); absent, the bucket holds the whole minute. More than a minute would let
     * more than the limit through in one.
     */
    burstWindowMs: z.number().int().min(1).max(60_000).optional(),
    /**
     * Models whose traffic one limit counts together, by family name: each a list of model-id
     * prefixes (matched as `models` are, the longest across families winning). Anthropic's Opus 4.x
     * limit is one total over Opus 4, 4.1, 4.5 and later 4.x models.
     */
    families: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(1))
      .optional()
      .superRefine((families, ctx) => {
        const owner = new Map<string, string>();
        for (const [family, prefixes] of Object.entries(families ?? {})) {
          for (const prefix of prefixes) {
            const other = owner.get(prefix);
            if (other !== undefined) ctx.addIssue({ code: 'custom', path: [family], message: `prefix ${JSON.stringify(prefix)} is in family ${JSON.stringify(other)} too` });
            owner.set(prefix, family);
          }
        }
      }),
  })
  .strict();

export type QuotaTable = Readonly<z.output<typeof quotaFileSchema>>;

/**
 * Anthropic's rate-limit tables give one row to "Claude Opus 4.x" and one to "Claude Sonnet 4.x",
 * each a total over the combined traffic of the line's 4.x models (Opus 4, 4.1, 4.5 and later;
 * Sonnet 4, 4.5 and later), so every Opus 4.x model a key calls draws on one bucket. Haiku 4.5 and
 * the Claude 3 models have limits of their own.
 */
const ANTHROPIC_FAMILIES = { 'claude-opus-4.x': ['claude-opus-4'], 'claude-sonnet-4.x': ['claude-sonnet-4'] };

/**
 * Presets modelled on the providers' published usage tiers (late 2026 figures rounded); per
 * model where the provider differs by model. The longest model-id prefix wins, so a smaller
 * model whose id extends a flagship's (`gpt-4o-mini`, `gpt-4.1-nano`) needs an entry of its own,
 * or it gets the flagship's far lower token limit.
 *
 * OpenAI's figures are the tier tables on each model's page (platform.openai.com/docs/models/<id>,
 * "Rate limits"): tier 1 gives gpt-4o and gpt-4.1 30,000 TPM but gpt-4o-mini, gpt-4.1-mini and
 * gpt-4.1-nano 200,000 (500 RPM each); tier 3 gpt-4o 800,000 TPM and gpt-4o-mini 4,000,000 (5,000
 * RPM); tier 5 gpt-4o 30,000,000 TPM at 10,000 RPM and gpt-4o-mini 150,000,000 at 30,000 RPM.
 */
export const QUOTA_PRESETS = {
  'openai-tier-1': {
    defaults: { requestsPerMinute: 500, tokensPerMinute: 200_000 },
    models: {
      'gpt-4o': { requestsPerMinute: 500, tokensPerMinute: 30_000 },
      'gpt-4o-mini': { requestsPerMinute: 500, tokensPerMinute: 200_000 },
      'gpt-4.1': { requestsPerMinute: 500, tokensPerMinute: 30_000 },
      'gpt-4.1-mini': { requestsPerMinute: 500, tokensPerMinute: 200_000 },
      'gpt-4.1-nano': { requestsPerMinute: 500, tokensPerMinute: 200_000 },
      o3: { requestsPerMinute: 500, tokensPerMinute: 30_000 },
      'gpt-5': { requestsPerMinute: 500, tokensPerMinute: 500_000 },
    },
  },
  'openai-tier-3': {
    defaults: { requestsPerMinute: 5_000, tokensPerMinute: 4_000_000 },
    models: { 'gpt-4o': { requestsPerMinute: 5_000, tokensPerMinute: 800_000 }, 'gpt-4o-mini': { requestsPerMinute: 5_000, tokensPerMinute: 4_000_000 } },
  },
  'openai-tier-5': {
    defaults: { requestsPerMinute: 30_000, tokensPerMinute: 150_000_000 },
    models: { 'gpt-4o': { requestsPerMinute: 10_000, tokensPerMinute: 30_000_000 }, 'gpt-4o-mini': { requestsPerMinute: 30_000, tokensPerMinute: 150_000_000 } },
  },
  'anthropic-tier-1': {
    defaults: { requestsPerMinute: 50, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 },
    models: { 'claude-haiku': { requestsPerMinute: 50, inputTokensPerMinute: 50_000, outputTokensPerMinute: 10_000 } },
    families: ANTHROPIC_FAMILIES,
  },
  'anthropic-tier-4': {
    defaults: { requestsPerMinute: 4_000, inputTokensPerMinute: 2_000_000, outputTokensPerMinute: 400_000 },
    models: {},
    families: ANTHROPIC_FAMILIES,
  },
  'gemini-free': {
    defaults: { requestsPerMinute: 10, tokensPerMinute: 250_000 },
    models: { 'gemini-2.5-flash-lite': { requestsPerMinute: 15, tokensPerMinute: 250_000 }, 'gemini-2.5-pro': { requestsPerMinute: 5, tokensPerMinute: 250_000 } },
  },
  'gemini-tier-1': {
    defaults: { requestsPerMinute: 1_000, tokensPerMinute: 1_000_000 },
    models: { 'gemini-2.5-pro': { requestsPerMinute: 150, tokensPerMinute: 2_000_000 } },
  },
} as const satisfies Record<string, { defaults: ModelLimits; models: Record<string, ModelLimits>; families?: Record<string, readonly string[]> }>;

export type QuotaPreset = keyof typeof QUOTA_PRESETS;

export function isQuotaPreset(name: string): name is QuotaPreset {
  return Object.hasOwn(QUOTA_PRESETS, name);
}

export function parseQuotaTable(raw: unknown, source: string): QuotaTable {
  const parsed = quotaFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SimError('SIM_ERR_QUOTA_INVALID', `${source}: ${issue ? issue.path.join('.') || '(root)' : '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** A preset name, or a JSON/YAML file with `defaults` and `models`. */
export function loadQuota(spec: string): QuotaTable {
  if (isQuotaPreset(spec)) return parseQuotaTable(structuredClone(QUOTA_PRESETS[spec]), `quota preset ${spec}`);
  if (!existsSync(spec)) {
    throw new SimError('SIM_ERR_QUOTA_INVALID', `${spec}: neither a quota preset (${Object.keys(QUOTA_PRESETS).join(', ')}) nor an existing file`);
  }
  const raw = readDataFile(spec, 'SIM_ERR_QUOTA_INVALID', 'quota file');
  return parseQuotaTable(raw, spec);
}

/**
 * The limits for a model: the longest prefix in `models` that `model` or `alias` (the name a client
 * sent for it, where another) starts with, else `defaults`. A table names models as clients send
 * them, and an alias's dated id need not extend it (`claude-opus-4-0` serves `claude-opus-4-20250514`).
 */
export function limitsFor(table: QuotaTable, model: string, alias?: string): ModelLimits {
  let best: string | undefined;
  for (const prefix of Object.keys(table.models)) {
    const matches = model.startsWith(prefix) || (alias !== undefined && alias.startsWith(prefix));
    if (matches && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? table.defaults : table.models[best]!;
}

/**
 * The family whose shared limit a model spends (see `families`): the one with the longest prefix
 * that `model` or `alias` starts with; undefined for a model in none.
 */
export function familyOf(table: QuotaTable, model: string, alias?: string): string | undefined {
  let best: string | undefined;
  let bestLength = -1;
  for (const [family, prefixes] of Object.entries(table.families ?? {})) {
    for (const prefix of prefixes) {
      const matches = model.startsWith(prefix) || (alias !== undefined && alias.startsWith(prefix));
      if (matches && prefix.length > bestLength) {
        best = family;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}
