/**
 * Gemini request validation: generateContent (and its stream), countTokens, the embedding methods
 * and the batch creates. Unknown fields are accepted (SDKs add fields faster than a simulator follows); known
 * fields are checked as the API checks them. Field names are accepted in camelCase or snake_case,
 * as the API's proto-JSON parser accepts both (Google's curl examples use `system_instruction`).
 */
import { z } from 'zod';
import { invalidArgument, ROOT_NOT_OBJECT, type GeminiError } from './errors.js';
import { fieldPath, issueToGeminiError, ruleViolation, type RequestName } from './request-issues.js';
import { parseReportingInput } from '../request-schema.js';
import { THINKING_LEVEL_NAMES } from './thinking-levels.js';

/** Renames snake_case keys of one object level to camelCase; values (user schemas, arguments) are left alone. */
function camelKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(v)) {
    if (!key.includes('_')) continue;
    const camel = key.replace(/_([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());
    if (camel === key) continue;
    out ??= { ...(v as Record<string, unknown>) };
    if (!(camel in out)) out[camel] = out[key];
    delete out[key];
  }
  return out ?? v;
}

const camel = <T extends z.ZodType>(schema: T) => z.preprocess(camelKeys, schema);

/**
 * `ThinkingLevel`, read in any case (Google's REST examples send "low", the SDKs "LOW"); a name
 * outside the enum fails as the proto parse does, naming the field and the value.
 */
const thinkingLevel = z.string().superRefine((level, ctx) => {
  if (!THINKING_LEVEL_NAMES.has(level.toUpperCase())) ctx.addIssue({ code: 'invalid_value', values: [...THINKING_LEVEL_NAMES], input: level });
});

const record = z.record(z.string(), z.unknown());

/** The oneof `data` fields of a Part: exactly one must be set. */
const PART_DATA = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'] as const;

const part = camel(
  z.looseObject({
    text: z.string().optional(),
    inlineData: camel(z.looseObject({ mimeType: z.string(), data: z.string() })).optional(),
    fileData: camel(z.looseObject({ mimeType: z.string().optional(), fileUri: z.string() })).optional(),
    functionCall: z.looseObject({ name: z.string(), args: record.optional(), id: z.string().optional() }).optional(),
    functionResponse: z.looseObject({ name: z.string(), response: record, id: z.string().optional() }).optional(),
    executableCode: record.optional(),
    codeExecutionResult: record.optional(),
    thought: z.boolean().optional(),
    thoughtSignature: z.string().optional(),
  }),
);

export const GEMINI_ROLES = ['user', 'model'] as const;

const content = camel(z.looseObject({ role: z.enum(GEMINI_ROLES).optional(), parts: z.array(part).min(1) }));

/** Function names: a letter or underscore first, then letters, digits, `_ . : -`, 64 at most. */
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

const functionDeclaration = camel(
  z.looseObject({
    name: z.string().regex(FUNCTION_NAME),
    description: z.string().optional(),
    parameters: record.optional(),
    parametersJsonSchema: z.unknown().optional(),
  }),
);

const tool = camel(z.looseObject({ functionDeclarations: z.array(functionDeclaration).optional() }));

export const CALLING_MODES = ['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED'] as const;

const toolConfig = camel(
  z.looseObject({
    functionCallingConfig: camel(
      z.looseObject({ mode: z.enum(CALLING_MODES).optional(), allowedFunctionNames: z.array(z.string()).optional() }),
    ).optional(),
  }),
);

const generationConfig = camel(
  z.looseObject({
    maxOutputTokens: z.int().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.int().min(1).optional(),
    candidateCount: z.int().min(1).max(8).optional(),
    stopSequences: z.array(z.string()).max(5).optional(),
    responseMimeType: z.string().optional(),
    responseSchema: record.optional(),
    responseJsonSchema: z.unknown().optional(),
    seed: z.int().optional(),
    presencePenalty: z.number().optional(),
    frequencyPenalty: z.number().optional(),
    thinkingConfig: camel(z.looseObject({ thinkingBudget: z.int().optional(), thinkingLevel: thinkingLevel.optional(), includeThoughts: z.boolean().optional() })).optional(),
  }),
);

/** The values of v1beta's `HarmCategory` enum: the Gemini models' and PaLM's legacy ones. */
const HARM_CATEGORIES = [
  'HARM_CATEGORY_UNSPECIFIED',
  'HARM_CATEGORY_DEROGATORY',
  'HARM_CATEGORY_TOXICITY',
  'HARM_CATEGORY_VIOLENCE',
  'HARM_CATEGORY_SEXUAL',
  'HARM_CATEGORY_MEDICAL',
  'HARM_CATEGORY_DANGEROUS',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
  'HARM_CATEGORY_JAILBREAK',
] as const;

/**
 * The categories a Gemini model filters on, in the order the API's refusal lists them (the five of
 * its recorded message, and the jailbreak filter it has added since).
 */
const GEMINI_HARM_CATEGORIES: readonly string[] = [
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
  'HARM_CATEGORY_JAILBREAK',
];
const HARM_CATEGORY_RULE = `element predicate failed: $.category in (${GEMINI_HARM_CATEGORIES.map((c) => `HarmCategory.${c}`).join(', ')})`;

const HARM_BLOCK_THRESHOLDS = ['HARM_BLOCK_THRESHOLD_UNSPECIFIED', 'BLOCK_LOW_AND_ABOVE', 'BLOCK_MEDIUM_AND_ABOVE', 'BLOCK_ONLY_HIGH', 'BLOCK_NONE', 'OFF'] as const;

const safetySetting = z.looseObject({ category: z.enum(HARM_CATEGORIES), threshold: z.enum(HARM_BLOCK_THRESHOLDS) });

const generateFields = {
  model: z.string().optional(),
  contents: z.array(content).min(1),
  systemInstruction: camel(z.looseObject({ role: z.string().optional(), parts: z.array(part).min(1) })).optional(),
  generationConfig: generationConfig.optional(),
  tools: z.array(tool).optional(),
  toolConfig: toolConfig.optional(),
  safetySettings: z.array(safetySetting).optional(),
  cachedContent: z.string().optional(),
};

const generateRequest = camel(z.looseObject(generateFields));

const countTokensRequest = camel(
  z.looseObject({
    contents: z.array(content).optional(),
    generateContentRequest: camel(z.looseObject(generateFields)).optional(),
  }),
);

export const TASK_TYPES = [
  'TASK_TYPE_UNSPECIFIED',
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
] as const;

const embedRequest = camel(
  z.looseObject({
    model: z.string().optional(),
    content,
    taskType: z.enum(TASK_TYPES).optional(),
    title: z.string().optional(),
    outputDimensionality: z.int().min(1).optional(),
  }),
);

/** The API takes at most 100 requests in one batchEmbedContents call. */
export const MAX_EMBED_BATCH = 100;

const batchEmbedRequest = camel(z.looseObject({ requests: z.array(embedRequest).min(1).max(MAX_EMBED_BATCH) }));

/** The most requests one batch may hold (the API bounds a batch by size: 20 MB inline, 2 GB in a file). */
export const MAX_BATCH_REQUESTS = 100_000;

/**
 * The body of `batchGenerateContent` and of `asyncBatchEmbedContent`, which differ only in what
 * each inline `request` is (a GenerateContentRequest or an EmbedContentRequest). Each is checked
 * when it is answered, as the API checks them while processing: a bad one is that request's error.
 */
const batchRequest = camel(
  z.looseObject({
    batch: camel(
      z.looseObject({
        displayName: z.string().optional(),
        model: z.string().optional(),
        inputConfig: camel(
          z.looseObject({
            requests: z.looseObject({ requests: z.array(camel(z.looseObject({ request: record, metadata: record.optional() }))).min(1).max(MAX_BATCH_REQUESTS) }).optional(),
            fileName: z.string().optional(),
          }),
        ),
        priority: z.union([z.string().regex(/^-?\d{1,18}$/), z.int()]).optional(),
      }),
    ),
  }),
);

export type GeminiPart = z.output<typeof part>;
export type GeminiContent = z.output<typeof content>;
export type GenerateRequest = z.output<typeof generateRequest>;
export type CountTokensRequest = z.output<typeof countTokensRequest>;
export type EmbedRequest = z.output<typeof embedRequest>;
export type BatchEmbedRequest = z.output<typeof batchEmbedRequest>;
export type BatchRequest = z.output<typeof batchRequest>;
export type FunctionDeclaration = z.output<typeof functionDeclaration>;

/** The JSON MIME types generationConfig.responseMimeType may name. */
const RESPONSE_MIME_TYPES = new Set(['text/plain', 'application/json', 'application/xml', 'application/yaml', 'text/x.enum']);

function checkParts(c: { readonly parts: readonly GeminiPart[] }, at: string, request: RequestName): GeminiError | undefined {
  const parts = c.parts;
  for (let j = 0; j < parts.length; j++) {
    const set = PART_DATA.filter((k) => parts[j]![k] !== undefined);
    const field = `${at}.parts[${j}]`;
    if (set.length === 0) return ruleViolation(request, `${field}.data`, "required oneof field 'data' must have one initialized field");
    if (set.length > 1) return ruleViolation(request, field, `oneof field 'data' is already set. Cannot set '${fieldPath([set[1]!])}'`);
  }
  return undefined;
}

function checkContents(contents: readonly GeminiContent[], at: string, request: RequestName): GeminiError | undefined {
  for (let i = 0; i < contents.length; i++) {
    const err = checkParts(contents[i]!, `${at}[${i}]`, request);
    if (err) return err;
  }
  return undefined;
}

/**
 * A category of the enum that the Gemini models do not filter on (PaLM's, UNSPECIFIED) is refused,
 * not ignored: one line for each such setting, as the API lists every failed element.
 */
function checkSafetySettings(settings: readonly z.output<typeof safetySetting>[], request: RequestName, prefix: string): GeminiError | undefined {
  let message = '';
  for (let i = 0; i < settings.length; i++) {
    if (!GEMINI_HARM_CATEGORIES.includes(settings[i]!.category)) message += `* ${request}.${prefix}safety_settings[${i}]: ${HARM_CATEGORY_RULE}\n`;
  }
  return message.length > 0 ? invalidArgument(message) : undefined;
}

/** Rules across fields, checked after the shapes: response MIME type and schema, tool config against the declarations. */
function checkGenerate(body: GenerateRequest, request: RequestName, prefix: string): GeminiError | undefined {
  const partsError = checkContents(body.contents, `${prefix}contents`, request);
  if (partsError) return partsError;
  if (body.systemInstruction) {
    const sys = checkParts(body.systemInstruction, `${prefix}system_instruction`, request);
    if (sys) return sys;
  }
  const safetyError = checkSafetySettings(body.safetySettings ?? [], request, prefix);
  if (safetyError) return safetyError;
  const gc = body.generationConfig;
  if (gc?.responseMimeType !== undefined && !RESPONSE_MIME_TYPES.has(gc.responseMimeType)) {
    return ruleViolation(
      request,
      `${prefix}generation_config.response_mime_type`,
      'allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.',
    );
  }
  if ((gc?.responseSchema !== undefined || gc?.responseJsonSchema !== undefined) && gc.responseMimeType !== 'application/json' && gc.responseMimeType !== 'text/x.enum') {
    return ruleViolation(
      request,
      `${prefix}generation_config.response_mime_type`,
      'response_mime_type must be `application/json` or `text/x.enum` when a response schema is set.',
    );
  }
  if (gc?.responseSchema !== undefined && gc.responseJsonSchema !== undefined) {
    return ruleViolation(request, `${prefix}generation_config.response_schema`, 'response_schema and response_json_schema cannot both be set.');
  }
  const names = new Set<string>();
  const tools = body.tools ?? [];
  for (let t = 0; t < tools.length; t++) {
    const decls = tools[t]!.functionDeclarations ?? [];
    for (let d = 0; d < decls.length; d++) {
      const name = decls[d]!.name;
      if (names.has(name)) return ruleViolation(request, `${prefix}tools[${t}].function_declarations[${d}].name`, `Duplicate function declaration found: ${name}`);
      names.add(name);
    }
  }
  const fcc = body.toolConfig?.functionCallingConfig;
  const at = `${prefix}tool_config.function_calling_config`;
  if ((fcc?.mode === 'ANY' || fcc?.mode === 'VALIDATED') && names.size === 0) {
    return ruleViolation(request, `${at}.mode`, 'function calling config is set without function_declarations.');
  }
  const allowed = fcc?.allowedFunctionNames;
  if (allowed !== undefined && allowed.length > 0) {
    if (fcc?.mode !== 'ANY' && fcc?.mode !== 'VALIDATED') {
      return ruleViolation(request, `${at}.allowed_function_names`, 'allowed_function_names may only be set when mode is ANY or VALIDATED.');
    }
    const unknown = allowed.findIndex((n) => !names.has(n));
    if (unknown >= 0) {
      return ruleViolation(request, `${at}.allowed_function_names[${unknown}]`, `function '${allowed[unknown]}' is not declared in tools.function_declarations.`);
    }
  }
  return undefined;
}

/** A parsed body, or the 400 to answer with. */
export type Parsed<T> = { readonly error: GeminiError; readonly body: null } | { readonly error: null; readonly body: T };

const fail = (error: GeminiError): { error: GeminiError; body: null } => ({ error, body: null });
const ok = <T>(body: T): { error: null; body: T } => ({ error: null, body });

export function isMessage(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/** Parses a request body as JSON; an empty body reads as `{}`, as the API's proto-JSON parser reads it. */
export function parseJsonBody(body: string): { ok: true; value: unknown } | { ok: false } {
  if (body.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

export function parseGenerateRequest(input: unknown): Parsed<GenerateRequest> {
  if (!isMessage(input)) return fail(ROOT_NOT_OBJECT);
  const parsed = parseReportingInput(generateRequest, input);
  if (!parsed.success) return fail(issueToGeminiError(parsed.error.issues[0]!, 'GenerateContentRequest'));
  const err = checkGenerate(parsed.data, 'GenerateContentRequest', '');
  return err ? fail(err) : ok(parsed.data);
}

export function parseCountTokensRequest(input: unknown): Parsed<CountTokensRequest> {
  if (!isMessage(input)) return fail(ROOT_NOT_OBJECT);
  const parsed = parseReportingInput(countTokensRequest, input);
  if (!parsed.success) return fail(issueToGeminiError(parsed.error.issues[0]!, 'CountTokensRequest'));
  const body = parsed.data;
  if (body.contents !== undefined && body.generateContentRequest !== undefined) {
    return fail(ruleViolation('CountTokensRequest', '', 'contents and generate_content_request cannot both be set.'));
  }
  const err =
    body.generateContentRequest !== undefined
      ? checkGenerate(body.generateContentRequest, 'CountTokensRequest', 'generate_content_request.')
      : body.contents === undefined || body.contents.length === 0
        ? ruleViolation('CountTokensRequest', 'contents', 'contents is not specified')
        : checkContents(body.contents, 'contents', 'CountTokensRequest');
  return err ? fail(err) : ok(body);
}

export function parseEmbedRequest(input: unknown): Parsed<EmbedRequest> {
  if (!isMessage(input)) return fail(ROOT_NOT_OBJECT);
  const parsed = parseReportingInput(embedRequest, input);
  if (!parsed.success) return fail(issueToGeminiError(parsed.error.issues[0]!, 'EmbedContentRequest'));
  const err = checkParts(parsed.data.content, 'content', 'EmbedContentRequest');
  return err ? fail(err) : ok(parsed.data);
}

export function parseBatchEmbedRequest(input: unknown): Parsed<BatchEmbedRequest> {
  if (!isMessage(input)) return fail(ROOT_NOT_OBJECT);
  const parsed = parseReportingInput(batchEmbedRequest, input);
  if (!parsed.success) return fail(issueToGeminiError(parsed.error.issues[0]!, 'BatchEmbedContentsRequest'));
  const requests = parsed.data.requests;
  for (let i = 0; i < requests.length; i++) {
    const err = checkParts(requests[i]!.content, `requests[${i}].content`, 'BatchEmbedContentsRequest');
    if (err) return fail(err);
  }
  return ok(parsed.data);
}

/** The request message of a batch create, named in its 400s. */
export type BatchRequestName = 'BatchGenerateContentRequest' | 'AsyncBatchEmbedContentRequest';

export function parseBatchRequest(input: unknown, request: BatchRequestName): Parsed<BatchRequest> {
  if (!isMessage(input)) return fail(ROOT_NOT_OBJECT);
  const parsed = parseReportingInput(batchRequest, input);
  if (!parsed.success) return fail(issueToGeminiError(parsed.error.issues[0]!, request));
  const source = parsed.data.batch.inputConfig;
  const sources = (source.requests === undefined ? 0 : 1) + (source.fileName === undefined ? 0 : 1);
  if (sources !== 1) return fail(ruleViolation(request, 'batch.input_config.source', sources === 0 ? "required oneof field 'source' must have one initialized field" : "oneof field 'source' is already set. Cannot set 'file_name'"));
  return ok(parsed.data);
}
