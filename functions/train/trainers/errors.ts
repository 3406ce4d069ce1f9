/**
 * @module train/trainers/errors
 * A training run that cannot succeed because of its data or its settings. The message is meant
 * for the person who started the run: it names the column, parameter or row at fault.
 */
export class TrainingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TrainingError";
  }
}
