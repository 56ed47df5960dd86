/**
 * How a surface that reuses an OpenAI handler differs from the `/v1` route: Azure OpenAI serves
 * the same bodies under `/openai/deployments/{deployment}/…`, where the URL names the model and
 * the key arrives (and is checked) before the body is read.
 */
import type { RouteId } from '../../metrics/counters.js';
import type { DialectFaults } from '../policy.js';

export interface RouteVariant<R extends RouteId = RouteId> {
  /** Counter label for the route. */
  readonly route: R;
  /** The model named by the URL (an Azure deployment): it replaces the body's `model`. */
  readonly model: string | undefined;
  /** The caller has already checked the key in its own dialect, so OpenAI's Bearer check is skipped. */
  readonly authChecked: boolean;
  /** How rate limits and faults answer, where the surface has its own shape for them (Azure's quota layer); OpenAI's when absent. */
  readonly faults?: DialectFaults;
}

/** The request body with the URL's model in place of the body's, as Azure deployments route it. */
export function withRouteModel(input: unknown, variant: RouteVariant): unknown {
  if (variant.model === undefined || typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  return { ...input, model: variant.model };
}
