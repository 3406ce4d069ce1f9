import { describe, expect, it } from "vitest";
import { isJsonMediaType } from "../../../../functions/lib/http/json-media-type.ts";
import { contentCodingOf } from "../../../../functions/lib/http/request-body.ts";
import { nestsDeeperThan } from "../../../../functions/lib/json-depth.ts";

describe("what counts as a JSON body", () => {
  it.each([
    "application/json",
    "Application/JSON",
    "application/json; charset=utf-8",
    " application/json ;charset=UTF-8",
    "application/vnd.api+json",
    "APPLICATION/PROBLEM+JSON",
  ])("%s is JSON", (type) => expect(isJsonMediaType(type)).toBe(true));

  it.each([undefined, "", "text/plain", "application/jsonl", "application/x-json-stream", "json"])(
    "%s is not",
    (type) => expect(isJsonMediaType(type)).toBe(false),
  );
});

describe("JSON nesting depth", () => {
  const nested = (levels: number) => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { a: value };
    return value;
  };

  it("counts arrays and objects, whatever their strings hold", () => {
    expect(nestsDeeperThan(JSON.parse('{"a":[{"b":[1]}]}'), 4)).toBe(false);
    expect(nestsDeeperThan(JSON.parse('{"a":[{"b":[1]}]}'), 3)).toBe(true);
    expect(nestsDeeperThan({ a: "[".repeat(1000) }, 1)).toBe(false);
    expect(nestsDeeperThan([1, [2], { x: [[3]] }], 4)).toBe(false);
    expect(nestsDeeperThan([1, [2], { x: [[3]] }], 3)).toBe(true);
    expect(nestsDeeperThan("text", 0)).toBe(false);
  });

  it("walks 100,000 levels without recursion", () => {
    expect(nestsDeeperThan(nested(100_000), 64)).toBe(true);
    expect(nestsDeeperThan(nested(64), 64)).toBe(false);
  });
});

describe("Content-Encoding", () => {
  it.each([
    [undefined, "identity"],
    ["identity", "identity"],
    ["GZIP", "gzip"],
    ["x-gzip", "gzip"],
    ["deflate", "deflate"],
    ["gzip, identity", "gzip"],
  ])("%s is decoded as %s", (header, coding) => expect(contentCodingOf(header)).toBe(coding));

  it.each(["br", "zstd", "compress", "gzip, deflate", "nonsense"])(
    "%s is a 415 naming it",
    (header) =>
      expect(() => contentCodingOf(header)).toThrow(`content encoding ${header} is not supported`),
  );
});
