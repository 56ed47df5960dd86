/**
 * OpenAI's `metadata` on the objects it keeps (conversations, stored chat completions, batches):
 * at most 16 pairs, keys of up to 64 characters, string values of up to 512.
 */
import { invalidRequest, type OpenAIError } from './errors.js';

const METADATA_PAIRS = 16;
const METADATA_KEY_CHARS = 64;
const METADATA_VALUE_CHARS = 512;

export type Metadata = Readonly<Record<string, string>>;

/** A request's `metadata` checked as OpenAI checks it; absent or null is none (`{}`). */
export function metadataOf(value: unknown): { readonly metadata: Metadata } | { readonly error: OpenAIError } {
  if (value === undefined || value === null) return { metadata: {} };
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    return { error: invalidRequest("Invalid type for 'metadata': expected an object with string values.", 'metadata', 'invalid_type') };
  }
  const pairs = Object.entries(value as Record<string, string>);
  if (pairs.length > METADATA_PAIRS) {
    return { error: invalidRequest(`Invalid 'metadata': too many properties. Expected an object with at most ${METADATA_PAIRS} properties, but got an object with ${pairs.length} properties instead.`, 'metadata', 'object_above_max_properties') };
  }
  for (const [k, v] of pairs) {
    if (k.length > METADATA_KEY_CHARS || v.length > METADATA_VALUE_CHARS) {
      return { error: invalidRequest(`Invalid 'metadata': keys may have at most ${METADATA_KEY_CHARS} characters and values at most ${METADATA_VALUE_CHARS}.`, 'metadata', 'invalid_value') };
    }
  }
  return { metadata: Object.fromEntries(pairs) };
}

/**
 * `metadata` where the API requires it (the body of an update, which sets nothing else): sent,
 * if only as null, which clears it.
 */
export function requiredMetadataOf(body: Readonly<Record<string, unknown>>): { readonly metadata: Metadata } | { readonly error: OpenAIError } {
  if (!('metadata' in body)) return { error: invalidRequest("Missing required parameter: 'metadata'.", 'metadata', 'missing_required_parameter') };
  return metadataOf(body.metadata);
}
