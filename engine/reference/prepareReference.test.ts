import { describe, expect, it } from 'vitest';
import { prepareReference } from './prepareReference.js';

const now = new Date('2026-11-22T12:00:00Z');
const patient = {
  nhsNumber: '9434765919', surname: 'Smith', dateOfBirth: '1950-03-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: 'A81001',
};

describe('prepareReference: patients', () => {
  it('refuses a death before the birth and dates in the future, keeping the good records', () => {
    const batch = prepareReference('patients', [
      { index: 0, value: { ...patient } },
      { index: 1, value: { ...patient, dateOfDeath: '1949-12-31' } },
      { index: 2, value: { ...patient, dateOfDeath: '2027-01-01' } },
      { index: 3, value: { ...patient, dateOfBirth: '2030-01-01' } },
      { index: 4, value: { ...patient, dateOfDeath: '1950-03-01' } },
    ], 'any-organisation', now);
    expect(batch.records).toHaveLength(2);
    expect(batch.rejected).toEqual([
      { index: 1, errors: ['dateOfDeath: must not be before dateOfBirth (1950-03-01), got "1949-12-31"'] },
      { index: 2, errors: ['dateOfDeath: 2027-01-01 is in the future'] },
      { index: 3, errors: ['dateOfBirth: 2030-01-01 is in the future'] },
    ]);
  });
});
