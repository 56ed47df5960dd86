/**
 * The `encrypted_content` of a compaction item (`./responses-compact.ts`). Opaque at OpenAI; the
 * simulator seals into it the tokens the summary stands for, so a request that sends it back is
 * counted as a compacted conversation is billed.
 */
import { randomId } from '../answer.js';
import type { SeededRandom } from '../../timing/random.js';

/** `encrypted_content`: OpenAI's opaque prefix, then the summary's token count, then opaque digits. */
const SEALED = 'gAAAAAB';

/** The encrypted content of a summary standing for `tokens` tokens. */
export function sealSummary(tokens: number, rng: SeededRandom): string {
  return `${SEALED}${Buffer.from(JSON.stringify({ t: tokens })).toString('base64url')}.${randomId(rng, '', 64)}`;
}

/** The tokens a compaction item sent back stands for: what the simulator sealed in it, else a quarter of its length. */
export function compactionTokens(encrypted: string): number {
  if (encrypted.startsWith(SEALED)) {
    const dot = encrypted.indexOf('.');
    try {
      const sealed = JSON.parse(Buffer.from(encrypted.slice(SEALED.length, dot < 0 ? undefined : dot), 'base64url').toString('utf8')) as { t?: unknown };
      if (typeof sealed.t === 'number' && Number.isInteger(sealed.t) && sealed.t >= 0 && sealed.t <= 10_000_000) return sealed.t;
    } catch {
      // Not one the simulator sealed: counted by its length.
    }
  }
  return Math.ceil(encrypted.length / 4);
}

