/**
 * @module json-object
 * Whether a parsed JSON value is an object of named members. Request bodies whose keys are names
 * (features, parameters) are checked with this in place rather than parsed as a zod record: zod
 * rebuilds a record key by key, which drops a "__proto__" key (or makes it the new object's
 * prototype), so a name would be lost or, worse, inherited.
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
