import type { Variant } from './scenarioKit.js';

/**
 * Misuse scenarios for the inappropriate-access rules (AW-IA-001 to AW-IA-012), three variants
 * each: an obvious one, one the care system's own data half-explains (the access is explained by
 * a registration or relationship, so only the inappropriate-access rule can see it), and a subtle
 * one (a single look, a drip over days).
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN = 60_000;
const IA = 'inappropriate-access' as const;
const LR = 'AW-LR-001';

/** The inappropriate-access variants (AW-IA-001 to AW-IA-009 and AW-IA-012; 010 and 011 are with the unexplained ones). */
export const INAPPROPRIATE_ACCESS: Variant[] = [
  {
    scenario: 'own-record/looks-at-own-results', family: IA, ruleIds: ['AW-IA-001', LR], subtle: true,
    description: 'A hospital nurse looks up their own test results in the EPR; nothing about their care involves the trust.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['ward', 'ed'] });
      const self = staff && k.makePatient(staff, () => true);
      const at = staff && k.workingTime(staff);
      if (!staff || self === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, self), drafts: [k.access(staff, at, self, 'view', { recordPart: 'summary' }), k.access(staff, at + 2 * MIN, self, 'view', { recordPart: 'result' })] };
    },
  },
  {
    scenario: 'own-record/at-own-practice', family: IA, ruleIds: ['AW-IA-001'],
    description: 'A receptionist registered with the practice they work at reads their own record there (the registration explains it; the rule still sees it).',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['reception', 'practice-admin'] });
      const self = staff && k.makePatient(staff, (i) => k.world.population.practiceOf[i] === staff.organisation.index, true);
      const at = staff && k.workingTime(staff);
      if (!staff || self === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, self), drafts: k.spread(staff, at, 20, [self], 3, 'view', { recordPart: 'clinical-note' }) };
    },
  },
  {
    scenario: 'own-record/own-social-care-file', family: IA, ruleIds: ['AW-IA-001', LR],
    description: 'A social worker opens their own file in the council\'s case management system.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'council', roleClass: ['social-care'] });
      const self = staff && k.makePatient(staff, () => true);
      const at = staff && k.workingTime(staff);
      if (!staff || self === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, self), drafts: [k.access(staff, at, self, 'view', { recordPart: 'social-care' }), k.access(staff, at + MIN, self, 'view', { recordPart: 'summary' })] };
    },
  },
  {
    scenario: 'family-or-neighbour/one-look-at-a-neighbour', family: IA, ruleIds: ['AW-IA-002', LR], subtle: true,
    description: 'A hospital nurse opens a neighbour\'s record once (same postcode), with no care relationship.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['ward', 'outpatients', 'ed'] });
      const self = staff && k.makePatient(staff, (i) => k.world.population.neighbours(i).some((j) => k.world.population.inCare(j) && k.ordinary(j)));
      if (!staff || self === undefined) return undefined;
      const neighbour = k.world.population.neighbours(self).find((j) => k.world.population.inCare(j) && k.ordinary(j))!;
      const at = k.workingTime(staff);
      if (at === undefined) return undefined;
      return { subject: k.subject(staff, k.reserve(neighbour)), drafts: [k.access(staff, at, neighbour, 'view', { recordPart: 'summary' })] };
    },
  },
  {
    scenario: 'family-or-neighbour/partner-over-several-days', family: IA, ruleIds: ['AW-IA-002', LR],
    description: 'A community nurse reads the record of someone in their own household on several days.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'community', work: ['caseload'] });
      const self = staff && k.makePatient(staff, (i) => k.world.population.household(i).some((j) => j !== i && k.world.population.inCare(j) && k.ordinary(j)));
      if (!staff || self === undefined) return undefined;
      const partner = k.reserve(k.world.population.household(self).find((j) => j !== self && k.world.population.inCare(j) && k.ordinary(j))!);
      const times = [0, 1, 2, 3].map(() => k.workingTime(staff)).filter((t): t is number => t !== undefined);
      if (times.length < 2) return undefined;
      return { subject: k.subject(staff, partner), drafts: times.map((t) => k.access(staff, t, partner, 'view', { recordPart: 'summary' })) };
    },
  },
  {
    scenario: 'family-or-neighbour/relative-at-own-practice', family: IA, ruleIds: ['AW-IA-002'],
    description: 'A receptionist reads a relative\'s record at the practice where the whole household is registered: explained by the registration, seen by the rule.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['reception', 'practice-admin'] });
      if (!staff) return undefined;
      const p = k.world.population;
      const home = staff.organisation.index;
      const relativeOf = (i: number) => p.household(i).find((j) => j !== i && p.practiceOf[j] === home && p.inCare(j) && k.ordinary(j));
      const self = k.makePatient(staff, (i) => p.practiceOf[i] === home && relativeOf(i) !== undefined, true);
      const at = k.workingTime(staff);
      if (self === undefined || at === undefined) return undefined;
      const relative = relativeOf(self)!;
      return { subject: k.subject(staff, relative), drafts: [k.access(staff, at, relative, 'view', { recordPart: 'summary' }), k.access(staff, at + 3 * MIN, relative, 'view', { recordPart: 'clinical-note' })] };
    },
  },
  {
    scenario: 'co-worker/colleague-with-no-care', family: IA, ruleIds: ['AW-IA-003', LR],
    description: 'A ward nurse opens the record of a colleague at the trust who is not being treated there.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['ward'] });
      const colleague = staff && k.perpetrator({ kind: 'trust', work: ['records', 'outpatients', 'diagnostics'] });
      const victim = colleague && k.makePatient(colleague, () => true);
      const at = staff && k.workingTime(staff);
      if (!staff || victim === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, victim), drafts: [k.access(staff, at, victim, 'view', { recordPart: 'summary' }), k.access(staff, at + 90_000, victim, 'view', { recordPart: 'result' })] };
    },
  },
  {
    scenario: 'co-worker/colleague-registered-at-the-practice', family: IA, ruleIds: ['AW-IA-003'],
    description: 'Practice administration reads the record of a receptionist who is registered with the same practice (explained by the registration).',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['practice-admin'] });
      const colleague = staff && k.world.workforce.team(staff.organisation.code, 'RECEPTION').find((m) => m.patient === undefined && !m.coverFor);
      const victim = colleague && k.makePatient(colleague, (i) => k.world.population.practiceOf[i] === staff.organisation.index, true);
      const at = staff && k.workingTime(staff);
      if (!staff || victim === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, victim), drafts: [k.access(staff, at, victim, 'view', { recordPart: 'clinical-note' })] };
    },
  },
  {
    scenario: 'co-worker/colleagues-over-a-week', family: IA, ruleIds: ['AW-IA-003', LR], subtle: true,
    description: 'A medical records clerk opens three colleagues\' records, each at a different time in the period.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['records'] });
      if (!staff) return undefined;
      const victims = [0, 1, 2].map(() => k.perpetrator({ kind: 'trust', work: ['ward', 'ed', 'diagnostics', 'hospital-pharmacy'] }))
        .map((colleague) => colleague && k.makePatient(colleague, () => true)).filter((v): v is number => v !== undefined);
      const drafts = victims.flatMap((victim) => {
        const at = k.workingTime(staff);
        return at === undefined ? [] : [k.access(staff, at, victim, 'view', { recordPart: 'demographics' })];
      });
      return drafts.length === 0 ? undefined : { subject: k.subject(staff), drafts };
    },
  },
  {
    scenario: 'vip-or-restricted/vip-by-records-clerk', family: IA, ruleIds: ['AW-IA-004', LR],
    description: 'A medical records clerk opens a VIP\'s record with no care relationship.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['records'] });
      const vip = staff && k.stranger(staff, (i) => k.world.population.is(i, 'vip') && !k.world.population.is(i, 'staff'));
      const at = staff && k.workingTime(staff);
      if (!staff || vip === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, vip), drafts: [k.access(staff, at, vip, 'view', { recordPart: 'summary' }), k.access(staff, at + 4 * MIN, vip, 'view', { recordPart: 'document' })] };
    },
  },
  {
    scenario: 'vip-or-restricted/restricted-record-elsewhere', family: IA, ruleIds: ['AW-IA-004', LR],
    description: 'A receptionist opens a restricted record of a patient registered with another practice.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['reception'] });
      const victim = staff && k.stranger(staff, (i) => k.world.population.is(i, 'restricted') && !k.world.population.is(i, 'staff'));
      const at = staff && k.workingTime(staff);
      if (!staff || victim === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, victim), drafts: [k.access(staff, at, victim, 'search'), k.access(staff, at + MIN, victim, 'view', { recordPart: 'summary' })] };
    },
  },
  {
    scenario: 'vip-or-restricted/single-look-at-a-vip', family: IA, ruleIds: ['AW-IA-004', LR], subtle: true,
    description: 'Council business support looks once at a VIP\'s record.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'council', work: ['business-support'] });
      const vip = staff && k.stranger(staff, (i) => k.world.population.is(i, 'vip') && !k.world.population.is(i, 'staff'));
      const at = staff && k.workingTime(staff);
      if (!staff || vip === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, vip), drafts: [k.access(staff, at, vip, 'view', { recordPart: 'demographics' })] };
    },
  },
  ...(['trust', 'practice', 'council'] as const).map((kind): Variant => ({
    scenario: `deceased-patient/${kind === 'trust' ? 'hospital' : kind === 'practice' ? 'gp-practice-elsewhere' : 'social-care'}`,
    family: IA, ruleIds: ['AW-IA-005', LR], subtle: kind === 'council',
    description: `Someone at a ${kind === 'trust' ? 'hospital' : kind === 'practice' ? 'GP practice (the patient was registered elsewhere)' : 'council'} opens the record of a patient who died months ago, with no relationship.`,
    plan(k) {
      const staff = k.perpetrator({ kind, roleClass: kind === 'council' ? ['social-care'] : ['clinical', 'non-clinical'] });
      const dead = staff && k.stranger(staff, (i) => k.world.population.isDeceased(i) && !k.world.population.is(i, 'vip'));
      const at = staff && k.workingTime(staff);
      if (!staff || dead === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, dead), drafts: [k.access(staff, at, dead, 'view', { recordPart: kind === 'council' ? 'social-care' : 'summary' })] };
    },
  })),
  {
    scenario: 'leaver-or-unknown-user/leaver-account-a-week-later', family: IA, ruleIds: ['AW-IA-006'], subtle: true,
    description: 'A receptionist\'s account is used a week after they left, to look at patients registered with the practice.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['reception', 'practice-admin'], exclusive: true });
      const at = staff && k.workingTime(staff, { minDay: 0 });
      if (!staff || at === undefined) return undefined;
      staff.end = at - 7 * DAY - 12 * HOUR;
      const patients = k.several(4, () => k.registered(staff));
      return { subject: k.subject(staff), drafts: patients.map((p, n) => k.access(staff, at + n * 2 * MIN, p, 'view', { recordPart: 'summary' })) };
    },
  },
  {
    scenario: 'leaver-or-unknown-user/unknown-agency-login', family: IA, ruleIds: ['AW-IA-006'],
    description: 'An agency login with no staff record at the trust opens the records of patients on a ward.',
    plan(k) {
      const host = k.perpetrator({ kind: 'trust', work: ['ward'] });
      const at = host && k.workingTime(host);
      if (!host || at === undefined) return undefined;
      const agency = { ...host, userId: k.unknownUserId(), role: 'R8001', workstations: [`${host.organisation.code}-${host.team.code}-WS099`] };
      const patients = k.several(3, () => k.stranger(host)).map((p) => k.relate(host, p, at, 'admission'));
      return { subject: k.subject(agency), drafts: patients.map((p, n) => k.access(agency, at + n * 3 * MIN, p, 'view', { recordPart: 'result' })) };
    },
  },
  {
    scenario: 'leaver-or-unknown-user/leaver-the-next-day', family: IA, ruleIds: ['AW-IA-006'],
    description: 'A ward nurse who left yesterday still logs in and reads inpatients\' records.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['ward'], exclusive: true });
      const at = staff && k.workingTime(staff);
      if (!staff || at === undefined) return undefined;
      staff.end = at - DAY - 10 * HOUR;
      const patients = k.several(3, () => k.stranger(staff)).map((p) => k.relate(staff, p, at, 'admission'));
      return { subject: k.subject(staff), drafts: patients.map((p, n) => k.access(staff, at + n * 4 * MIN, p, 'view', { recordPart: 'summary' })) };
    },
  },
  {
    scenario: 'sensitive-record-part/receptionist-reads-mental-health', family: IA, ruleIds: ['AW-IA-007'],
    description: 'A receptionist opens the mental health part of a registered patient\'s record.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['reception'] });
      const patient = staff && k.registered(staff);
      const at = staff && k.workingTime(staff);
      if (!staff || patient === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, patient), drafts: [k.access(staff, at, patient, 'view', { recordPart: 'summary' }), k.access(staff, at + MIN, patient, 'view', { recordPart: 'mental-health' })] };
    },
  },
  {
    scenario: 'sensitive-record-part/social-worker-reads-sexual-health', family: IA, ruleIds: ['AW-IA-007'],
    description: 'A social worker opens the sexual health part of an allocated client\'s record.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'council', work: ['casework'] });
      const client = staff && k.stranger(staff, (i) => k.ordinary(i) && k.world.population.ageAt(i, k.world.start) >= 18);
      const at = staff && k.workingTime(staff);
      if (!staff || client === undefined || at === undefined) return undefined;
      k.relate(staff, client, at, 'social-care-allocation', true);
      return { subject: k.subject(staff, client), drafts: [k.access(staff, at, client, 'view', { recordPart: 'social-care' }), k.access(staff, at + 2 * MIN, client, 'view', { recordPart: 'sexual-health' })] };
    },
  },
  {
    scenario: 'sensitive-record-part/admin-reads-safeguarding-elsewhere', family: IA, ruleIds: ['AW-IA-007', LR],
    description: 'Practice administration opens the safeguarding part of a record of a patient registered elsewhere.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['practice-admin'] });
      const patient = staff && k.stranger(staff);
      const at = staff && k.workingTime(staff);
      if (!staff || patient === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, patient), drafts: [k.access(staff, at, patient, 'view', { recordPart: 'safeguarding' })] };
    },
  },
  {
    scenario: 'emergency-access/break-glass-without-a-reason', family: IA, ruleIds: ['AW-IA-008', LR],
    description: 'A clinician breaks the glass on a record with no relationship and types no reason.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['ward', 'outpatients', 'ed'] });
      const patient = staff && k.stranger(staff);
      const at = staff && k.workingTime(staff);
      if (!staff || patient === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, patient), drafts: [k.access(staff, at, patient, 'emergency-access', { purpose: 'emergency' }), k.access(staff, at + MIN, patient, 'view', { recordPart: 'result' })] };
    },
  },
  {
    scenario: 'emergency-access/break-glass-on-a-vip', family: IA, ruleIds: ['AW-IA-008', 'AW-IA-004', LR],
    description: 'A clinician breaks the glass on a VIP\'s record, giving a thin reason.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'trust', work: ['ward', 'outpatients', 'diagnostics'] });
      const vip = staff && k.stranger(staff, (i) => k.world.population.is(i, 'vip') && !k.world.population.is(i, 'staff'));
      const at = staff && k.workingTime(staff);
      if (!staff || vip === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, vip), drafts: [k.access(staff, at, vip, 'emergency-access', { purpose: 'emergency', reason: 'checking' })] };
    },
  },
  {
    scenario: 'emergency-access/needless-break-glass', family: IA, ruleIds: ['AW-IA-008'], subtle: true,
    description: 'A GP uses emergency access on a registered patient\'s record they could open anyway.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['gp-consult'] });
      const patient = staff && k.registered(staff);
      const at = staff && k.workingTime(staff);
      if (!staff || patient === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, patient), drafts: [k.access(staff, at, patient, 'emergency-access', { purpose: 'emergency', reason: 'Patient unwell, urgent review' })] };
    },
  },
  ...(['practice', 'community'] as const).map((kind): Variant => ({
    scenario: `self-claimed-relationship/${kind === 'practice' ? 'gp' : 'community-nurse'}-claims-a-stranger`, family: IA, ruleIds: ['AW-IA-009', LR],
    description: `A ${kind === 'practice' ? 'GP' : 'community nurse'} self-claims a legitimate relationship to open the record of a patient they have no care relationship with.`,
    plan(k) {
      const staff = k.perpetrator({ kind, roleClass: ['clinical'] });
      const patient = staff && k.stranger(staff);
      const at = staff && k.workingTime(staff);
      if (!staff || patient === undefined || at === undefined) return undefined;
      return { subject: k.subject(staff, patient), drafts: [k.access(staff, at, patient, 'view', { recordPart: 'summary', relationshipClaim: 'self-claimed' })] };
    },
  })),
  {
    scenario: 'self-claimed-relationship/claim-on-own-client', family: IA, ruleIds: ['AW-IA-009'], subtle: true,
    description: 'A social worker self-claims a relationship to a client already allocated to them.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'council', work: ['casework'] });
      const client = staff && k.stranger(staff);
      const at = staff && k.workingTime(staff);
      if (!staff || client === undefined || at === undefined) return undefined;
      k.relate(staff, client, at, 'social-care-allocation', true);
      return { subject: k.subject(staff, client), drafts: [k.access(staff, at, client, 'view', { recordPart: 'social-care', relationshipClaim: 'self-claimed' })] };
    },
  },
  {
    scenario: 'neighbour-explained-by-organisation/receptionist-browses-neighbours', family: IA, ruleIds: ['AW-IA-012'], subtle: true,
    description: 'A receptionist opens the records of three neighbours (same postcode, other households) registered at the practice: the registration explains each, so each is a signal that raises the receptionist\'s risk.',
    plan(k) {
      const staff = k.perpetrator({ kind: 'practice', work: ['reception', 'practice-admin'] });
      if (!staff) return undefined;
      const p = k.world.population;
      const home = staff.organisation.index;
      const neighboursOf = (i: number) => p.neighbours(i).filter((j) => p.practiceOf[j] === home && p.inCare(j) && k.ordinary(j));
      const self = k.makePatient(staff, (i) => p.practiceOf[i] === home && neighboursOf(i).length >= 3, true);
      const at = k.workingTime(staff);
      if (self === undefined || at === undefined) return undefined;
      const seen = neighboursOf(self).slice(0, 3);
      return { subject: k.subject(staff), drafts: seen.map((j, n) => k.access(staff, at + n * 4 * MIN, j, 'view', { recordPart: 'summary' })) };
    },
  },
];
