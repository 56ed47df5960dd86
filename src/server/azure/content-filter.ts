/**
 * Azure OpenAI's content filtering as chat replies carry it when nothing was filtered: per-choice
 * `content_filter_results`, the prompt's `prompt_filter_results`, and a stream's first chunk, which
 * has no choices, an empty id and model, and only the prompt's results. That chunk is the classic
 * crash of clients written against OpenAI (`choices[0]` of an empty array), so Azure users need it
 * in their tests.
 */
const SAFE = '{"filtered":false,"severity":"safe"}';
const NOT_DETECTED = '{"filtered":false,"detected":false}';

/** A choice's results: the four harm categories and the protected-material checks, all passed. */
export const CONTENT_FILTER_RESULTS = `{"hate":${SAFE},"protected_material_code":${NOT_DETECTED},"protected_material_text":${NOT_DETECTED},"self_harm":${SAFE},"sexual":${SAFE},"violence":${SAFE}}`;

/** The prompt's results: the harm categories and the jailbreak check. */
export const PROMPT_FILTER_RESULTS = `[{"prompt_index":0,"content_filter_results":{"hate":${SAFE},"jailbreak":${NOT_DETECTED},"self_harm":${SAFE},"sexual":${SAFE},"violence":${SAFE}}}]`;

/** A stream's first chunk, sent when the request is accepted: the prompt was checked before generation. */
export const PROMPT_FILTER_FRAME = Buffer.from(`data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":${PROMPT_FILTER_RESULTS}}\n\n`);
