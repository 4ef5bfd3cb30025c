/**
 * Every error the API returns, with its HTTP status. Bodies are `{"error": {"code", "message"}}`;
 * 5xx messages never carry internal details. The README lists these codes.
 */
export const ERRORS = {
  AW_ERR_UNAUTHENTICATED: { status: 401, text: 'no bearer token was sent (Authorization: Bearer <key or token>)' },
  AW_ERR_UNKNOWN_SOURCE: { status: 401, text: 'the key or token is unknown or has been revoked' },
  AW_ERR_INVALID_TOKEN: { status: 401, text: 'the OIDC token failed a check (expiry, issuer, audience, algorithm or signature)' },
  AW_ERR_FORBIDDEN: { status: 403, text: 'this key or token may not do this' },
  AW_ERR_NOT_FOUND: { status: 404, text: 'not found' },
  AW_ERR_VALIDATION: { status: 400, text: 'the request is not valid' },
  AW_ERR_BODY_UNREADABLE: { status: 400, text: 'the body could not be read' },
  AW_ERR_NO_VALID_EVENT: { status: 400, text: 'no event in the body was valid' },
  AW_ERR_CONFLICT: { status: 409, text: 'conflicts with what exists' },
  AW_ERR_INVALID_TRANSITION: { status: 409, text: 'the alert cannot make this change from its status' },
  AW_ERR_BODY_TOO_LARGE: { status: 413, text: 'the body is larger than the limit' },
  AW_ERR_TOO_MANY_EVENTS: { status: 413, text: 'the body holds more events or reference records than the per-request limit' },
  AW_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, text: 'the content type is not supported' },
  AW_ERR_BUSY: { status: 429, text: 'accesswatch is busy; retry after the Retry-After seconds' },
  AW_ERR_INTERNAL: { status: 500, text: 'something went wrong inside accesswatch; it has been logged' },
  AW_ERR_UNAVAILABLE: { status: 503, text: 'the queue or store is unavailable; retry after the Retry-After seconds' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error with a code from ERRORS and a message written for the caller. */
export class ApiError extends Error {
  readonly status: number;

  constructor(readonly code: ErrorCode, message: string = ERRORS[code].text, readonly retryAfterSeconds?: number) {
    super(message);
    this.status = ERRORS[code].status;
  }
}

export const errorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;
