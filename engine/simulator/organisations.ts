import type { RoleClass } from '../reference/referenceData.js';
import type { SimulationSize } from './sizes.js';

/**
 * The organisations of a simulated ICS, their teams and sites, and the source systems that post
 * their access logs, each in its own format. ODS codes follow the real shapes (a practice is a
 * letter and five digits, a trust three characters starting with R, a pharmacy starts with F)
 * in ranges chosen not to be real organisations.
 */

export type OrganisationKind = 'practice' | 'trust' | 'council' | 'community' | 'pharmacy';
/** The file formats systems write: the GP system's CSV, the EPR's FHIR bundles, canonical NDJSON and JSON. */
export type EventFormat = 'csv' | 'fhir' | 'ndjson' | 'json';

/** When a team works (see shifts.ts). */
export type ShiftPattern =
  | 'gp-day' | 'round-the-clock' | 'weekday' | 'office' | 'extended' | 'out-of-hours' | 'seven-day' | 'pharmacy';

/** What a team's members do all day (see routineWork.ts). */
export type WorkKind =
  | 'gp-consult' | 'reception' | 'practice-admin' | 'ed' | 'ward' | 'outpatients' | 'diagnostics' | 'hospital-pharmacy'
  | 'records' | 'information' | 'casework' | 'safeguarding' | 'duty' | 'business-support' | 'caseload' | 'community-admin'
  | 'dispensing';

/** A team of an organisation: its role class and roles, when it works and what it does. */
export interface Team {
  /** The team's code as staff records and relationships carry it (`WARD-3`, `RECEPTION`). */
  code: string;
  roleClass: RoleClass;
  /** National RBAC role codes (or, for social care, the role class) with their weights. */
  roles: readonly (readonly [string, number])[];
  pattern: ShiftPattern;
  work: WorkKind;
  /** Share of the organisation's staff. */
  share: number;
}

/** An organisation of the ICS, with the source system that posts its access log. */
export interface Organisation {
  code: string;
  name: string;
  kind: OrganisationKind;
  /** Position among the organisations of its kind. */
  index: number;
  /** The source system that posts its access log. */
  system: string;
  sites: string[];
  teams: Team[];
}

/** A source system: its name (the key's system), format and organisations. */
export interface SourceSystem {
  name: string;
  format: EventFormat;
  /** The organisations it posts for (its key's scope). */
  organisations: string[];
  description: string;
}

const team = (code: string, roleClass: RoleClass, roles: [string, number][], pattern: ShiftPattern, work: WorkKind, share: number): Team =>
  ({ code, roleClass, roles, pattern, work, share });

/** National RBAC codes used: R0260 GP, R8000 clinical practitioner, R8001 nurse, R8003 health professional, R8008 admin/clinical support, R8009 receptionist, R8010 clerical, R8013 health records manager. */
const TEAMS: Record<Exclude<OrganisationKind, 'trust'>, Team[]> = {
  practice: [
    team('GP', 'clinical', [['R0260', 4], ['R8000', 1]], 'gp-day', 'gp-consult', 0.3),
    team('NURSING', 'clinical', [['R8001', 1]], 'gp-day', 'gp-consult', 0.2),
    team('RECEPTION', 'non-clinical', [['R8009', 1]], 'gp-day', 'reception', 0.3),
    team('PRACTICE-ADMIN', 'admin', [['R8010', 1]], 'office', 'practice-admin', 0.2),
  ],
  council: [
    team('ADULT-SOCIAL-CARE', 'social-care', [['social-care', 1]], 'office', 'casework', 0.35),
    team('CHILDRENS-SERVICES', 'social-care', [['social-care', 1]], 'office', 'casework', 0.3),
    team('SAFEGUARDING-HUB', 'social-care', [['social-care', 1]], 'office', 'safeguarding', 0.1),
    team('EMERGENCY-DUTY', 'social-care', [['social-care', 1]], 'out-of-hours', 'duty', 0.12),
    team('BUSINESS-SUPPORT', 'admin', [['R8010', 1]], 'office', 'business-support', 0.13),
  ],
  community: [
    team('DISTRICT-NURSING', 'clinical', [['R8001', 1]], 'seven-day', 'caseload', 0.5),
    team('PHYSIOTHERAPY', 'clinical', [['R8003', 1]], 'weekday', 'caseload', 0.2),
    team('HEALTH-VISITING', 'clinical', [['R8001', 1]], 'office', 'caseload', 0.2),
    team('COMMUNITY-ADMIN', 'non-clinical', [['R8008', 1]], 'office', 'community-admin', 0.1),
  ],
  pharmacy: [
    team('DISPENSARY', 'clinical', [['R8003', 1]], 'pharmacy', 'dispensing', 0.45),
    team('COUNTER', 'non-clinical', [['R8008', 1]], 'pharmacy', 'dispensing', 0.55),
  ],
};

/** Staff of about this many make one ward team. */
const WARD_TEAM_SIZE = 14;

function trustTeams(staff: number): Team[] {
  const wards = Math.max(2, Math.round((staff * 0.42) / WARD_TEAM_SIZE));
  return [
    team('EMERGENCY-DEPARTMENT', 'clinical', [['R8000', 2], ['R8001', 3]], 'round-the-clock', 'ed', 0.14),
    ...Array.from({ length: wards }, (_, w) => team(`WARD-${w + 1}`, 'clinical', [['R8000', 1], ['R8001', 3]], 'round-the-clock', 'ward', 0.42 / wards)),
    team('OUTPATIENTS', 'clinical', [['R8000', 2], ['R8003', 1]], 'weekday', 'outpatients', 0.12),
    team('RADIOLOGY', 'clinical', [['R8003', 1]], 'extended', 'diagnostics', 0.05),
    team('PATHOLOGY', 'clinical', [['R8003', 1]], 'extended', 'diagnostics', 0.05),
    team('PHARMACY', 'clinical', [['R8003', 1]], 'extended', 'hospital-pharmacy', 0.05),
    team('MEDICAL-RECORDS', 'non-clinical', [['R8008', 2], ['R8013', 1]], 'office', 'records', 0.14),
    team('INFORMATION', 'admin', [['R8010', 1]], 'office', 'information', 0.03),
  ];
}

/** Share of all staff working at each kind of organisation. */
const STAFF_SHARE: Record<OrganisationKind, number> = { practice: 0.12, trust: 0.58, council: 0.1, community: 0.15, pharmacy: 0.05 };

/** The organisations and systems of one simulated ICS, and who serves whom. */
export class CareSystem {
  readonly organisations: Organisation[] = [];
  readonly systems: SourceSystem[];
  /** Staff per organisation (rounded; at least one per team). */
  readonly staffOf = new Map<string, number>();

  constructor(readonly size: SimulationSize) {
    const add = (kind: OrganisationKind, count: number, make: (i: number) => Omit<Organisation, 'kind' | 'index' | 'teams'>) => {
      const staffEach = (size.staff * STAFF_SHARE[kind]) / count;
      for (let i = 0; i < count; i++) {
        const organisation: Organisation = { ...make(i), kind, index: i, teams: kind === 'trust' ? trustTeams(staffEach) : TEAMS[kind] };
        this.organisations.push(organisation);
        this.staffOf.set(organisation.code, Math.max(organisation.teams.length, Math.round(staffEach)));
      }
    };
    const letter = (i: number) => String.fromCharCode(65 + (i % 26));
    add('practice', size.practices, (i) => ({
      code: `P9${String(1001 + i).padStart(4, '0')}`, name: `${STREETS[i % STREETS.length]} Surgery`, system: 'gp-clinical',
      sites: [`P9${String(1001 + i).padStart(4, '0')} main surgery`, `P9${String(1001 + i).padStart(4, '0')} branch surgery`],
    }));
    add('trust', size.trusts, (i) => ({
      code: `RZ${letter(i)}`, name: `${TOWNS[i % TOWNS.length]} Hospitals NHS Trust`, system: `epr-rz${letter(i).toLowerCase()}`,
      sites: [`${TOWNS[i % TOWNS.length]} General Hospital`, `${TOWNS[i % TOWNS.length]} St Mary's Hospital`],
    }));
    add('council', size.councils, (i) => ({
      code: `L9${String(1 + i).padStart(2, '0')}`, name: `${TOWNS[(i + 3) % TOWNS.length]} Council`, system: `casework-l9${String(1 + i).padStart(2, '0')}`,
      sites: [`${TOWNS[(i + 3) % TOWNS.length]} Civic Centre`],
    }));
    add('community', size.communityServices, (i) => ({
      code: `RZ${letter(i + 13)}`, name: `${TOWNS[(i + 5) % TOWNS.length]} Community Health`, system: `community-rz${letter(i + 13).toLowerCase()}`,
      sites: [`${TOWNS[(i + 5) % TOWNS.length]} Health Centre`],
    }));
    add('pharmacy', size.pharmacies, (i) => ({
      code: `FZ${String(101 + i).padStart(3, '0')}`, name: `${STREETS[(i + 7) % STREETS.length]} Pharmacy`, system: 'pharmacy-pmr',
      sites: [`FZ${String(101 + i).padStart(3, '0')} pharmacy`],
    }));

    const byName = new Map<string, SourceSystem>();
    for (const organisation of this.organisations) {
      const existing = byName.get(organisation.system);
      if (existing) existing.organisations.push(organisation.code);
      else byName.set(organisation.system, { name: organisation.system, ...SYSTEM_KINDS[organisation.kind], organisations: [organisation.code] });
    }
    this.systems = [...byName.values()];
  }

  of(kind: OrganisationKind): Organisation[] {
    return this.organisations.filter((organisation) => organisation.kind === kind);
  }

  /** The trust, council and community service serving a practice's patients (by blocks of practices). */
  servingPractice(practice: number, kind: 'trust' | 'council' | 'community'): Organisation {
    const count = kind === 'trust' ? this.size.trusts : kind === 'council' ? this.size.councils : this.size.communityServices;
    return this.of(kind)[Math.floor((practice * count) / this.size.practices)];
  }

  /** The pharmacies near a practice (a few, by blocks). */
  pharmaciesNear(practice: number): Organisation[] {
    const pharmacies = this.of('pharmacy');
    const per = Math.max(1, Math.round(pharmacies.length / this.size.practices));
    const first = Math.floor((practice * pharmacies.length) / this.size.practices);
    return Array.from({ length: Math.min(pharmacies.length, Math.max(1, per)) }, (_, k) => pharmacies[(first + k) % pharmacies.length]);
  }
}

const SYSTEM_KINDS: Record<OrganisationKind, Pick<SourceSystem, 'format' | 'description'>> = {
  practice: { format: 'csv', description: 'GP clinical system: CSV with dotted headers, local times with offsets' },
  trust: { format: 'fhir', description: 'Hospital EPR: FHIR R4 AuditEvent bundles' },
  council: { format: 'ndjson', description: 'Social care case management: canonical NDJSON' },
  community: { format: 'json', description: 'Community health record: canonical JSON arrays' },
  pharmacy: { format: 'csv', description: 'Pharmacy PMR: CSV with dotted headers' },
};

/** Made-up town names for organisations and sites. */
export const TOWNS = ['Ashford', 'Barnwell', 'Calder', 'Denholme', 'Elmsworth', 'Fernley', 'Glenmoor', 'Harrowby', 'Ivelbury', 'Kelbrook'];
/** Street names for addresses and practice names. */
export const STREETS = [
  'High Street', 'Station Road', 'Church Lane', 'Park Avenue', 'Mill Lane', 'Victoria Road', 'Green Lane', 'Manor Road',
  'Orchard Close', 'Queens Road', 'Kings Road', 'Chapel Street', 'Bridge Street', 'Willow Way', 'Oak Drive', 'Meadow View',
  'School Lane', 'North Road', 'Springfield Road', 'Albert Street', 'Hawthorn Avenue', 'Beech Grove', 'The Crescent', 'Moor Lane',
];
