/**
 * The `service_tier` a reply reports: the tier that served it. OpenAI answers `auto` (and no
 * tier) with `default`, and a request for Flex or Priority processing with that tier; cost tools
 * and LangChain's `response_metadata.service_tier` read it to price the call.
 */
export type ServedTier = 'default' | 'flex' | 'priority' | 'scale';

/** The tiers a request may ask for, in OpenAI's order (what its refusal of another value lists). */
export const SERVICE_TIERS = ['auto', 'default', 'flex', 'scale', 'priority'] as const;

const NAMED: ReadonlyMap<string, ServedTier> = new Map([
  ['flex', 'flex'],
  ['priority', 'priority'],
  ['scale', 'scale'],
]);

export function servedTier(requested: string | null | undefined): ServedTier {
  return (requested == null ? undefined : NAMED.get(requested)) ?? 'default';
}
