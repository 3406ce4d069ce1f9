/**
 * @module serve/json-members
 * Adds members that are already JSON text to a serialized object. A call's outputs are
 * serialized once and the same text goes into both the response and the prediction log line;
 * serializing them twice was the largest single cost of requests with many rows.
 */

/** `objectJson` (a serialized object) with `members` (serialized `"key":value` pairs) added last. */
export function withMembers(objectJson: string, members: string): string {
  if (members === "") return objectJson;
  return objectJson === "{}" ? `{${members}}` : `${objectJson.slice(0, -1)},${members}}`;
}
