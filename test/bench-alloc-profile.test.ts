import { describe, expect, it } from 'vitest';
import { topAllocationSites, topSelfTime } from '../bench/thread-inspector.js';

const node = (functionName: string, url: string, lineNumber: number, selfSize: number, children: unknown[] = []) => ({
  callFrame: { functionName, scriptId: '1', url, lineNumber, columnNumber: 0 },
  selfSize,
  id: 0,
  children,
});

describe('topAllocationSites', () => {
  it('sums each function and line over the whole tree, largest first, per second of the window', () => {
    const profile = {
      head: node('(root)', '', -1, 0, [
        node('a', 'file:///x/dist/src/a.js', 9, 600, [node('b', 'file:///x/dist/src/b.js', 0, 300)]),
        node('a', 'file:///x/dist/src/a.js', 9, 100),
        node('', '', -1, 1000),
      ]),
      samples: [],
    };
    const top = topAllocationSites(profile as never, 2000, 2);
    expect(top.bytesPerSec).toBe(1000);
    expect(top.sites).toEqual([
      { name: '(anonymous)', bytesPerSec: 500, share: 0.5 },
      { name: 'a a.js:10', bytesPerSec: 350, share: 0.35 },
    ]);
  });
});

describe('topSelfTime', () => {
  it('names a native function with its JavaScript caller, and shares self time by the sample deltas', () => {
    const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, scriptId: '1', url, lineNumber, columnNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
        { id: 2, callFrame: frame('emitDue', 'file:///x/dist/src/server/http-exchange.js', 865), children: [3] },
        { id: 3, callFrame: frame('collect', ''), children: [4] },
        { id: 4, callFrame: frame('emitCorked', 'file:///x/dist/src/server/http-exchange.js', 793), children: [] },
        { id: 5, callFrame: frame('(idle)', ''), children: [] },
      ],
      startTime: 0,
      endTime: 100,
      // A sample's time is the delta to the next one: collect 30 + 30 (+ 0 for the last), emitCorked 10, idle 20.
      samples: [3, 3, 4, 5, 3],
      timeDeltas: [0, 30, 30, 10, 20],
    };
    expect(topSelfTime(profile as never, 3)).toEqual([
      { name: 'collect (native, from emitDue)', share: 60 / 90 },
      { name: '(idle)', share: 20 / 90 },
      { name: 'emitCorked http-exchange.js:794', share: 10 / 90 },
    ]);
  });
});
