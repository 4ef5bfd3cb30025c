import type { Variant } from './scenarioKit.js';

/**
 * Misuse scenarios for access nothing explains (AW-LR-001), secondary use of opted-out patients'
 * records (AW-IA-010) and access at odd hours (AW-IA-011, a signal): single looks, a slow drip
 * over days, research and commissioning extracts, a receptionist's account at night.
 */

const MIN = 60_000;
const LR = 'AW-LR-001';
const optedOut = (k: Parameters<Variant['plan']>[0]) => (i: number) => k.ordinary(i) && k.world.population.is(i, 'opted-out');

/** The variants for AW-LR-001, AW-IA-010 and AW-IA-011. */
export const UNEXPLAINED_AND_SECONDARY_USE: Variant[] = [
  {
    scenario: 'unexplained-access/one-look-at-a-stranger', family: 'legitimate-relationship', ruleIds: [LR], subtle: true,
    description: 'A GP opens, once, the record of a patient registered with another practice and never seen at theirs.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['gp-consult'] });
      const patient = staff && k.stranger(staff);
      const at = staff && k.workingTime(staff);
      if (!staff || patient === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, patient), drafts: [k.access(staff, at, patient, 'view', { recordPart: 'summary' })] };
    },
  },
  {
    scenario: 'unexplained-access/slow-drip', family: 'legitimate-relationship', ruleIds: [LR], subtle: true,
    description: 'A medical records clerk opens one unrelated record a day, never enough in an hour for a breach-pattern rule.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['records'] });
      if (!staff) return undefined;
      const days = new Set<number>();
      const times = Array.from({ length: 8 }, () => k.workingTime(staff)).filter((t): t is number => {
        if (t === undefined || days.has(Math.floor(t / 86_400_000))) return false;
        days.add(Math.floor(t / 86_400_000));
        return true;
      }).slice(0, 5);
      const drafts = times.flatMap((t) => {
        const patient = k.stranger(staff);
        return patient === undefined ? [] : [k.access(staff, t, patient, 'view', { recordPart: 'demographics' }), k.access(staff, t + MIN, patient, 'view', { recordPart: 'summary' })];
      });
      return drafts.length === 0 ? undefined : { subject: k.subject(staff), drafts };
    },
  },
  {
    scenario: 'unexplained-access/pharmacy-without-a-prescription', family: 'legitimate-relationship', ruleIds: [LR],
    description: 'Pharmacy counter staff open the summary and medication of someone who has no prescription there.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'pharmacy' });
      const patient = staff && k.stranger(staff);
      const at = staff && k.workingTime(staff);
      if (!staff || patient === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, patient), drafts: [k.access(staff, at, patient, 'view', { recordPart: 'summary' }), k.access(staff, at + MIN, patient, 'view', { recordPart: 'medication' })] };
    },
  },
  {
    scenario: 'unexplained-access/afternoon-browse', family: 'legitimate-relationship', ruleIds: [LR],
    description: 'Community administration opens three records of people on no caseload in one afternoon.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'community', work: ['community-admin'] });
      const at = staff && k.workingTime(staff, { from: 13 * 60, to: 15 * 60 });
      if (!staff || at === undefined) return undefined;
      const patients = k.several(3, () => k.stranger(staff));
      return { subject: k.subject(staff), drafts: patients.map((p, n) => k.access(staff, at + n * 17 * MIN, p, 'view', { recordPart: 'summary' })) };
    },
  },
  {
    scenario: 'opted-out-secondary-use/research-extract', family: 'inappropriate-access', ruleIds: ['AW-IA-010', LR],
    description: 'The trust\'s information team pulls records of patients who opted out, for research, without any care relationship.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['information'] });
      const at = staff && k.workingTime(staff);
      if (!staff || at === undefined) return undefined;
      const patients = k.several(3, () => k.stranger(staff, optedOut(k)));
      return patients.length === 0 ? undefined
        : { subject: k.subject(staff), drafts: patients.map((p, n) => k.access(staff, at + n * 5 * MIN, p, 'view', { recordPart: 'summary', purpose: 'research' })) };
    },
  },
  {
    scenario: 'opted-out-secondary-use/commissioning-extract', family: 'inappropriate-access', ruleIds: ['AW-IA-010'],
    description: 'Practice administration exports registered patients\' records for commissioning, including patients who opted out.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['practice-admin'] });
      const at = staff && k.workingTime(staff);
      if (!staff || at === undefined) return undefined;
      const patients = k.several(4, () => k.registered(staff, optedOut(k)));
      return patients.length === 0 ? undefined
        : { subject: k.subject(staff), drafts: patients.map((p, n) => k.access(staff, at + n * 2 * MIN, p, 'export', { recordPart: 'summary', purpose: 'commissioning' })) };
    },
  },
  {
    scenario: 'opted-out-secondary-use/one-inpatient-for-planning', family: 'inappropriate-access', ruleIds: ['AW-IA-010'], subtle: true,
    description: 'The information team uses one opted-out inpatient\'s record for planning (the admission explains the access, not the purpose).',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['information'] });
      const patient = staff && k.stranger(staff, optedOut(k));
      const at = staff && k.workingTime(staff);
      if (!staff || patient === undefined || at === undefined) return undefined;
      k.relate(staff, patient, at, 'admission');
      return { subject: k.subject(staff, patient), drafts: [k.access(staff, at, patient, 'view', { recordPart: 'summary', purpose: 'planning' })] };
    },
  },
  {
    scenario: 'after-hours/receptionist-account-at-night', family: 'inappropriate-access', ruleIds: ['AW-IA-011'], subtle: true,
    description: 'A receptionist\'s account opens registered patients\' records at three in the morning (a signal: it raises the user\'s risk).',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['reception'] });
      const at = staff && k.anyTime(staff, 2 * 60, 4 * 60);
      if (!staff || at === undefined) return undefined;
      const patients = k.several(5, () => k.registered(staff));
      return { subject: k.subject(staff), drafts: patients.map((p, n) => k.access(staff, at + n * 3 * MIN, p, 'view', { recordPart: 'summary' })) };
    },
  },
  {
    scenario: 'after-hours/social-worker-late-evening', family: 'inappropriate-access', ruleIds: ['AW-IA-011'],
    description: 'A social worker who works office hours opens a client\'s file at half past ten at night.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'council', work: ['casework'] });
      const client = staff && k.stranger(staff);
      const at = staff && k.anyTime(staff, 22 * 60 + 20, 23 * 60 + 10);
      if (!staff || client === undefined || at === undefined) return undefined;
      k.relate(staff, client, at, 'social-care-allocation', true);
      return { subject: k.subject(staff), drafts: [k.access(staff, at, client, 'view', { recordPart: 'social-care' }), k.access(staff, at + 4 * MIN, client, 'update', { recordPart: 'social-care' })] };
    },
  },
  {
    scenario: 'after-hours/community-admin-before-dawn', family: 'inappropriate-access', ruleIds: ['AW-IA-011'],
    description: 'Community administration opens caseload patients\' records before six in the morning.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'community', work: ['community-admin'] });
      const at = staff && k.anyTime(staff, 5 * 60, 6 * 60);
      if (!staff || at === undefined) return undefined;
      const patients = k.several(2, () => k.stranger(staff)).map((p) => k.relate(staff, p, at, 'care-team'));
      return { subject: k.subject(staff), drafts: patients.map((p, n) => k.access(staff, at + n * 6 * MIN, p, 'view', { recordPart: 'demographics' })) };
    },
  },
];
