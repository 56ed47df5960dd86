/**
 * Which `thinkingLevel` a Gemini model takes. The API refuses a level a model lacks with a 400
 * that apps meet when one config is shared across models (public reports: "Thinking level MEDIUM
 * is not supported for this model. Please retry with other thinking level." from 3 Pro, the same
 * for MINIMAL from the Pro models).
 */
import { geminiAliasTarget } from '../../corpus/model-catalog.js';
import { geminiMustThink } from '../reasoning.js';
import { geminiError, invalidArgument, THINKING_BOTH, THINKING_LEVEL_UNSUPPORTED, THINKING_REQUIRED, type GeminiError } from './errors.js';

/** The `ThinkingLevel` enum of v1beta (the @google/genai SDK's `ThinkingLevel`); request.ts refuses other names. */
export const THINKING_LEVEL_NAMES: ReadonlySet<string> = new Set(['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH']);

/**
 * The levels of the families Google's thinking guide lists: 3 Pro low and high, 3.1 Pro adds
 * medium (no minimal: Pro cannot stop thinking); 3.7 and 3.8 Flash low, medium and high (the
 * guide's table marks minimal "Not supported (error)" for 3.7 Flash; 3.8 Flash's refusal is
 * recorded by the clients that clamp it, coder/xum#4060, litellm-docs#1505) and Gemini 4 Argon
 * likewise (its developer guide); 3 Flash, 3.5 and 3.6 Flash and the Flash-Lite models take all
 * four, and so do other Gemini 3 ids, whose refusals are not on record. An alias takes its target's.
 */
function levelsOf(alias: string): ReadonlySet<string> | null {
  const model = geminiAliasTarget(alias);
  if (model.startsWith('gemini-3-pro')) return PRO_3;
  if (model.startsWith('gemini-3.1-pro')) return PRO_3_1;
  if (/^gemini-3\.[78]-flash(?!-lite)/.test(model) || model.startsWith('gemini-4-')) return LOW_TO_HIGH;
  return null;
}
const LOW_TO_HIGH: ReadonlySet<string> = new Set(['LOW', 'MEDIUM', 'HIGH']);
const PRO_3: ReadonlySet<string> = new Set(['LOW', 'HIGH']);
const PRO_3_1: ReadonlySet<string> = new Set(['LOW', 'MEDIUM', 'HIGH']);

/** The 400 a Gemini 3 model gives a `thinkingLevel` (a name of the enum) it does not take; undefined when it takes it. */
export function thinkingLevelRefusal(model: string, level: string): GeminiError | undefined {
  const name = level.toUpperCase();
  const levels = levelsOf(model);
  if (name === 'THINKING_LEVEL_UNSPECIFIED' || levels === null || levels.has(name)) return undefined;
  return geminiError(400, `Thinking level ${name} is not supported for this model. Please retry with other thinking level.`);
}

/** The enum's proto type, as a parse error names it. */
export const THINKING_LEVEL_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel';

const LEVEL_FIELD = 'generation_config.thinking_config.thinking_level';

/** A level outside the enum, as the proto parse refuses it (request.ts's schema raises the same through its issues). */
export const invalidThinkingLevel = (level: string): GeminiError => invalidArgument(`Invalid value at '${LEVEL_FIELD}' (${THINKING_LEVEL_TYPE}), ${JSON.stringify(level)}`, LEVEL_FIELD);

/**
 * What generateContent refuses about a parsed `thinkingConfig` (its `thinkingLevel` a name of the
 * enum), in the order it checks: a level with a budget, a level on 2.5, a level the model lacks, a
 * zero budget on a model that must think. The OpenAI-compatible route's `thinking_config` is the
 * same config and gets the same refusals.
 */
export function thinkingConfigRefusal(model: string, config: { readonly thinkingBudget?: number; readonly thinkingLevel?: string } | undefined): GeminiError | undefined {
  const budget = config?.thinkingBudget;
  const level = config?.thinkingLevel;
  if (level !== undefined) {
    if (budget !== undefined) return THINKING_BOTH;
    if (geminiAliasTarget(model).startsWith('gemini-2.5')) return THINKING_LEVEL_UNSUPPORTED;
    const refused = thinkingLevelRefusal(model, level);
    if (refused !== undefined) return refused;
  }
  if (budget === 0 && geminiMustThink(model)) return THINKING_REQUIRED;
  return undefined;
}
