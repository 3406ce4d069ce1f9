/**
 * @module json-depth
 * How deeply a parsed JSON value nests arrays and objects, found without recursion. Anything
 * that walks a value recursively (JSON.stringify, a validator) runs out of stack on a value
 * nested deeply enough, so the bound is checked right after the parse (V8's JSON.parse does not
 * recurse), before anything else sees the value. Walking the value costs about a tenth of
 * parsing it; scanning the text instead cost half.
 */

/** Whether arrays and objects in `value` nest more than `maxDepth` levels. */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const pending: object[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const node = pending.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (typeof child === "object" && child !== null) {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
