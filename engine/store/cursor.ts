/** Position after the last event of a page: its occurredAt in microseconds and its docId. */
export interface EventCursor {
  micros: bigint;
  docId: string;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor: is not a cursor this server issued (use the nextCursor of the previous page)');
    this.name = 'InvalidCursorError';
  }
}

/** Opaque to callers: base64url of `micros:docId`. */
export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(`${cursor.micros}:${cursor.docId}`).toString('base64url');
}

export function decodeCursor(text: string): EventCursor {
  const match = /^(-?\d{1,20}):([A-Za-z0-9_-]{1,100})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!match) throw new InvalidCursorError();
  return { micros: BigInt(match[1]), docId: match[2] };
}
