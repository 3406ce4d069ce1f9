/**
 * @module serve/non-finite-output
 * A model answered NaN or Infinity where the answer is a JSON number. JSON cannot carry either
 * (JSON.stringify would write null, which no response schema allows), and the same input would
 * get the same answer again, so this is a 500 that says where, not a retryable 503.
 */
import { InternalError } from "../lib/errors.ts";

export class NonFiniteOutputError extends InternalError {}
