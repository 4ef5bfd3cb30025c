import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../events/accessEvent.js';
import type { Patient, Relationship } from '../reference/referenceData.js';
import { explainAccess } from './explainAccess.js';

const access = (overrides: Partial<AccessEvent> = {}): AccessEvent => ({
  id: 'e1', occurredAt: '2026-11-20T10:00:00Z', system: 'pas-rrk', organisation: 'RRK',
  user: { id: 'U1', role: 'R8000' }, patient: { nhsNumber: '9434765919' }, action: 'view', ...overrides,
});
const patient: Patient = {
  nhsNumber: '9434765919', surname: 'Smith', dateOfBirth: '1950-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' },
  flags: [], optOuts: [], registeredPractice: 'A81001',
};
const rel = (overrides: Partial<Relationship>): Relationship => ({
  nhsNumber: '9434765919', organisation: 'RRK', type: 'admission', start: '2026-11-18', ...overrides,
});
const options = { marginDays: 30 };

describe('explainAccess', () => {
  it('explains a GP practice looking at its own registered patient', () => {
    const result = explainAccess(access({ organisation: 'A81001' }), { patient, relationships: [] }, options);
    expect(result).toMatchObject({ explained: true, by: { type: 'registration', level: 'organisation', organisation: 'A81001' } });
  });

  it('explains a registered patient by the user\'s or their team\'s own care when there is some, registration otherwise', () => {
    const gp = access({ organisation: 'A81001' });
    const own = rel({ organisation: 'A81001', id: 'appt-1', type: 'appointment', userId: 'U1', start: '2026-11-20T09:55:00Z', end: '2026-11-20T10:10:00Z' });
    const practiceWide = rel({ organisation: 'A81001', type: 'referral' });
    expect(explainAccess(gp, { patient, relationships: [practiceWide, own] }, options).by).toMatchObject({ level: 'user', type: 'appointment', relationshipId: 'appt-1' });
    // Another organisation's care, or the practice's own at organisation level, leaves registration the explanation.
    expect(explainAccess(gp, { patient, relationships: [practiceWide, rel({ userId: 'U1' })] }, options).by).toMatchObject({ level: 'organisation', type: 'registration' });
  });

  it('explains by the most specific active relationship: the user, then the team, then the organisation', () => {
    const relationships = [
      rel({ type: 'admission' }),
      rel({ type: 'care-team', team: 'ward-7' }),
      rel({ id: 'appt-9', type: 'appointment', userId: 'U1', start: '2026-11-20T09:30:00Z', end: '2026-11-20T10:30:00Z' }),
    ];
    expect(explainAccess(access(), { patient, relationships }, options).by).toMatchObject({ level: 'user', type: 'appointment', relationshipId: 'appt-9', withinMargin: false });
    expect(explainAccess(access({ user: { id: 'U2', role: 'R8000', team: 'ward-7' } }), { patient, relationships }, options).by)
      .toMatchObject({ level: 'team', type: 'care-team' });
    expect(explainAccess(access({ user: { id: 'U3', role: 'R8000' } }), { patient, relationships }, options).by)
      .toMatchObject({ level: 'organisation', type: 'admission' });
  });

  it('trusts the staff record\'s team over the one the source system put in the event', () => {
    const staff = { userId: 'U2', organisation: 'RRK', name: 'A', surname: 'B', role: 'R8000', roleClass: 'clinical' as const, team: 'ward-9', start: '2020-01-01' };
    const result = explainAccess(access({ user: { id: 'U2', role: 'R8000', team: 'ward-7' } }), { staff, patient, relationships: [rel({ type: 'care-team', team: 'ward-7' })] }, options);
    expect(result.by?.level).toBe('organisation');
  });

  it('takes the team from the staff record when the event does not carry it', () => {
    const staff = { userId: 'U2', organisation: 'RRK', name: 'A', surname: 'B', role: 'R8000', roleClass: 'clinical' as const, team: 'ward-7', start: '2020-01-01' };
    const result = explainAccess(access({ user: { id: 'U2', role: 'R8000' } }), { staff, patient, relationships: [rel({ type: 'care-team', team: 'ward-7' })] }, options);
    expect(result.by?.level).toBe('team');
  });

  it('judges relationships at the time of the access, with the margin either side', () => {
    const discharged = rel({ start: '2026-09-01', end: '2026-10-01' });
    expect(explainAccess(access({ occurredAt: '2026-10-25T10:00:00Z' }), { patient, relationships: [discharged] }, options))
      .toMatchObject({ explained: true, by: { withinMargin: true } });
    expect(explainAccess(access({ occurredAt: '2026-11-05T10:00:00Z' }), { patient, relationships: [discharged] }, options).explained).toBe(false);
    // Date-only values are days in England: 1 October ends at 23:00 UTC (BST), 1 December at midnight UTC (GMT).
    expect(explainAccess(access({ occurredAt: '2026-10-01T22:59:00Z' }), { patient, relationships: [discharged] }, { marginDays: 0 }).explained).toBe(true);
    expect(explainAccess(access({ occurredAt: '2026-10-01T23:30:00Z' }), { patient, relationships: [discharged] }, { marginDays: 0 }).explained).toBe(false);
    expect(explainAccess(access({ occurredAt: '2026-08-31T23:30:00Z' }), { patient, relationships: [discharged] }, { marginDays: 0 }).explained).toBe(true);
    const winter = rel({ start: '2026-12-01', end: '2026-12-01' });
    expect(explainAccess(access({ occurredAt: '2026-12-01T23:59:00Z' }), { patient, relationships: [winter] }, { marginDays: 0 }).explained).toBe(true);
    expect(explainAccess(access({ occurredAt: '2026-11-30T23:59:00Z' }), { patient, relationships: [winter] }, { marginDays: 0 }).explained).toBe(false);
  });

  it('never lets another organisation\'s relationship explain an access', () => {
    const result = explainAccess(access(), { patient, relationships: [rel({ organisation: 'RX1', userId: 'U1' })] }, options);
    expect(result.explained).toBe(false);
    expect(result.why).toBe("the patient is registered with A81001, not RRK; none of the patient's 1 care relationships is with RRK.");
  });

  it('says what was checked and why nothing explained the access', () => {
    const result = explainAccess(access({ occurredAt: '2026-06-01T10:00:00Z' }), { patient, relationships: [rel({ start: '2026-11-18', end: '2026-11-25' })] }, options);
    expect(result.explained).toBe(false);
    expect(result.checked).toEqual([
      'registration of the patient with RRK',
      'care relationships of U1 or RRK with the patient active on 2026-06-01 (±30 days)',
    ]);
    expect(result.why).toBe("the patient is registered with A81001, not RRK; RRK's relationships with the patient (admission with RRK (2026-11-18 to 2026-11-25)) were not active on 2026-06-01 within 30 days.");
    expect(explainAccess(access(), { relationships: [] }, options).why).toBe('the patient is not in the reference data; the patient has no care relationships on record.');
  });
});
