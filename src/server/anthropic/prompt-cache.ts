/**
 * Anthropic's prompt caching, which the caller asks for: a `cache_control` breakpoint on a tool, a
 * system block or a message block caches the prompt up to and including that block
 * (platform.claude.com/docs/en/build-with-claude/prompt-caching).
 * - The first request writes the prefix: `cache_creation_input_tokens`, split by TTL in
 *   `cache_creation` (`ephemeral_5m_input_tokens`, or `_1h_` for `ttl: "1h"`).
 * - A later request whose prompt starts with a cached prefix reads it: `cache_read_input_tokens`.
 *   As Anthropic does, each breakpoint also finds a prefix that ends up to 20 blocks before it, so
 *   a breakpoint moved to the newest turn of a conversation reads what the last turn wrote.
 * - `input_tokens` is what is left: the tokens after the last breakpoint, and any not cached.
 * - A prefix shorter than the model's minimum is not cached, silently.
 * - A use refreshes the TTL: 5 minutes, or an hour.
 *
 * As with OpenAI's cache (`../prompt-cache.ts`), each server thread caches on its own.
 */
import { PrefixStore, PromptPrefixes } from '../prompt-cache.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import { countInputTokens } from './prompt-tokens.js';
import type { MessagesRequest } from './messages-request.js';
import { minimumCacheable } from '../../corpus/model-catalog.js';

/** How the prompt's input tokens split between the cache and the rest. */
export interface CacheUsage {
  readonly input: number;
  readonly read: number;
  readonly write5m: number;
  readonly write1h: number;
}

const FIVE_MINUTES_MS = 5 * 60_000;
const ONE_HOUR_MS = 60 * 60_000;
/** How far before a breakpoint Anthropic looks for a cached prefix, in blocks. */
const LOOKBACK_BLOCKS = 20;


function breakpointTtl(block: unknown): number | null {
  const control = (block as { cache_control?: { type?: unknown; ttl?: unknown } } | null)?.cache_control;
  if (typeof control !== 'object' || control === null || control.type !== 'ephemeral') return null;
  return control.ttl === '1h' ? ONE_HOUR_MS : FIVE_MINUTES_MS;
}

/** A `cache_control` on the tools is on one of them (usually the last); it covers them all. */
function toolsTtl(tools: unknown): number | null {
  if (!Array.isArray(tools)) return null;
  let ttl: number | null = null;
  for (const t of tools) ttl = breakpointTtl(t) ?? ttl;
  return ttl;
}

/** A prefix is its content: where the breakpoints sit does not change it. */
const withoutBreakpoints = (key: string, value: unknown): unknown => (key === 'cache_control' ? undefined : value);

/** Anthropic's limit on breakpoints in one request. */
export const MAX_BREAKPOINTS = 4;

/** How many blocks of the request carry `cache_control` (tools, system blocks, message blocks); 0 without looking when the raw body never names it. */
export function countBreakpoints(req: MessagesRequest, body: string): number {
  if (!body.includes('"cache_control"')) return 0;
  let n = 0;
  const count = (blocks: unknown): void => {
    if (!Array.isArray(blocks)) return;
    for (const b of blocks) if (breakpointTtl(b) !== null) n++;
  };
  count(req.body.tools);
  count(req.body.system);
  for (const m of req.body.messages) count(m.content);
  return n;
}

const storeFor = perThread(() => new PrefixStore());

/**
 * What the thread's cache holds of a request's prompt: its blocks' prefixes and breakpoints, and
 * the longest cached prefix it reads. Looked up once, before admission (the input-token limit
 * leaves the read out), and applied once admitted: nothing else touches the store in between, and
 * the lookup JSON-encodes and hashes every block of the prompt.
 */
export interface CacheLookup {
  readonly prefixes: PromptPrefixes;
  readonly ttls: readonly (number | null)[];
  readonly read: number;
  readonly now: number;
}

/** The request's cache lookup on this thread's store; null for a prompt without "cache_control" anywhere (`body` is the raw request). */
export function lookUpCache(ctx: ThreadContext, req: MessagesRequest, body: string, model: string, store: PrefixStore = storeFor(ctx)): CacheLookup | null {
  if (!body.includes('"cache_control"')) return null;
  const prefixes = new PromptPrefixes(model);
  const ttls: (number | null)[] = [];
  countInputTokens(req, (block, tokens) => {
    prefixes.add(JSON.stringify(block, withoutBreakpoints) ?? '', tokens);
    ttls.push(block === req.body.tools ? toolsTtl(block) : breakpointTtl(block));
  });
  const now = store.now();
  // The longest cached prefix within the lookback of a breakpoint.
  let hit = -1;
  for (let b = ttls.length - 1; b >= 0 && hit < 0; b--) {
    if (ttls[b] === null) continue;
    const found = store.longest(prefixes.hashes.slice(Math.max(0, b - LOOKBACK_BLOCKS), b + 1), now);
    if (found >= 0) hit = Math.max(0, b - LOOKBACK_BLOCKS) + found;
  }
  return { prefixes, ttls, read: hit < 0 ? 0 : prefixes.tokens[hit]!, now };
}

/**
 * The request's input tokens with its lookup applied, and the cache updated (with `update` false
 * the store is only read). `total`: the prompt's tokens.
 */
export function applyCache(ctx: ThreadContext, lookup: CacheLookup | null, model: string, total: number, store: PrefixStore = storeFor(ctx), update = true): CacheUsage {
  if (lookup === null) return { input: total, read: 0, write5m: 0, write1h: 0 };
  const { prefixes, ttls, read, now } = lookup;
  const minimum = minimumCacheable(model);
  // Every breakpoint past what was read writes the tokens since the one before it, at its TTL.
  let written = read;
  let write5m = 0;
  let write1h = 0;
  for (let b = 0; b < ttls.length; b++) {
    const ttl = ttls[b]!;
    const tokens = prefixes.tokens[b]!;
    if (ttl === null || tokens < minimum) continue;
    if (update) store.remember(prefixes.hashes[b]!, now, ttl);
    if (tokens <= written) continue;
    if (ttl === ONE_HOUR_MS) write1h += tokens - written;
    else write5m += tokens - written;
    written = tokens;
  }
  return { input: total - written, read, write5m, write1h };
}

/** The request's input tokens with the cache applied, and the cache updated, on `store`. */
export function countWithCache(ctx: ThreadContext, req: MessagesRequest, body: string, model: string, total: number, store: PrefixStore = storeFor(ctx), update = true): CacheUsage {
  return applyCache(ctx, lookUpCache(ctx, req, body, model, store), model, total, store, update);
}

/**
 * The input tokens the input-tokens-per-minute limit counts: on current models, as the rate-limit
 * docs say, tokens read from the cache do not count; the Claude 3 models they mark still count them.
 * Claude 3.7 Sonnet is not one: cache-aware limits came with it ("Prompt cache read tokens no longer
 * count against your Input Tokens Per Minute (ITPM) limit for Claude 3.7 Sonnet").
 */
export function rateLimitedInputTokens(ctx: ThreadContext, lookup: CacheLookup | null, model: string, total: number): number {
  if (ctx.quota === null || lookup === null || countsCacheReads(model)) return total;
  return total - lookup.read;
}

/** The models whose input-token limit still counts cache reads: Claude 3's, but for 3.7 Sonnet. */
const countsCacheReads = (model: string): boolean => model.startsWith('claude-3-') && !model.startsWith('claude-3-7-sonnet');
