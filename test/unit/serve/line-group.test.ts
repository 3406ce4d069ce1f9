import { describe, expect, it } from "vitest";
import { LineGroup } from "../../../functions/serve/line-group.ts";

const lines = (group: LineGroup) => group.body().toString("utf8").split("\n").slice(0, -1);

describe("line group", () => {
  it("keeps every line in order, each ending in a newline, across many chunks", () => {
    const group = new LineGroup("iris", "2026-11-27");
    const expected: string[] = [];
    let bytes = 0;
    for (let i = 0; i < 5000; i++) {
      const line = JSON.stringify({ i, pad: "x".repeat(i % 97) });
      expected.push(line);
      bytes += group.add(line);
    }
    expect(lines(group)).toEqual(expected);
    expect(group.records).toBe(5000);
    expect(group.bytes).toBe(bytes);
    expect(group.body().length).toBe(bytes);
    expect(group.body().at(-1)).toBe(0x0a);
  });

  it("counts bytes, not characters, for text outside ASCII", () => {
    const group = new LineGroup("iris", "2026-11-27");
    const line = JSON.stringify({ label: "Iris-versicolor ✿", note: "𝛼β" });
    expect(group.add(line)).toBe(Buffer.byteLength(line) + 1);
    expect(lines(group)).toEqual([line]);
  });

  it("takes a line longer than any chunk", () => {
    const group = new LineGroup("iris", "2026-11-27");
    const long = "é".repeat(3 * 1024 * 1024);
    group.add("first");
    group.add(long);
    group.add("last");
    expect(lines(group)).toEqual(["first", long, "last"]);
  });

  it("puts an older group's lines in front of its own", () => {
    const older = new LineGroup("iris", "2026-11-27");
    older.add("a");
    older.add("b");
    const newer = new LineGroup("iris", "2026-11-27");
    newer.add("c");
    newer.prepend(older);
    newer.add("d");
    expect(lines(newer)).toEqual(["a", "b", "c", "d"]);
    expect(newer.records).toBe(4);
    expect(newer.bytes).toBe(8);
  });
});
