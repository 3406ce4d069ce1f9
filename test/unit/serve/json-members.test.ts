import { describe, expect, it } from "vitest";
import { withMembers } from "../../../functions/serve/json-members.ts";

describe("withMembers", () => {
  it("adds serialized members at the end of a serialized object", () => {
    const outputs = JSON.stringify([{ label: "setosa", probability: 0.9 }]);
    const json = withMembers(
      JSON.stringify({ model: "iris", version: "1" }),
      `"outputs":${outputs}`,
    );
    expect(JSON.parse(json)).toEqual({
      model: "iris",
      version: "1",
      outputs: [{ label: "setosa", probability: 0.9 }],
    });
    expect(Object.keys(JSON.parse(json))).toEqual(["model", "version", "outputs"]);
  });

  it("handles an empty object and no members", () => {
    expect(withMembers("{}", '"a":1')).toBe('{"a":1}');
    expect(withMembers('{"a":1}', "")).toBe('{"a":1}');
    expect(withMembers("{}", "")).toBe("{}");
  });

  it("flattens one instance's answer, as named predict does for a single row", () => {
    const predictions = JSON.stringify([{ label: "a", probabilities: { a: 1 } }]);
    const json = withMembers('{"model":"m"}', predictions.slice(2, -2));
    expect(JSON.parse(json)).toEqual({ model: "m", label: "a", probabilities: { a: 1 } });
  });
});
