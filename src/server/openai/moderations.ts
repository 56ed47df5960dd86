/**
 * POST /v1/moderations: OpenAI's moderation classifier, as apps call it before or after a model
 * (`openai.moderations.create`). Without it an app that screens its users' input failed with 404
 * against the simulator.
 *
 * The verdict is a pure function of the text: a short lexicon of plain phrases per category
 * (`I want to kill them.` is flagged for violence, as OpenAI's own example is) and an explicit
 * marker, `[flag:<category>]` (`[flag:self-harm/intent]`), so a test can reach each branch of an
 * app's handling on purpose. Every other score is small and drawn from the text's hash, so the same
 * input always gets the same numbers. Images are not looked at: they only widen
 * `category_applied_input_types`, as OpenAI reports which input types each score covers.
 *
 * Latency comes from the model's profile (`openai-moderation`) as for embeddings: the TTFT draw
 * plus prefill per input token.
 */
import { z } from 'zod';
import { countTokens } from '../../corpus/tokens.js';
import { hashString, SeededRandom } from '../../timing/random.js';
import { planOneShot } from '../answer-plan.js';
import type { RequestInfo } from '../http-exchange.js';
import { admit, isAdmission } from '../policy.js';
import { heldMeta, type Reply } from '../reply.js';
import { parseReportingInput } from '../request-schema.js';
import type { ThreadContext } from '../thread-context.js';
import { bodyNotObject, INVALID_JSON, invalidRequest, type OpenAIError } from './errors.js';
import { OPENAI_FAULTS } from './faults.js';
import { checkOpenAIAuth, echoableInHeader, JSON_TYPE, openAIErrorReply, openAIHeaders, quotaKey, requestIdFor } from './reply.js';
import { issueToOpenAIError } from './request-issues.js';

export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;
export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

/** Categories the omni models also score images for (the others are text only). */
const IMAGE_CATEGORIES: ReadonlySet<ModerationCategory> = new Set(['self-harm', 'self-harm/instructions', 'self-harm/intent', 'sexual', 'violence', 'violence/graphic']);

/** The categories the legacy text models lack: they report them as null. */
const OMNI_ONLY: ReadonlySet<ModerationCategory> = new Set(['illicit', 'illicit/violent']);

/**
 * Phrases that raise categories, each with the score it gives (matched on lower-cased text, at
 * word boundaries). Deliberately short and mild: enough to exercise an app's handling.
 */
const LEXICON: readonly { readonly phrases: readonly string[]; readonly scores: Partial<Record<ModerationCategory, number>> }[] = [
  { phrases: ['kill them', 'kill him', 'kill her', 'murder', 'stab', 'shoot them', 'beat them up'], scores: { violence: 0.93, 'harassment/threatening': 0.61, harassment: 0.52 } },
  { phrases: ['i will hurt you', "i'll kill you", 'watch your back'], scores: { 'harassment/threatening': 0.91, harassment: 0.84, violence: 0.77 } },
  { phrases: ['idiot', 'moron', 'loser', 'worthless'], scores: { harassment: 0.81 } },
  { phrases: ['subhuman', 'vermin'], scores: { hate: 0.78, harassment: 0.66 } },
  { phrases: ['gore', 'dismember', 'blood everywhere'], scores: { 'violence/graphic': 0.86, violence: 0.71 } },
  { phrases: ['shoplift', 'launder money', 'counterfeit', 'hotwire a car'], scores: { illicit: 0.88 } },
  { phrases: ['build a bomb', 'make a pipe bomb', 'untraceable gun'], scores: { 'illicit/violent': 0.92, illicit: 0.87, violence: 0.58 } },
  { phrases: ['hurt myself', 'cut myself'], scores: { 'self-harm': 0.89, 'self-harm/intent': 0.72 } },
  { phrases: ['kill myself', 'end my life', 'want to die'], scores: { 'self-harm': 0.94, 'self-harm/intent': 0.91 } },
  { phrases: ['how to overdose'], scores: { 'self-harm/instructions': 0.88, 'self-harm': 0.83 } },
  { phrases: ['explicit sex', 'nsfw'], scores: { sexual: 0.9 } },
];

const PHRASE_PATTERNS = LEXICON.map((entry) => new RegExp(`\\b(?:${entry.phrases.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\b`));
const MARKER = /\[flag:([a-z/-]+)\]/g;
const CATEGORY_SET: ReadonlySet<string> = new Set(MODERATION_CATEGORIES);
/** A category counts as flagged at this score (OpenAI tunes a threshold per category). */
const FLAG_AT = 0.5;

/** The models OpenAI serves here; other ids are served as the default, under their own name. */
const MODEL_SERVED: ReadonlyMap<string, string> = new Map([
  ['omni-moderation-latest', 'omni-moderation-latest'],
  ['omni-moderation-2024-09-26', 'omni-moderation-2024-09-26'],
  ['text-moderation-latest', 'text-moderation-007'],
  ['text-moderation-stable', 'text-moderation-007'],
  ['text-moderation-007', 'text-moderation-007'],
]);
export const MODERATION_MODEL_IDS: readonly string[] = ['omni-moderation-latest', 'omni-moderation-2024-09-26'];
const DEFAULT_MODEL = 'omni-moderation-latest';

const part = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('image_url'), image_url: z.looseObject({ url: z.string() }) }),
]);
/** Inputs per request: each is a result of about 1 KB, so an unbounded list would be a reply of hundreds of MB. Embeddings' limit. */
const MAX_INPUTS = 2048;
const moderationRequest = z.looseObject({
  input: z.union([z.string(), z.array(z.string()), z.array(part)]),
  model: z.string().optional(),
});

/** One moderated input: its text, and whether it carried an image. */
interface Subject {
  readonly text: string;
  readonly image: boolean;
}

/** One result per string; a list of parts is one input. */
function subjectsOf(input: z.output<typeof moderationRequest>['input']): Subject[] {
  if (typeof input === 'string') return [{ text: input, image: false }];
  if (input.every((x): x is string => typeof x === 'string')) return input.map((text) => ({ text, image: false }));
  const parts = input;
  return [{ text: parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n'), image: parts.some((p) => p.type === 'image_url') }];
}

/** The scores of one text: the lexicon and markers, over small hash-drawn values. */
export function moderationScores(text: string): Record<ModerationCategory, number> {
  const rng = new SeededRandom(hashString(text));
  // Background scores between about 1e-6 and 1e-3, as benign text gets.
  const scores = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, Number((10 ** -(3 + 3 * rng.next())).toPrecision(6))])) as Record<ModerationCategory, number>;
  const lower = text.toLowerCase();
  LEXICON.forEach((entry, i) => {
    if (!PHRASE_PATTERNS[i]!.test(lower)) return;
    for (const [c, s] of Object.entries(entry.scores) as [ModerationCategory, number][]) scores[c] = Math.max(scores[c], s);
  });
  for (const m of lower.matchAll(MARKER)) if (CATEGORY_SET.has(m[1]!)) scores[m[1] as ModerationCategory] = 0.99;
  return scores;
}

function resultOf(subject: Subject, omni: boolean): Record<string, unknown> {
  const scores = moderationScores(subject.text);
  const hasText = subject.text.length > 0;
  const categories: Record<string, boolean | null> = {};
  const categoryScores: Record<string, number> = {};
  const applied: Record<string, string[]> = {};
  for (const c of MODERATION_CATEGORIES) {
    const absent = !omni && OMNI_ONLY.has(c);
    categories[c] = absent ? null : scores[c] >= FLAG_AT;
    categoryScores[c] = absent ? 0 : scores[c];
    applied[c] = [...(hasText ? ['text'] : []), ...(omni && subject.image && IMAGE_CATEGORIES.has(c) ? ['image'] : [])];
  }
  return { flagged: Object.values(categories).some((v) => v === true), categories, category_scores: categoryScores, category_applied_input_types: applied };
}

export function moderations(ctx: ThreadContext, info: RequestInfo, body: string): Reply {
  const route = 'moderations';
  const other = ctx.counters.modelIndex('');
  const rng = ctx.requestRng(undefined, '');
  const requestId = requestIdFor(info, rng);
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, route, authError, 'authentication', other);
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return openAIErrorReply(requestId, route, INVALID_JSON, 'invalid_json', other);
  }
  const req = parseModerationRequest(input);
  if ('status' in req) return openAIErrorReply(requestId, route, req, 'invalid_request', other);
  const model = req.model ?? DEFAULT_MODEL;
  const served = MODEL_SERVED.get(model) ?? model;
  const omni = !served.startsWith('text-moderation');
  const subjects = subjectsOf(req.input);
  const inputTokens = subjects.reduce((n, s) => n + countTokens(s.text), 0);
  const meta = { route, modelIndex: other, errorKind: null } as const;
  const admission = admit(ctx, { route, dialect: 'openai', model, apiKey: quotaKey(info), info, inputTokens, maxOutputTokens: 0, meta }, OPENAI_FAULTS);
  if (!isAdmission(admission)) return admission;
  const { plannedMs, truth } = planOneShot(ctx, model, rng, admission, inputTokens);
  const reply = JSON.stringify({ id: `modr-${rng.hex(4)}`, model: served, results: subjects.map((s) => resultOf(s, omni)) });
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: openAIHeaders(requestId, plannedMs, echoableInHeader(served, 256) ? ['openai-model', served] : [], truth, admission.headers),
    body: reply,
    delayMs: plannedMs,
    completionTokens: 0,
    meta: heldMeta(meta, admission.saturationSlot, null, admission.holdMs > 0),
    truncate: admission.faults.stream !== null,
  };
}

interface ModerationRequest {
  readonly input: z.output<typeof moderationRequest>['input'];
  readonly model: string | undefined;
}

function parseModerationRequest(input: unknown): ModerationRequest | OpenAIError {
  const notObject = bodyNotObject(input);
  if (notObject) return notObject;
  const raw = (input as { input?: unknown }).input;
  if (raw === undefined) return invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  if (Array.isArray(raw) && raw.length > MAX_INPUTS) {
    return invalidRequest(`Invalid 'input': array too long. Expected an array with maximum length ${MAX_INPUTS}, but got an array with length ${raw.length} instead.`, 'input', 'array_above_max_length');
  }
  const parsed = parseReportingInput(moderationRequest, input);
  return parsed.success ? { input: parsed.data.input, model: parsed.data.model } : issueToOpenAIError(parsed.error.issues[0]!);
}
