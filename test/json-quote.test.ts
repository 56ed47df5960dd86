import { describe, expect, it } from 'vitest';
import { jsonQuote } from '../src/server/json-quote.js';

describe('jsonQuote', () => {
  it('matches JSON.stringify on plain ids and on strings that need escapes', () => {
    const cases = [
      '',
      'gpt-4o-mini',
      'chatcmpl-AbC123',
      'models/gemini-2.0-flash:001',
      'a "quoted" model',
      'back\\slash',
      'tab\tnew\nline',
      '\u0000\u001f\u007f',
      'modèle-ünïcode',
      '\ud83d\ude00 emoji',
      'lone \ud800 surrogate',
      '</script>',
    ];
    for (const s of cases) {
      expect(jsonQuote(s), s).toBe(JSON.stringify(s));
      expect(JSON.parse(jsonQuote(s)), s).toBe(s);
    }
  });
});
