/**
 * @module serve/prediction-line
 * A prediction-log record as its NDJSON line, which always exists: inputs that cannot be
 * serialized (nested past what the serializer's stack holds, say) are replaced by a note saying
 * why, so the call keeps its line, and the caller counts the replacement.
 */
import { withMembers } from "./json-members.ts";
import type { PredictionRecord } from "./prediction-log.ts";

export interface PredictionLine {
  line: string;
  /** Set when the record's inputs could not be serialized and a note stands in for them. */
  inputsReplaced: boolean;
}

/** `outputsJson`, when given, is the record's outputs already serialized. */
export function predictionLine(record: PredictionRecord, outputsJson?: string): PredictionLine {
  let json: string;
  let inputsReplaced = false;
  try {
    json = JSON.stringify(record);
  } catch (error) {
    // Every other member is a string or a number that skiff made, so only the inputs can fail.
    const reason = error instanceof Error ? error.message : String(error);
    json = JSON.stringify({ ...record, inputs: { unserializable: reason } });
    inputsReplaced = true;
  }
  const line = outputsJson === undefined ? json : withMembers(json, `"outputs":${outputsJson}`);
  return { line, inputsReplaced };
}
