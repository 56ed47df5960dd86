/**
 * URL path segments as route handlers read them (a model id, a response or conversation id): uWS
 * hands them over still percent-encoded.
 */

/** A path segment decoded as a URL component; a malformed escape (`%zz`) is kept as sent. */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
