import { pino, type Logger } from 'pino';

/**
 * Log fields that may carry patient or staff identity. They are censored wherever they appear,
 * so an NHS number, a surname or an address never reaches a log line. (`name` is not listed: it
 * would hide every error's name; accesswatch never logs people's names.)
 */
const REDACT = [
  'nhsNumber', '*.nhsNumber', '*.*.nhsNumber', 'patient', '*.patient',
  'surname', '*.surname', 'address', '*.address', 'dateOfBirth', '*.dateOfBirth',
  'staff', '*.staff', 'patients', '*.patients', 'events', '*.events', 'records', '*.records',
  'req.headers.authorization', 'authorization', 'key', 'token',
];

export type { Logger };

/** The NHS number in a patient's path (`/v1/patients/{nhsNumber}/accesses`). */
const PATIENT_IN_PATH = /(\/patients\/)[^/]+/;

/** Requests are logged by method and path only: query strings can carry NHS numbers, and so can a patient's path, censored. */
const serializers = {
  req: (req: { method?: string; url?: string; id?: string }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0].replace(PATIENT_IN_PATH, '$1[redacted]') }),
};

/** The process logger; modules take child loggers tagged `{ module }` (and `batchId`, `ruleId`). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' }, serializers };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
