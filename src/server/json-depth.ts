/**
 * How deep a parsed JSON value nests, checked without recursion. `JSON.parse` is iterative, so a
 * body nested tens of thousands deep parses; what later walks it recursively either overflows
 * the stack (caught, `isStackOverflow`) or, in a server thread's larger stack, just takes long:
 * `JSON.stringify` of a value nested 10,000 deep takes about 40 ms there and 100 ms to overflow at
 * 20,000. A value kept and re-serialized on every read is checked with this first.
 */

/** Whether `value` has arrays or objects nested more than `limit` deep (a scalar is depth 0). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: unknown[] = [value];
  const depths: number[] = [0];
  while (pending.length > 0) {
    const v = pending.pop();
    const depth = depths.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    const children: readonly unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
