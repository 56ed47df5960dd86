/**
 * @google/genai's getters and automatic function calling against the real server: with
 * `functionCallingConfig.mode: ANY` the model is "constrained to always predicting function calls
 * only" (the API reference), so a response has no text part for `.text` to read and all of
 * `maxOutputTokens` is the calls'.
 */
import { FinishReason, FunctionCallingConfigMode, GoogleGenAI, Type, type CallableTool, type FunctionDeclaration } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const WEATHER: FunctionDeclaration = {
  name: 'get_weather',
  parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] },
};
const ANY = { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } };

describe('Gemini function calling mode ANY', () => {
  const sim = useSimulator();
  const client = (): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });

  it('answers with function calls only, streamed and not', async () => {
    const ai = client();
    for (const model of ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-flash', 'gemini-2.5-flash-lite']) {
      for (let seed = 1; seed <= 4; seed++) {
        const config = { seed, tools: [{ functionDeclarations: [WEATHER] }], toolConfig: ANY };
        const whole = await ai.models.generateContent({ model, contents: `weather ${seed}`, config });
        const parts = whole.candidates![0]!.content!.parts!;
        expect(parts.filter((p) => p.text !== undefined && p.thought !== true)).toEqual([]);
        expect(whole.functionCalls?.length).toBeGreaterThan(0);
        for await (const chunk of await ai.models.generateContentStream({ model, contents: `weather ${seed}`, config })) {
          expect(chunk.candidates?.[0]?.content?.parts?.some((p) => p.text !== undefined && p.thought !== true) ?? false).toBe(false);
        }
      }
    }
  });

  it('gives maxOutputTokens to the calls: a cut one has used all of it', async () => {
    const ai = client();
    const seen: FinishReason[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      const r = await ai.models.generateContent({
        model: 'gemini-2.5-flash-lite',
        contents: `weather ${seed}`,
        config: { seed, maxOutputTokens: 10, tools: [{ functionDeclarations: [WEATHER] }], toolConfig: ANY },
      });
      const finish = r.candidates![0]!.finishReason!;
      seen.push(finish);
      if (finish === FinishReason.MAX_TOKENS) expect(r.usageMetadata?.candidatesTokenCount).toBe(10);
    }
    expect(seen).toContain(FinishReason.STOP);
  });

  it('lets automatic function calling run a callable tool and finish in text', async () => {
    const ai = client();
    let calls = 0;
    const tool: CallableTool = {
      tool: () => Promise.resolve({ functionDeclarations: [WEATHER] }),
      callTool: (fcs) => {
        calls += fcs.length;
        return Promise.resolve(fcs.map((fc) => ({ functionResponse: { name: fc.name, id: fc.id, response: { tempC: 20 } } })));
      },
    };
    const chat = ai.chats.create({ model: 'gemini-2.5-flash', config: { seed: 3, tools: [tool] } });
    const reply = await chat.sendMessage({ message: 'Weather in Oslo?' });
    expect(calls).toBeGreaterThan(0);
    expect(reply.text).toEqual(expect.any(String));
    const roles = chat.getHistory(true).map((c) => c.role);
    expect(roles.slice(0, 3)).toEqual(['user', 'model', 'user']);
    expect(roles.at(-1)).toBe('model');
  });
});
