/** The pipeline cannot take more right now; the caller should retry after `retryAfterSeconds`. */
export class BackpressureError extends Error {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** The queue or store cannot be reached; nothing was accepted. */
export class UnavailableError extends Error {
  constructor(message: string, readonly retryAfterSeconds: number = 5) {
    super(message);
  }
}
