/**
 * A string as a JSON string literal. Ids, model names and tool names are nearly always plain
 * printable ASCII, which needs only the quotes: the regex check costs about a third of
 * `JSON.stringify`, and response encoders quote several such strings per request.
 */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function jsonQuote(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}
