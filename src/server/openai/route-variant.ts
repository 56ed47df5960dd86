/**
 * How a surface that reuses an OpenAI handler differs from the `/v1` route: Azure OpenAI serves
 * the same bodies under `/openai/deployments/{deployment}/…`, where the URL names the model and
 * the key arrives (and is checked) before the body is read; Gemini's OpenAI-compatible endpoint
 * (`../gemini/openai-compat.ts`) serves them for Gemini's models, with Gemini's thinking, quotas
 * and embedding sizes.
 */
import type { Dialect } from '../../chaos/scenario.js';
import type { RouteId } from '../../metrics/counters.js';
import type { SeededRandom } from '../../timing/random.js';
import type { DialectFaults } from '../policy.js';
import type { ChatRequest } from './chat-request.js';
import type { EmbeddingModel } from './embeddings-request.js';
import type { OpenAIError } from './errors.js';

export interface RouteVariant<R extends RouteId = RouteId> {
  /** Counter label for the route. */
  readonly route: R;
  /** The model named by the URL (an Azure deployment): it replaces the body's `model`. */
  readonly model: string | undefined;
  /** The caller has already checked the key in its own dialect, so OpenAI's Bearer check is skipped. */
  readonly authChecked: boolean;
  /** How rate limits and faults answer, where the surface has its own shape for them (Azure's quota layer); OpenAI's when absent. */
  readonly faults?: DialectFaults;
  /** Whose quota limits and chaos rules apply (Gemini's for its OpenAI-compatible routes); OpenAI's when absent. */
  readonly dialect?: Dialect;
  /** A refusal of the provider's own before the model runs (Gemini's thinking settings). */
  readonly refusal?: (model: string, body: ChatRequest['body']) => OpenAIError | undefined;
  /** The hidden reasoning tokens the provider's model spends (Gemini's thinking); OpenAI's or xAI's when absent. */
  readonly hiddenReasoning?: (model: string, body: ChatRequest['body'], rng: SeededRandom) => number;
  /** The provider's embedding models and their sizes; OpenAI's when absent. */
  readonly embeddingModel?: (model: string) => EmbeddingModel;
  /**
   * A resource-name prefix the body's `model` may carry (Gemini's `models/`, as its models list
   * names them): the model is the id after it.
   */
  readonly modelPrefix?: string;
}

/**
 * The request body with the URL's model in place of the body's, as Azure deployments route it,
 * or with the body's model less the surface's resource-name prefix.
 */
export function withRouteModel(input: unknown, variant: RouteVariant): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  if (variant.model !== undefined) return { ...input, model: variant.model };
  const model = (input as { model?: unknown }).model;
  const prefix = variant.modelPrefix;
  if (prefix === undefined || typeof model !== 'string' || !model.startsWith(prefix)) return input;
  return { ...input, model: model.slice(prefix.length) };
}
