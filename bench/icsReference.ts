import type { Patient, Relationship, RoleClass, Staff } from '../engine/reference/referenceData.js';
import { random } from './accessEvents.js';

/**
 * Reference data sized for an integrated care system (ICS), generated deterministically from each
 * record's index, so that the loader and the event generator agree without sharing a file:
 * GP practices of about 5,000 registered patients each, three acute trusts, two community and
 * mental health trusts and three councils; staff spread over them; every patient registered with
 * one practice and, on average, `relationships / patients - 1` other care relationships with their
 * "home" trust, community trust and council (appointments, admissions, referrals, test orders,
 * prescriptions, care teams, social care allocations), dated between mid-2024 and mid-2027.
 */

export interface IcsSizes {
  patients: number;
  staff: number;
  relationships: number;
}

export const ICS_SIZES: IcsSizes = { patients: 1_000_000, staff: 50_000, relationships: 10_000_000 };

export type OrganisationKind = 'practice' | 'acute' | 'community' | 'council';

export interface IcsOrganisation {
  code: string;
  kind: OrganisationKind;
  /** Position among the organisations of its kind. */
  index: number;
  teams: readonly (readonly [team: string, roleClass: RoleClass])[];
  firstStaff: number;
  staffCount: number;
}

const TEAMS: Record<OrganisationKind, [string, RoleClass][]> = {
  practice: [['gp-partners', 'clinical'], ['practice-nurses', 'clinical'], ['reception', 'non-clinical'], ['pharmacy', 'clinical'], ['practice-admin', 'admin']],
  acute: [
    ['emergency-department', 'clinical'], ['cardiology', 'clinical'], ['oncology', 'clinical'], ['orthopaedics', 'clinical'],
    ['maternity', 'clinical'], ['radiology', 'clinical'], ['pathology', 'clinical'], ['elderly-care', 'clinical'],
    ['paediatrics', 'clinical'], ['outpatients', 'non-clinical'], ['medical-records', 'non-clinical'], ['trust-admin', 'admin'],
  ],
  community: [['district-nursing', 'clinical'], ['community-mental-health', 'clinical'], ['physiotherapy', 'clinical'], ['health-visiting', 'clinical'], ['community-admin', 'non-clinical']],
  council: [['adult-social-care', 'social-care'], ['childrens-services', 'social-care'], ['safeguarding-hub', 'social-care'], ['council-admin', 'admin']],
};

const ROLES: Record<RoleClass, string[]> = {
  clinical: ['R8000', 'R8003', 'R8013', 'R0260'],
  'non-clinical': ['R8008', 'R1981'],
  admin: ['R5080', 'R8010'],
  'social-care': ['R6200', 'R0570'],
};

const SURNAMES = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'Khan', 'Roberts', 'Green', 'Hall', 'Wood', 'Hussain'];
const NAMES = ['Amelia', 'Oliver', 'Isla', 'George', 'Ava', 'Noah', 'Mia', 'Arthur', 'Ivy', 'Muhammad', 'Grace', 'Leo', 'Freya', 'Harry', 'Lily', 'Jack'];
const STREETS = ['High Street', 'Station Road', 'Church Lane', 'Park Avenue', 'Mill Lane', 'Victoria Road', 'Green Lane', 'Manor Road'];

/** Share of the staff working at each kind of organisation, and how many organisations of each kind besides practices. */
const STAFF_SHARE: Record<OrganisationKind, number> = { practice: 0.1, acute: 0.62, community: 0.16, council: 0.12 };
const COUNT: Record<Exclude<OrganisationKind, 'practice'>, number> = { acute: 3, community: 2, council: 3 };
const PATIENTS_PER_PRACTICE = 5_000;

/** Other relationships: type, where, weight, length in days (min, max), share with no end. */
const KINDS: [type: string, where: OrganisationKind, weight: number, minDays: number, maxDays: number, open: number][] = [
  ['appointment', 'acute', 22, 0, 0, 0], ['admission', 'acute', 8, 1, 14, 0], ['referral', 'acute', 10, 30, 180, 0],
  ['test-order', 'acute', 12, 0, 14, 0], ['care-team', 'acute', 4, 180, 730, 0], ['appointment', 'practice', 12, 0, 0, 0],
  ['prescription', 'practice', 12, 28, 365, 0], ['care-team', 'community', 14, 90, 730, 0.3], ['social-care-allocation', 'council', 6, 180, 720, 0.4],
];
const KIND_WEIGHT = KINDS.reduce((sum, kind) => sum + kind[2], 0);

const DAY_MS = 86_400_000;
const PERIOD_START = Date.parse('2024-06-01T00:00:00Z');
const PERIOD_DAYS = 1095;
const REGISTRATION_START = Date.parse('1990-01-01T00:00:00Z');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Valid NHS numbers, scattered (no two patients' numbers are consecutive by design): the j-th of 400000000 + j * M mod 300000000 with a check digit. */
function nhsNumbers(count: number): Float64Array {
  const numbers = new Float64Array(count);
  let found = 0;
  for (let j = 0; found < count; j++) {
    const prefix = 400_000_000 + ((j * 7_919_993) % 300_000_000);
    let sum = 0;
    let rest = prefix;
    for (let weight = 2; weight <= 10; weight++) {
      sum += (rest % 10) * weight;
      rest = Math.floor(rest / 10);
    }
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    numbers[found++] = prefix * 10 + (check === 11 ? 0 : check);
  }
  return numbers;
}

export class IcsReference {
  readonly organisations: IcsOrganisation[] = [];
  private readonly byKind: Record<OrganisationKind, IcsOrganisation[]> = { practice: [], acute: [], community: [], council: [] };
  private readonly nhs: Float64Array;

  constructor(readonly sizes: IcsSizes) {
    this.nhs = nhsNumbers(sizes.patients);
    const practices = Math.max(1, Math.round(sizes.patients / PATIENTS_PER_PRACTICE));
    const codes: Record<OrganisationKind, (n: number) => string> = {
      practice: (n) => `Y${60000 + n}`, acute: (n) => `RX${n + 1}`, community: (n) => `RY${n + 1}`, council: (n) => `LA${n + 1}`,
    };
    let firstStaff = 0;
    for (const kind of ['practice', 'acute', 'community', 'council'] as const) {
      const count = kind === 'practice' ? practices : COUNT[kind];
      const kindStaff = kind === 'council' ? sizes.staff - firstStaff : Math.round(sizes.staff * STAFF_SHARE[kind]);
      for (let index = 0; index < count; index++) {
        const staffCount = Math.floor(kindStaff / count) + (index < kindStaff % count ? 1 : 0);
        const organisation = { code: codes[kind](index), kind, index, teams: TEAMS[kind], firstStaff, staffCount };
        this.organisations.push(organisation);
        this.byKind[kind].push(organisation);
        firstStaff += staffCount;
      }
    }
  }

  kind(kind: OrganisationKind): readonly IcsOrganisation[] {
    return this.byKind[kind];
  }

  nhsNumber(patient: number): string {
    return String(this.nhs[patient]);
  }

  /** The organisation of each kind a patient is looked after by (relationships go mostly there). */
  homeOf(patient: number, kind: OrganisationKind): IcsOrganisation {
    const list = this.byKind[kind];
    return list[patient % list.length];
  }

  /** The n-th patient whose home organisation of its kind is `organisation`, or undefined past the last. */
  patientAt(organisation: IcsOrganisation, n: number): number | undefined {
    const patient = organisation.index + n * this.byKind[organisation.kind].length;
    return patient < this.sizes.patients ? patient : undefined;
  }

  organisationOfStaff(member: number): IcsOrganisation {
    let low = 0;
    let high = this.organisations.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.organisations[mid].firstStaff <= member) low = mid;
      else high = mid - 1;
    }
    return this.organisations[low];
  }

  userId(member: number): string {
    return String(700_000_000_000 + member);
  }

  /** Leavers: one in fifty, gone since 2025. */
  isLeaver(member: number): boolean {
    return member % 50 === 49;
  }

  /** One in ten staff are also patients of the ICS; this is their own record. */
  ownPatient(member: number): number | undefined {
    return member % 10 === 3 ? (member * 104_729) % this.sizes.patients : undefined;
  }

  teamOf(member: number): readonly [string, RoleClass] {
    const organisation = this.organisationOfStaff(member);
    return organisation.teams[(member - organisation.firstStaff) % organisation.teams.length];
  }

  staff(member: number): Staff {
    const organisation = this.organisationOfStaff(member);
    const [team, roleClass] = this.teamOf(member);
    const roles = ROLES[roleClass];
    const own = this.ownPatient(member);
    return {
      userId: this.userId(member), organisation: organisation.code,
      name: NAMES[member % NAMES.length], surname: SURNAMES[(member * 7) % SURNAMES.length],
      role: roles[member % roles.length], roleClass, team,
      ...(own === undefined ? {} : { nhsNumber: this.nhsNumber(own) }),
      start: day(Date.parse('2010-01-04T00:00:00Z') + (member % 5000) * DAY_MS),
      ...(this.isLeaver(member) ? { end: '2025-03-31' } : {}),
    };
  }

  /** VIPs and restricted records: one in a thousand patients each. */
  isVip(patient: number): boolean {
    return patient % 1000 === 17;
  }

  patient(patient: number): Patient {
    const next = random(patient * 2_654_435_761);
    const flags: Patient['flags'] = [];
    if (this.isVip(patient)) flags.push('vip');
    if (patient % 1000 === 517) flags.push('restricted');
    if (patient % 200 === 11) flags.push('safeguarding');
    const optOuts: Patient['optOuts'] = patient % 20 === 5 ? ['national'] : patient % 33 === 4 ? ['type-1'] : [];
    const born = Date.parse('1930-01-01T00:00:00Z') + Math.floor(next() * 33_000) * DAY_MS;
    return {
      nhsNumber: this.nhsNumber(patient), surname: SURNAMES[Math.floor(next() * SURNAMES.length)], dateOfBirth: day(born),
      address: { line1: `${1 + Math.floor(next() * 250)} ${STREETS[Math.floor(next() * STREETS.length)]}`, postcode: `LS${1 + (patient % 29)} ${1 + Math.floor(next() * 9)}${'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(next() * 20)]}${'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(next() * 20)]}` },
      flags, optOuts, registeredPractice: this.homeOf(patient, 'practice').code,
      ...(patient % 200 === 99 ? { dateOfDeath: day(Date.parse('2025-01-01T00:00:00Z') + (patient % 300) * DAY_MS) } : {}),
    };
  }

  relationshipCount(patient: number): number {
    const { patients, relationships } = this.sizes;
    return Math.floor(relationships / patients) + (patient < relationships % patients ? 1 : 0);
  }

  /** The patient's relationships as numbers (cheap: no strings), in the order `relationships` lists them. */
  relationshipPlan(patient: number): PlannedRelationship[] {
    const count = this.relationshipCount(patient);
    if (count === 0) return [];
    const next = random(patient * 40_503 + 7);
    const practice = this.homeOf(patient, 'practice');
    const plan: PlannedRelationship[] = [{ type: 'registration', organisation: practice, startMs: REGISTRATION_START + Math.floor(next() * 12_500) * DAY_MS, endMs: undefined }];
    for (let k = 1; k < count; k++) {
      let roll = next() * KIND_WEIGHT;
      const [type, where, , minDays, maxDays, open] = KINDS.find((candidate) => (roll -= candidate[2]) < 0) ?? KINDS[0];
      const organisation = where === 'acute' && next() < 0.15 ? this.homeOf(patient + 1, 'acute') : this.homeOf(patient, where);
      const startMs = PERIOD_START + Math.floor(next() * PERIOD_DAYS) * DAY_MS;
      const endMs = next() >= open ? startMs + Math.floor(minDays + next() * (maxDays - minDays + 1)) * DAY_MS : undefined;
      const planned: PlannedRelationship = { type, organisation, startMs, endMs };
      if (next() < 0.6) {
        const clinicalTeams = organisation.teams.map((_, t) => t).filter((t) => organisation.teams[t][1] !== 'admin');
        const t = clinicalTeams[Math.floor(next() * clinicalTeams.length)];
        planned.team = t;
        const inTeam = Math.floor((organisation.staffCount - t - 1) / organisation.teams.length) + 1;
        if (next() < 0.25 && inTeam > 0) planned.member = organisation.firstStaff + t + organisation.teams.length * Math.floor(next() * inTeam);
      }
      plan.push(planned);
    }
    return plan;
  }

  /** The patient's relationships: a registration with their practice, then care relationships. */
  relationships(patient: number): Relationship[] {
    const nhsNumber = this.nhsNumber(patient);
    return this.relationshipPlan(patient).map((planned, k) => {
      const { type, organisation, startMs, endMs, team, member } = planned;
      const relationship: Relationship = {
        id: k === 0 ? `reg-${patient}` : `${type}-${patient}-${k}`, nhsNumber, organisation: organisation.code, type, start: day(startMs),
      };
      if (endMs !== undefined) relationship.end = day(endMs);
      if (team !== undefined) relationship.team = organisation.teams[team][0];
      if (member !== undefined) relationship.userId = this.userId(member);
      return relationship;
    });
  }
}

/** A relationship before it is written out as a record. */
export interface PlannedRelationship {
  type: string;
  organisation: IcsOrganisation;
  startMs: number;
  /** Start of the last day; undefined when open. */
  endMs: number | undefined;
  /** Index into the organisation's teams. */
  team?: number;
  member?: number;
}

/** Whether a planned relationship is active at `at`, with `marginDays` either side (keep the margin a few days inside the server's: dates are UTC days here). */
export function activeAt(relationship: PlannedRelationship, at: number, marginDays: number): boolean {
  const margin = marginDays * DAY_MS;
  return at >= relationship.startMs - margin && (relationship.endMs === undefined || at <= relationship.endMs + DAY_MS + margin);
}
