/**
 * Stop sequences cut an answer's pre-escaped tokens just before the first sequence, as the
 * providers end generation there: exact cuts, including inside a token and next to escapes.
 */
import { describe, expect, it } from 'vitest';
import type { Answer } from '../src/server/answer.js';
import { stopAnswer, stopList } from '../src/server/stop-sequences.js';
import { sourceSlice, tokenSourceFromStrings } from '../src/server/stream-plan.js';

function answer(tokens: string[], contentCount = tokens.length): Answer {
  return { entry: null, refusal: false, content: tokenSourceFromStrings(tokens), contentCount, toolCalls: [], finishReason: contentCount < tokens.length ? 'length' : 'stop', completionTokens: contentCount };
}

/** The answer's text as a client decodes it. */
const text = (a: Answer): string => JSON.parse(`"${sourceSlice(a.content, a.contentCount).toString('utf8')}"`) as string;
/** Each sent token's text. */
const tokens = (a: Answer): string[] =>
  Array.from({ length: a.contentCount }, (_, i) => JSON.parse(`"${a.content.bytes.subarray(a.content.offsets[a.content.first + i], a.content.offsets[a.content.first + i + 1]).toString('utf8')}"`) as string);

describe('stopAnswer', () => {
  const HELLO = ['Hello', ' wor', 'ld', '.', ' Bye'];

  it('ends before a sequence that starts a token, with finish reason stop and the sequence named', () => {
    const a = stopAnswer(answer(HELLO), [' wor']);
    expect(text(a)).toBe('Hello');
    expect(a).toMatchObject({ contentCount: 1, completionTokens: 1, finishReason: 'stop', stopSequence: ' wor' });
  });

  it('keeps the part of the token the sequence starts in, and may span tokens', () => {
    expect(tokens(stopAnswer(answer(HELLO), ['orl']))).toEqual(['Hello', ' w']);
    expect(tokens(stopAnswer(answer(HELLO), ['lo world']))).toEqual(['Hel']);
  });

  it('takes the earliest of several sequences, whatever their order', () => {
    const a = stopAnswer(answer(HELLO), ['Bye', 'd.', 'xyz']);
    expect(text(a)).toBe('Hello worl');
    expect(a.stopSequence).toBe('d.');
  });

  it('matches escaped characters as characters: a newline, not a backslash followed by n', () => {
    const a = stopAnswer(answer(['a\\n', 'b', '\n', 'c "q"']), ['\n']);
    expect(text(a)).toBe('a\\nb');
    expect(stopAnswer(answer(['say ', '"hi"', ' now']), ['"']).contentCount).toBe(1);
    expect(text(stopAnswer(answer(['x\\', '\\y']), ['\\']))).toBe('x');
    expect(text(stopAnswer(answer(['café', ' 漢字', ' end']), ['漢']))).toBe('café ');
  });

  it('leaves the answer whole when no sequence was generated before its output limit', () => {
    const cut = answer(HELLO, 2);
    expect(stopAnswer(cut, ['ld'])).toBe(cut);
    // One that starts before the cut but ends after it was not generated whole.
    expect(stopAnswer(cut, [' world'])).toBe(cut);
    expect(tokens(stopAnswer(cut, ['o wor']))).toEqual(['Hell']);
    expect(stopAnswer(cut, ['o wor']).finishReason).toBe('stop');
    const whole = answer(HELLO);
    for (const stops of [undefined, [], [''], ['zzz']]) expect(stopAnswer(whole, stops)).toBe(whole);
  });

  it('leaves a tool-calling turn whole', () => {
    const a = { ...answer(HELLO), toolCalls: [{ id: 'call_1', name: 'f', args: tokenSourceFromStrings(['{}']), count: 1 }], finishReason: 'tool_calls' as const };
    expect(stopAnswer(a, ['wor'])).toBe(a);
  });
});

describe('stopList', () => {
  it('takes one string or a list; null and absent are none', () => {
    expect(stopList('x')).toEqual(['x']);
    expect(stopList(['a', 'b'])).toEqual(['a', 'b']);
    expect(stopList(null)).toBeUndefined();
    expect(stopList(undefined)).toBeUndefined();
  });
});
