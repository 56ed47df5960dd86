/**
 * Seeded sampling of corpus entries by model, kind and length.
 *
 * Entries are bucketed at load by (model, kind group) and by (vendor, kind group), each bucket
 * sorted by length, so a draw is a binary search plus one random index: its cost does not grow
 * with corpus size beyond log n.
 */
import type { SharedCorpus, EntryMeta } from './compiled.js';
import { decodeEntryMetas } from './compiled.js';
import type { EntryKind } from './format.js';
import { vendorOf } from './model-catalog.js';
import { retiredOn, servedIds, servedVendor } from './served-models.js';
import type { SeededRandom } from '../timing/random.js';

/** What a request can be answered with. `chat` is text plus the occasional refusal. */
export type KindGroup = 'chat' | 'tool_call' | 'json';
const KIND_GROUP: Readonly<Record<EntryKind, KindGroup>> = {
  text: 'chat',
  refusal: 'chat',
  tool_call: 'tool_call',
  json: 'json',
};

class Bucket {
  readonly indices: Int32Array;
  readonly lengths: Int32Array;

  constructor(members: number[], metas: readonly EntryMeta[]) {
    members.sort((a, b) => metas[a]!.tokenCount - metas[b]!.tokenCount || a - b);
    this.indices = Int32Array.from(members);
    this.lengths = Int32Array.from(members, (i) => metas[i]!.tokenCount);
  }

  /**
   * Prefers entries that fit `maxTokens`; when none does, any entry (the caller then cuts it
   * at the limit and reports finish_reason "length").
   */
  draw(rng: SeededRandom, maxTokens: number | undefined): number {
    let n = this.indices.length;
    if (maxTokens !== undefined) {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.lengths[mid]! <= maxTokens) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) n = lo;
    }
    return this.indices[rng.int(n)]!;
  }
}

type KindBuckets = Partial<Record<KindGroup, Bucket>>;

/** How a requested model id maps onto the corpus. */
export interface ModelResolution {
  /** Bucket key: a corpus model id, or `vendor:<name>` for a vendor family. */
  readonly key: string;
  /**
   * True when a provider serves the model today (`served-models.ts`) or the corpus holds it
   * (exactly or as a dated snapshot of it), and it is not retired: what `--strict-models` serves.
   */
  readonly known: boolean;
}

const RESOLUTION_CACHE_LIMIT = 1024;

/** How a snapshot's id extends its model's: `-2024-08-06` (OpenAI), `-20250929` (Anthropic), `-0613`, `-0709` (OpenAI's older ones, xAI's). */
const SNAPSHOT = String.raw`-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})`;
const SNAPSHOT_SUFFIX = new RegExp(`^${SNAPSHOT}$`);
const SNAPSHOT_ID = new RegExp(`^(.+)${SNAPSHOT}$`);

/** Whether a provider serves `model`, itself or as a dated snapshot of a model it serves (`gpt-5.4-2026-03-05`), and has not retired it. */
function served(model: string): boolean {
  if (servedVendor(model) !== undefined) return true;
  const base = SNAPSHOT_ID.exec(model)?.[1];
  return base !== undefined && servedVendor(base) !== undefined && retiredOn(model) === undefined;
}

export class Corpus {
  readonly bytes: Buffer;
  readonly offsets: Int32Array;
  readonly entries: readonly EntryMeta[];
  /** Distinct corpus model ids, sorted. */
  readonly models: readonly string[];
  #listed: readonly string[] | undefined;
  readonly #buckets: Map<string, KindBuckets>;
  readonly #all: KindBuckets;
  readonly #fallbackKey: string;
  readonly #resolutions: Map<string, ModelResolution>;
  readonly #byId: Map<string, number>;
  /** Corpus models, longest first, for matching dated snapshots like gpt-4o-2024-08-06. */
  readonly #byLength: readonly string[];

  constructor(shared: SharedCorpus, fallbackModel: string) {
    this.bytes = Buffer.from(shared.bytes);
    this.offsets = new Int32Array(shared.offsets);
    this.entries = decodeEntryMetas(shared);
    const groups = new Map<string, Partial<Record<KindGroup, number[]>>>();
    const add = (key: string, group: KindGroup, i: number): void => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = {}));
      (g[group] ??= []).push(i);
    };
    this.entries.forEach((e, i) => {
      const group = KIND_GROUP[e.kind];
      add(e.model, group, i);
      const vendor = vendorOf(e.model);
      if (vendor) add(`vendor:${vendor}`, group, i);
      add('*', group, i);
    });
    this.#buckets = new Map();
    for (const [key, g] of groups) {
      const kb: KindBuckets = {};
      for (const group of Object.keys(g) as KindGroup[]) kb[group] = new Bucket(g[group]!, this.entries);
      this.#buckets.set(key, kb);
    }
    this.#all = this.#buckets.get('*') ?? {};
    this.models = [...new Set(this.entries.map((e) => e.model))].sort();
    this.#byLength = [...this.models].sort((a, b) => b.length - a.length);
    this.#resolutions = new Map();
    this.#byId = new Map(this.entries.map((e, i) => [e.id, i]));
    const fb = this.#resolveUncached(fallbackModel);
    this.#fallbackKey = fb.key;
  }

  /** Maps a requested model id to a bucket; `undefined` when neither the model nor its vendor is in the corpus. */
  resolveModel(model: string): ModelResolution | undefined {
    let r = this.#resolutions.get(model);
    if (r === undefined) {
      r = this.#resolveUncached(model);
      // A served model whose vendor the corpus lacks answers as an unknown id does, from the fallback model.
      if (r.key === '' && r.known) r = { key: this.fallbackKey, known: true };
      // Model ids arrive from clients: the cache is bounded so hostile ids cannot grow it.
      if (this.#resolutions.size < RESOLUTION_CACHE_LIMIT) this.#resolutions.set(model, r);
    }
    // A miss is key '' and must read as a miss, not as bucket ''.
    return r.key === '' ? undefined : r;
  }

  #resolveUncached(model: string): ModelResolution {
    const corpusKey = this.#corpusKey(model);
    if (corpusKey !== undefined) {
      // Any id that starts with a corpus model's answers from it, but only the model itself, a
      // dated snapshot of it or a served variant (`gpt-5-pro`) is known: `gpt-4o-mnii` is a typo.
      // A shut-down id (or a snapshot of a shut-down model) is unknown even where the corpus holds
      // it. Either way it keeps its bucket, so without --strict-models its answers are what they were.
      const named = model === corpusKey || SNAPSHOT_SUFFIX.test(model.slice(corpusKey.length)) || served(model);
      return { key: corpusKey, known: named && retiredOn(model) === undefined && retiredOn(corpusKey) === undefined };
    }
    const vendor = vendorOf(model);
    const key = vendor && this.#buckets.has(`vendor:${vendor}`) ? `vendor:${vendor}` : '';
    // A model the provider serves but the corpus lacks answers from its vendor's entries (or,
    // when the corpus has none of them, the fallback model's, as an unknown id does).
    return { key, known: served(model) };
  }

  /** The corpus model whose entries answer `model`: the model itself, or the longest whose id and a `-` start it. */
  #corpusKey(model: string): string | undefined {
    if (this.#buckets.has(model) && model !== '*') return model;
    for (const m of this.#byLength) if (model.startsWith(m + '-')) return m;
    return undefined;
  }

  /**
   * What the models routes list: the corpus's models but retired ones, and every model a
   * provider serves today (`served-models.ts`), sorted.
   */
  get listedModels(): readonly string[] {
    this.#listed ??= [...new Set([...this.models.filter((m) => retiredOn(m) === undefined), ...servedIds('openai'), ...servedIds('anthropic'), ...servedIds('google'), ...servedIds('xai')])].sort();
    return this.#listed;
  }

  /** False when neither the fallback model nor its vendor is in the corpus (then the whole corpus serves unknown ids). */
  get hasFallbackEntries(): boolean {
    return this.#fallbackKey !== '';
  }

  get fallbackKey(): string {
    return this.#fallbackKey === '' ? '*' : this.#fallbackKey;
  }

  /**
   * Draws an entry index for a bucket key and kind group, widening to the vendor family and then
   * the whole corpus when the bucket lacks that kind. `undefined` when the corpus has none.
   */
  sample(rng: SeededRandom, key: string, group: KindGroup, maxTokens: number | undefined): number | undefined {
    let bucket = this.#buckets.get(key)?.[group];
    if (bucket === undefined && !key.startsWith('vendor:')) {
      const vendor = vendorOf(key);
      if (vendor) bucket = this.#buckets.get(`vendor:${vendor}`)?.[group];
    }
    bucket ??= this.#all[group];
    return bucket?.draw(rng, maxTokens);
  }

  /** Index of the entry with this id (the x-understudy-entry override), if any. */
  indexOf(id: string): number | undefined {
    return this.#byId.get(id);
  }

  /** Byte range [start, end) of tokens [from, to) of an entry in `bytes`. */
  tokenBytes(entry: EntryMeta, from: number, to: number): [number, number] {
    return [this.offsets[entry.tokenStart + from]!, this.offsets[entry.tokenStart + to]!];
  }
}
