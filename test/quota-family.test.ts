/**
 * Limits a model family shares: Anthropic's "Claude Opus 4.x" and "Claude Sonnet 4.x" limits are
 * each one total over the line's 4.x models, in the presets and wherever a quota file's
 * `families` says so.
 */
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';
import { allocateQuotaMemory, QuotaEngine, type QuotaRequest } from '../src/quota/engine.js';
import { familyOf, loadQuota, parseQuotaTable, type QuotaTable } from '../src/quota/limits.js';
import { ManualClock } from '../src/timing/clock.js';
import { tempFile } from './fixtures/sim.js';

const EPOCH = 1e12;

function engine(table: QuotaTable): QuotaEngine {
  return new QuotaEngine(allocateQuotaMemory(EPOCH), table, new ManualClock(0), () => EPOCH);
}

/** The engine's flat (name, value) list, each value carrying the next two `name: value` lines, as a map. */
function headerMap(flat: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) {
    const [first, ...rest] = flat[i + 1]!.split('\r\n');
    out.set(flat[i]!, first!);
    for (const line of rest) {
      const at = line.indexOf(': ');
      out.set(line.slice(0, at), line.slice(at + 2));
    }
  }
  return out;
}

const claude = (model: string, alias?: string, apiKey = 'sk-a'): QuotaRequest => ({ dialect: 'anthropic', apiKey, model, alias, inputTokens: 100, maxOutputTokens: 0 });

describe('the Anthropic presets', () => {
  it('put the Opus 4.x and Sonnet 4.x models in one family each, by the dated id or the name sent', () => {
    const tier1 = loadQuota('anthropic-tier-1');
    for (const model of ['claude-opus-4-20250514', 'claude-opus-4-1-20250805', 'claude-opus-4-5-20251101', 'claude-opus-4-6']) expect(familyOf(tier1, model)).toBe('claude-opus-4.x');
    for (const model of ['claude-sonnet-4-20250514', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-6']) expect(familyOf(tier1, model)).toBe('claude-sonnet-4.x');
    for (const model of ['claude-haiku-4-5-20251001', 'claude-3-7-sonnet-20250219', 'claude-3-5-haiku-20241022']) expect(familyOf(tier1, model)).toBeUndefined();
    expect(familyOf(loadQuota('anthropic-tier-4'), 'claude-opus-4-1-20250805')).toBe('claude-opus-4.x');
    expect(familyOf(loadQuota('openai-tier-1'), 'claude-opus-4-1-20250805')).toBeUndefined();
  });

  it('charge every Opus 4.x model to one bucket per key, apart from Sonnet 4.x, Haiku and other keys', () => {
    const e = engine(loadQuota('anthropic-tier-1'));
    const seen = (r: QuotaRequest): [string | undefined, string | undefined] => {
      const h = headerMap(e.admit(r).headers);
      return [h.get('anthropic-ratelimit-requests-remaining'), h.get('anthropic-ratelimit-input-tokens-remaining')];
    };
    expect(seen(claude('claude-opus-4-1-20250805', 'claude-opus-4-1'))).toEqual(['49', '29900']);
    expect(seen(claude('claude-opus-4-5-20251101', 'claude-opus-4-5'))).toEqual(['48', '29800']);
    expect(seen(claude('claude-opus-4-20250514', 'claude-opus-4-0'))).toEqual(['47', '29700']);
    expect(seen(claude('claude-opus-4-6'))).toEqual(['46', '29600']);
    expect(seen(claude('claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'))).toEqual(['49', '29900']);
    expect(seen(claude('claude-sonnet-4-20250514', 'claude-sonnet-4-0'))).toEqual(['48', '29800']);
    expect(seen(claude('claude-sonnet-4-6'))).toEqual(['47', '29700']);
    expect(seen(claude('claude-haiku-4-5-20251001', 'claude-haiku-4-5'))).toEqual(['49', '49900']);
    expect(seen(claude('claude-3-7-sonnet-20250219'))).toEqual(['49', '29900']);
    expect(seen(claude('claude-opus-4-6', undefined, 'sk-b'))).toEqual(['49', '29900']);
  });

  it('refuse one Opus 4.x model once the others have spent the family\'s requests', () => {
    const e = engine(loadQuota('anthropic-tier-1'));
    const models = ['claude-opus-4-20250514', 'claude-opus-4-1-20250805', 'claude-opus-4-5-20251101', 'claude-opus-4-6'];
    for (let i = 0; i < 50; i++) expect(e.admit(claude(models[i % 4]!)).rejection).toBeNull();
    const refused = e.admit(claude('claude-opus-4-1-20250805', 'claude-opus-4-1'));
    expect(refused.rejection).toMatchObject({ dimension: 'requests', limit: 50, used: 50, requested: 1 });
    expect(headerMap(refused.headers).get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(e.admit(claude('claude-sonnet-4-5-20250929')).rejection).toBeNull();
  });
});

describe('a quota file\'s families', () => {
  it('are refused where a prefix is in two families, or a family lists none', () => {
    expect(() => parseQuotaTable({ defaults: {}, families: { a: ['gpt-4o'], b: ['gpt-4o'] } }, 'q.json')).toThrow(/q\.json: families\.b: prefix "gpt-4o" is in family "a" too/);
    expect(() => parseQuotaTable({ defaults: {}, families: { a: [] } }, 'q.json')).toThrow(/q\.json: families\.a: /);
    expect(() => parseQuotaTable({ defaults: {}, families: { a: [''] } }, 'q.json')).toThrow(/q\.json: families\.a\.0: /);
  });

  it('pick the family of the longest matching prefix', () => {
    const table = parseQuotaTable({ defaults: {}, families: { all: ['gpt-4'], mini: ['gpt-4o-mini'] } }, 'q.json');
    expect(familyOf(table, 'gpt-4o-mini-2024-07-18')).toBe('mini');
    expect(familyOf(table, 'gpt-4o-2024-08-06')).toBe('all');
    expect(familyOf(table, 'o3')).toBeUndefined();
  });

  it('share a bucket on the server, with the headers to show it', async () => {
    const quota = tempFile('q.json', {
      defaults: { requestsPerMinute: 3, inputTokensPerMinute: 100_000, outputTokensPerMinute: 100_000 },
      families: { opus: ['claude-opus-4'] },
    });
    const sim = await startSimulator({ threads: 1, speed: 0, seed: 7, quota });
    try {
      const send = async (model: string) => {
        const r = await fetch(`${sim.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': 'sk-family', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
        });
        await r.text();
        return [r.status, r.headers.get('anthropic-ratelimit-requests-limit'), r.headers.get('anthropic-ratelimit-requests-remaining')];
      };
      // 20 s per request at 3 RPM: nothing refills between these.
      expect(await send('claude-opus-4-1')).toEqual([200, '3', '2']);
      expect(await send('claude-opus-4-5')).toEqual([200, '3', '1']);
      expect(await send('claude-opus-4-6')).toEqual([200, '3', '0']);
      expect(await send('claude-opus-4-0')).toEqual([429, '3', '0']);
      expect(await send('claude-sonnet-4-5')).toEqual([200, '3', '2']);
    } finally {
      await sim.stop();
    }
  });
});
