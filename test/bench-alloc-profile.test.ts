import { describe, expect, it } from 'vitest';
import { topAllocationSites } from '../bench/thread-inspector.js';

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
