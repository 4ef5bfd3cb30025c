import type { FastifyInstance } from 'fastify';
import { BodyFormatError, parseRecords, UnsupportedMediaTypeError, type ParsedRecord, type RecordShape } from '../engine/formats/index.js';
import { ApiError } from './errors.js';

/**
 * Posted bodies of records (access events, reference data): every supported type arrives as text,
 * and the engine's parsers read it and explain what is wrong.
 */
export function acceptBodiesAsText(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));
}

/** The records of a posted body, or the API's 415 or 400 when it cannot be read as `shape`'s records. */
export function recordsOfBody(contentType: string | undefined, body: unknown, shape: RecordShape): ParsedRecord[] {
  try {
    return parseRecords(contentType, typeof body === 'string' ? body : '', shape);
  } catch (err) {
    if (err instanceof UnsupportedMediaTypeError) throw new ApiError('AW_ERR_UNSUPPORTED_MEDIA_TYPE', err.message);
    if (err instanceof BodyFormatError) throw new ApiError('AW_ERR_BODY_UNREADABLE', err.message);
    throw err;
  }
}
