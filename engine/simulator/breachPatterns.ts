import { nhsNumberOf } from './population.js';
import type { Planned, ScenarioKit, Variant } from './scenarioKit.js';
import { londonClock, shiftOn } from './shifts.js';
import type { StaffMember } from './workforce.js';

/**
 * Misuse scenarios for the breach-pattern rules (AW-BP-001 to AW-BP-010): trawls through many
 * records, a volume spike, bulk printing and export, searches with no care, enumeration by NHS
 * number, bursts of denied attempts, one account at two sites, bursts of changes, a feed gone
 * silent, and a login from an unfamiliar workstation. Each is a little over its rule's threshold;
 * the subtle variants only just. Bursts fit in the rule's window wherever it falls: hopping windows
 * of an hour every 15 minutes hold any 45 minutes whole, windows of 10 minutes every 2 any 8.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const BP = 'breach-pattern' as const;
const LR = 'AW-LR-001';
const WINDOWED = ['posted-within-lateness'] as const;

/** Patients a perpetrator's organisation legitimately knows: registered at a practice, else given a relationship now. */
function knownPatients(k: ScenarioKit, staff: StaffMember, at: number, count: number, type = 'admission'): number[] {
  if (staff.organisation.kind === 'practice') return k.several(count, () => k.registered(staff));
  return k.several(count, () => k.stranger(staff)).map((p) => k.relate(staff, p, at, type));
}

/** A burst: `count` accesses by `staff` over `minutes` to `patients`, all with `extra`. */
function burst(k: ScenarioKit, staff: StaffMember | undefined, minutes: number, count: number, pick: (staff: StaffMember, at: number) => (number | string)[],
  action: Parameters<ScenarioKit['access']>[3], extra: Parameters<ScenarioKit['spread']>[6] = {}, minDay = 0, withinClockHour = false): Planned | undefined {
  const found = staff && k.workingTime(staff, { minDay, room: withinClockHour ? 60 : minutes });
  if (!staff || found === undefined) return undefined;
  // A spike is counted per clock hour: keep the burst inside one.
  const at = withinClockHour ? Math.floor(found / HOUR) * HOUR + HOUR + 2 * MIN : found;
  const patients = pick(staff, at);
  if (patients.length === 0) return undefined;
  return { subject: k.subject(staff), drafts: k.spread(staff, at, minutes, patients, count, action, extra) };
}

/** `count` valid NHS numbers in a row from a random base (most belong to nobody in the ICS). */
function consecutiveNhsNumbers(k: ScenarioKit, count: number): string[] {
  const numbers: string[] = [];
  for (let base = 900_000_000 + k.random.int(99_000_000); numbers.length < count; base++) {
    const number = nhsNumberOf(base);
    if (number !== undefined) numbers.push(number);
  }
  return numbers;
}

/** The breach-pattern variants (audit gaps apart, below). */
export const BREACH_PATTERNS: Variant[] = [
  {
    scenario: 'many-patients-per-hour/receptionist-trawl', family: BP, ruleIds: ['AW-BP-001'], needs: [...WINDOWED],
    description: 'A receptionist opens sixty different registered patients\' records in 45 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'practice', work: ['reception'] }), 45, 60, (s, at) => knownPatients(k, s, at, 60), 'view', { recordPart: 'demographics' }),
  },
  {
    scenario: 'many-patients-per-hour/records-clerk-trawl', family: BP, ruleIds: ['AW-BP-001', LR], needs: [...WINDOWED],
    description: 'A medical records clerk opens 55 unrelated records in 45 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'trust', work: ['records'] }), 45, 55, (s) => k.several(55, () => k.stranger(s)), 'view', { recordPart: 'summary' }),
  },
  {
    scenario: 'many-patients-per-hour/just-over-the-threshold', family: BP, ruleIds: ['AW-BP-001'], subtle: true, needs: [...WINDOWED],
    description: 'Practice administration opens 52 registered patients\' records spread over 44 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'practice', work: ['practice-admin', 'reception'] }), 44, 52, (s, at) => knownPatients(k, s, at, 52), 'view', { recordPart: 'document' }),
  },
  ...(['practice', 'trust', 'council'] as const).map((kind): Variant => ({
    scenario: `volume-spike/${kind === 'practice' ? 'gp' : kind === 'trust' ? 'ward-nurse' : 'social-worker'}-hour-far-above-usual`,
    family: BP, ruleIds: ['AW-BP-002'], minDay: 3, needs: [...WINDOWED, 'history'], subtle: kind === 'council',
    description: `A ${kind === 'practice' ? 'GP' : kind === 'trust' ? 'ward nurse' : 'social worker'} makes far more accesses in one hour than they or their peers usually do, over a few dozen known patients.`,
    plan(k) {
      const staff = k.perpetrator({ kind, work: [kind === 'practice' ? 'gp-consult' : kind === 'trust' ? 'ward' : 'casework'], minDay: 3 });
      if (!staff || staff.rota.nights) return undefined;
      const count = kind === 'council' ? 130 : 200;
      const planned = burst(k, staff, 50, count, (s, at) => knownPatients(k, s, at, 25, kind === 'council' ? 'social-care-allocation' : 'admission'), 'view', { recordPart: 'summary' }, 3, true);
      const day = planned && londonClock(planned.drafts[0].at).day;
      const first = londonClock(k.world.start).day;
      // The baseline needs at least two earlier working days of this user within the period.
      const worked = day !== undefined && Array.from({ length: day - first }, (_, d) => first + d).filter((d) => shiftOn(staff.rota, d) !== undefined).length >= 2;
      return worked ? planned : undefined;
    },
  })),
  {
    scenario: 'bulk-print-export/practice-prints-records', family: BP, ruleIds: ['AW-BP-003'], needs: [...WINDOWED],
    description: 'Practice administration prints 35 patients\' records in 45 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'practice', work: ['practice-admin', 'reception'] }), 45, 35, (s, at) => knownPatients(k, s, at, 35), 'print', { recordPart: 'summary' }),
  },
  {
    scenario: 'bulk-print-export/epr-export-of-strangers', family: BP, ruleIds: ['AW-BP-003', LR], needs: [...WINDOWED],
    description: 'An analyst exports 30 records of patients with no relationship from the EPR in 45 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'trust', work: ['information', 'records'] }), 45, 30, (s) => k.several(30, () => k.stranger(s)), 'export', { recordPart: 'summary' }),
  },
  {
    scenario: 'bulk-print-export/just-over-the-threshold', family: BP, ruleIds: ['AW-BP-003'], subtle: true, needs: [...WINDOWED],
    description: 'Community administration prints 26 caseload patients\' records over 44 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'community', work: ['community-admin'] }), 44, 26, (s, at) => knownPatients(k, s, at, 26, 'care-team'), 'print', { recordPart: 'document' }),
  },
  {
    scenario: 'searches-without-care/receptionist-searches', family: BP, ruleIds: ['AW-BP-004', LR], needs: [...WINDOWED],
    description: 'A receptionist searches for 35 patients registered elsewhere in 45 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'practice', work: ['reception'] }), 45, 35, (s) => k.several(35, () => k.stranger(s)), 'search'),
  },
  {
    scenario: 'searches-without-care/epr-searches', family: BP, ruleIds: ['AW-BP-004', LR], needs: [...WINDOWED],
    description: 'A clinician runs 40 patient searches in the EPR for people the trust has no relationship with.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'trust', work: ['outpatients', 'diagnostics'] }), 45, 40, (s) => k.several(40, () => k.stranger(s)), 'search'),
  },
  {
    scenario: 'sequential-nhs-numbers/epr-enumeration', family: BP, ruleIds: ['AW-BP-005', LR], needs: [...WINDOWED],
    description: 'A ward account opens 14 records in NHS number order in 20 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'trust', work: ['ward'] }), 20, 14, () => consecutiveNhsNumbers(k, 14), 'view'),
  },
  {
    scenario: 'sequential-nhs-numbers/practice-search-enumeration', family: BP, ruleIds: ['AW-BP-005', LR], needs: [...WINDOWED], subtle: true,
    description: 'A receptionist searches 11 NHS numbers in a row over half an hour.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'practice', work: ['reception'] }), 30, 11, () => consecutiveNhsNumbers(k, 11), 'search'),
  },
  {
    scenario: 'denied-attempts/social-worker-probing', family: BP, ruleIds: ['AW-BP-006', LR], needs: [...WINDOWED],
    description: 'A social worker is refused 14 times in 8 minutes trying records of people not allocated to the council.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'council', work: ['casework', 'safeguarding'] }), 8, 14, (s) => k.several(14, () => k.stranger(s)), 'view', { outcome: 'denied', recordPart: 'social-care' }),
  },
  {
    scenario: 'denied-attempts/practice-restricted-parts', family: BP, ruleIds: ['AW-BP-006'], needs: [...WINDOWED], subtle: true,
    description: 'A receptionist is refused 11 times in 7 minutes opening registered patients\' clinical notes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'practice', work: ['reception'] }), 7, 11, (s, at) => knownPatients(k, s, at, 6), 'view', { outcome: 'denied', recordPart: 'clinical-note' }),
  },
  ...(['trust', 'practice'] as const).map((kind): Variant => ({
    scenario: `impossible-travel/${kind === 'trust' ? 'two-hospitals' : 'main-and-branch-surgery'}-minutes-apart`, family: BP, ruleIds: ['AW-BP-007'], needs: [...WINDOWED],
    description: `One account opens records at two ${kind === 'trust' ? 'hospital sites' : 'surgeries'} a few minutes apart (a shared smartcard).`,
    plan(k) {
      const staff = k.perpetrator({ kind, work: kind === 'trust' ? ['ward', 'outpatients'] : ['gp-consult', 'reception'] });
      const at = staff && k.workingTime(staff, { room: 10 });
      if (!staff || at === undefined) return undefined;
      const [here, there] = knownPatients(k, staff, at, 2);
      const elsewhere = staff.organisation.sites.find((site) => site !== staff.site)!;
      return {
        subject: k.subject(staff),
        drafts: [k.access(staff, at, here, 'view', { recordPart: 'summary' }), k.access(staff, at + 4 * MIN, there ?? here, 'view', { recordPart: 'summary', site: elsewhere, workstation: `${elsewhere.replace(/\W+/g, '-').toUpperCase()}-WS011` })],
      };
    },
  })),
  {
    scenario: 'alteration-burst/admin-rewrites-demographics', family: BP, ruleIds: ['AW-BP-008'], needs: [...WINDOWED],
    description: 'Practice administration changes 25 registered patients\' demographics in 8 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'practice', work: ['practice-admin', 'reception'] }), 8, 25, (s, at) => knownPatients(k, s, at, 25), 'update', { recordPart: 'demographics' }),
  },
  {
    scenario: 'alteration-burst/records-deletions', family: BP, ruleIds: ['AW-BP-008'], needs: [...WINDOWED], subtle: true,
    description: 'A medical records clerk deletes documents from 21 inpatients\' records in 7 minutes.',
    plan: (k) => burst(k, k.perpetrator({ kind: 'trust', work: ['records'] }), 7, 21, (s, at) => knownPatients(k, s, at, 21), 'delete', { recordPart: 'document' }),
  },
  ...(['trust', 'practice'] as const).map((kind): Variant => ({
    scenario: `new-workstation/${kind === 'trust' ? 'ward' : 'practice'}-login-on-an-unfamiliar-machine`, family: BP, ruleIds: ['AW-BP-010'],
    minDay: 8, needs: [...WINDOWED, 'seven-days-of-history'], subtle: true,
    description: 'After more than a week of history, a user\'s account appears on a workstation they have never used (a signal).',
    plan(k) {
      const staff = k.perpetrator({ kind, work: kind === 'trust' ? ['ward', 'ed'] : ['gp-consult', 'reception'], minDay: 8 });
      const at = staff && k.workingTime(staff, { minDay: 8, room: 10 });
      if (!staff || at === undefined) return undefined;
      const machine = `${staff.organisation.code}-${staff.team.code}-WS9${String(k.random.int(90) + 10)}`;
      return { subject: k.subject(staff), drafts: knownPatients(k, staff, at, 2).map((p, n) => k.access(staff, at + n * 2 * MIN, p, 'view', { recordPart: 'summary', workstation: machine })) };
    },
  })),
];

/** Audit gaps: an organisation's feed stops more than a day before the period ends. Planned first, so no scenario needs the silent feed. */
export const AUDIT_GAPS: Variant[] = (['pharmacy', 'community', 'practice'] as const).map((kind): Variant => ({
  scenario: `audit-gap/${kind}-feed-stops`, family: BP, ruleIds: ['AW-BP-009'], needs: ['arrival-gap'],
  description: `The ${kind} system stops sending one organisation's access log more than a day before the end of the period.`,
  plan(k) {
    const organisation = k.random.sample(k.world.ics.of(kind).filter((o) => !k.silenced(o.code)), 1)[0];
    const from = k.world.end - 30 * HOUR - k.random.int(6) * HOUR;
    if (!organisation || from < k.world.start + 6 * HOUR) return undefined;
    return { subject: { organisation: organisation.code, system: organisation.system }, drafts: [], silence: { organisation: organisation.code, system: organisation.system, from } };
  },
}));
