import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _encoding, done) { lines.push(chunk.toString()); done(); } });
  return { logger: createLogger('info', sink), lines };
}

describe('logs', () => {
  it('censor NHS numbers, surnames, addresses and whole event lists, but keep error names', () => {
    const { logger, lines } = capture();
    logger.info({ patient: { nhsNumber: '9434765919' }, surname: 'Smith', address: { postcode: 'NG1 1AA' }, events: [{ id: 'x' }] }, 'looked');
    logger.error({ err: new TypeError('boom') }, 'failed');
    const text = lines.join('');
    expect(text).not.toContain('9434765919');
    expect(text).not.toContain('Smith');
    expect(text).not.toContain('NG1 1AA');
    expect(text).toContain('[redacted]');
    expect(JSON.parse(lines[1]).err.type).toBe('TypeError');
  });

  it('write requests by path, without the query string that may hold an NHS number', () => {
    const { logger, lines } = capture();
    logger.info({ req: { id: 'r1', method: 'GET', url: '/v1/access-events?patient=9434765919' } }, 'incoming request');
    expect(JSON.parse(lines[0]).req).toEqual({ id: 'r1', method: 'GET', path: '/v1/access-events' });
  });

  it('censor the NHS number in a patient\'s path', () => {
    const { logger, lines } = capture();
    logger.info({ req: { id: 'r2', method: 'GET', url: '/v1/patients/9434765919/accesses?from=2026-11-01T00:00:00Z' } }, 'incoming request');
    expect(JSON.parse(lines[0]).req).toEqual({ id: 'r2', method: 'GET', path: '/v1/patients/[redacted]/accesses' });
  });
});
