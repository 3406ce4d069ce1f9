/**
 * @module serve/prediction-warnings
 * What a prediction call accepted but the client should know: a category the model never saw in
 * training (it encodes as all zeros, the same as a missing value), or a missing value the model
 * imputes. The call still succeeds; the answer, the prediction log and the metrics say so.
 */

export type PredictionWarningKind = "unseen_category" | "missing_value";

export interface PredictionWarning {
  /** Index of the instance in the request (0 for a single instance). */
  instance: number;
  feature: string;
  warning: PredictionWarningKind;
  /** The value sent, for an unseen category. */
  value?: string;
}
