/**
 * The kinds of Gemini batch (`./batches.ts`): what differs between `batchGenerateContent` and
 * `asyncBatchEmbedContent` (`batches.createEmbeddings`) is only the handler each request goes to,
 * the model check, the request message the create's 400s name and the operation's `@type`s.
 * Everything else (store, bound on running requests, input files, output, routes) is shared.
 */
import { servingBucket } from '../answer-plan.js';
import type { RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { embeddingModelFor, embedRoute } from './embed.js';
import { modelNotFound, type GeminiError } from './errors.js';
import { generateContent } from './generate.js';
import type { GeminiMethod, ModelPath } from './path.js';
import type { BatchRequestName } from './request.js';

const TYPE_PREFIX = 'type.googleapis.com/google.ai.generativelanguage.v1main.';

/** What a batch's requests are: generateContent's or embedContent's. */
export type BatchKind = 'generate' | 'embed';

export interface BatchKindSpec {
  /** The method that answers each of its requests. */
  readonly item: GeminiMethod;
  readonly request: BatchRequestName;
  /** The `@type`s of the operation's metadata (the batch) and response (its output). */
  readonly batchType: string;
  readonly outputType: string;
  /** The 404 for a model the method does not serve (with strictModels), or undefined. */
  modelError(ctx: ThreadContext, path: ModelPath): GeminiError | undefined;
  /** One request's reply from its method's handler, as if sent alone. */
  answer(ctx: ThreadContext, info: RequestInfo, body: string, path: ModelPath): Reply | Promise<Reply>;
}

export const KINDS = {
  generate: {
    item: 'generateContent',
    request: 'BatchGenerateContentRequest',
    batchType: `${TYPE_PREFIX}GenerateContentBatch`,
    outputType: `${TYPE_PREFIX}GenerateContentBatchOutput`,
    modelError: (ctx, path) => (servingBucket(ctx, path.model) === null ? modelNotFound(path.model, path.apiVersion, 'batchGenerateContent') : undefined),
    answer: (ctx, info, body, path) => generateContent(ctx, info, body, path, false),
  },
  embed: {
    item: 'embedContent',
    request: 'AsyncBatchEmbedContentRequest',
    batchType: `${TYPE_PREFIX}EmbedContentBatch`,
    outputType: `${TYPE_PREFIX}EmbedContentBatchOutput`,
    modelError: (ctx, path) => {
      const model = embeddingModelFor(ctx, path, 'asyncBatchEmbedContent');
      return 'code' in model ? model : undefined;
    },
    answer: (ctx, info, body, path) => embedRoute(ctx, info, body, path, false),
  },
} as const satisfies Record<BatchKind, BatchKindSpec>;
