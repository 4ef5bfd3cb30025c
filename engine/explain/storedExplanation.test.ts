import { describe, expect, it } from 'vitest';
import { explainAccess, type AccessToExplain } from './explainAccess.js';
import { explanationFromStored, storedExplanationText } from './storedExplanation.js';

const access: AccessToExplain = { occurredAt: '2026-11-20T23:30:00Z', organisation: 'RRK', user: { id: 'U1', team: 'ward-7' }, patient: { nhsNumber: '9434765919' } };

describe('stored explanations', () => {
  it('are kept without their words and read back whole', () => {
    const made = [
      explainAccess(access, { relationships: [] }, { marginDays: 30 }),
      explainAccess({ ...access, user: { id: 'U1' } }, { relationships: [{ id: 'r1', nhsNumber: '9434765919', organisation: 'RRK', type: 'admission', start: '2026-11-18' }] }, { marginDays: 7 }),
      explainAccess(access, { staff: { userId: 'U1', organisation: 'RRK', name: 'A', surname: 'B', role: 'R8000', roleClass: 'clinical', team: 'ward-9', start: '2020-01-01' }, relationships: [] }, { marginDays: 30 }),
    ];
    for (const explanation of made) {
      const text = storedExplanationText(explanation);
      expect(text).not.toContain('care relationships of');
      expect(text.length).toBeLessThan(JSON.stringify(explanation).length);
      expect(explanationFromStored(text, access)).toEqual(explanation);
    }
    // London time: 23:30 UTC on 20 November is still the 20th; the team is the staff record's.
    expect(made[2].checked[1]).toBe('care relationships of U1, team ward-9 or RRK with the patient active on 2026-11-20 (±30 days)');
    expect(made[1].checked[1]).toBe('care relationships of U1 or RRK with the patient active on 2026-11-20 (±7 days)');
  });

  it('keeps whole an explanation it did not make, and reads whole ones as they are', () => {
    const given = { explained: false, checked: ['something else'], why: 'because' };
    expect(storedExplanationText(given)).toBe(JSON.stringify(given));
    expect(explanationFromStored(JSON.stringify(given), access)).toEqual(given);
    // What a copy across threads or JSON gives is stored whole too.
    const copied = JSON.parse(JSON.stringify(explainAccess(access, { relationships: [] }, { marginDays: 30 })));
    expect(storedExplanationText(copied)).toContain('care relationships of U1');
  });
});
