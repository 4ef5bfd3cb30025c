import { londonDate, londonDayEnd, londonDayStart } from '../explain/londonTime.js';
import type { Address, Staff } from '../reference/referenceData.js';
import type { CareSystem, Organisation, Team } from './organisations.js';
import { FIRST_NAMES, type Population } from './population.js';
import { Random, seedFor } from './random.js';
import { weekdaysWorked, type Rota } from './shifts.js';

/**
 * The staff of a simulated ICS: a staff record per person and organisation, with national RBAC
 * roles, teams, home addresses, start and end dates (leavers before and during the period, a few
 * new starters), the person's rota, site and usual workstations. About one in ten is also a
 * patient of the ICS (the staff record carries their NHS number and their household's address);
 * the others live outside the area. Some GPs hold a second staff record for locum cover at
 * another practice, under the same user id.
 */

const DAY_MS = 86_400_000;

/** A member of staff at one organisation, as the simulation knows them (their staff record and more). */
export interface StaffMember {
  /** Position in `Workforce.members`. */
  index: number;
  userId: string;
  organisation: Organisation;
  team: Team;
  role: string;
  name: string;
  surname: string;
  address: Address;
  /** The person's patient index when they are also a patient of the ICS. */
  patient?: number;
  /** First and (for leavers) last instant in post. */
  start: number;
  end?: number;
  rota: Rota;
  site: string;
  workstations: string[];
  /** Set for a second record of the same person at another organisation (locum cover). */
  coverFor?: StaffMember;
}

/** Everyone's staff records, by organisation and team. */
export class Workforce {
  readonly members: StaffMember[] = [];
  /** Members by organisation code, then team code. */
  readonly byTeam = new Map<string, Map<string, StaffMember[]>>();
  private readonly random: Random;

  constructor(readonly ics: CareSystem, readonly population: Population, seed: number, readonly periodStart: number, readonly periodEnd: number) {
    this.random = new Random(seedFor(seed, 'workforce'));
    const userIdOffset = this.random.int(900_000_000);
    for (const organisation of ics.organisations) {
      const total = ics.staffOf.get(organisation.code)!;
      for (const team of organisation.teams) {
        const count = Math.max(organisation.kind === 'pharmacy' ? 1 : 2, Math.round(total * team.share));
        for (let member = 0; member < count; member++) this.add(organisation, team, member, count, userIdOffset);
      }
    }
    this.addLocumCover();
  }

  private add(organisation: Organisation, team: Team, member: number, teamSize: number, userIdOffset: number): StaffMember {
    const random = this.random;
    const index = this.members.length;
    const name = random.pick(FIRST_NAMES);
    const surname = SURNAMES_ELSEWHERE[random.int(SURNAMES_ELSEWHERE.length)];
    const userId = organisation.kind === 'council'
      ? `${name[0]}${surname}${index}`.toLowerCase().replace(/[^a-z0-9]/g, '')
      : String(100_000_000_000 + ((index * 7919 + userIdOffset) % 900_000_000_000));
    const partTime = team.pattern !== 'round-the-clock' && random.chance(0.25);
    const rota: Rota = {
      pattern: team.pattern, member, teamSize, nights: team.pattern === 'round-the-clock' && member % 4 === 3,
      weekdays: weekdaysWorked(partTime, random.int(5)),
    };
    const site = organisation.kind === 'trust'
      ? organisation.sites[team.code.startsWith('WARD-') ? Number(team.code.slice(5)) % 2 : team.code === 'OUTPATIENTS' ? member % 2 : 0]
      : organisation.sites[organisation.kind === 'practice' && random.chance(0.2) ? 1 : 0];
    const machines = 1 + random.int(2);
    const staff: StaffMember = {
      index, userId, organisation, team, role: random.weighted(team.roles), name, surname,
      address: { line1: `${1 + random.int(120)} ${random.pick(['Hill', 'Lake', 'Farm', 'Ridge', 'Brook'])} Road`, postcode: `AX${1 + random.int(40)} ${random.int(10)}QT` },
      start: dayStart(this.periodStart - (30 + random.int(15 * 365)) * DAY_MS),
      rota, site,
      workstations: Array.from({ length: machines }, () => `${organisation.code}-${team.code}-WS${String(1 + random.int(60)).padStart(3, '0')}`),
    };
    const roll = random.next();
    const days = (this.periodEnd - this.periodStart) / DAY_MS;
    if (roll < 0.03) { // left before the period, after a year or more in post
      staff.end = dayEnd(this.periodStart - (20 + random.int(180)) * DAY_MS);
      staff.start = Math.min(staff.start, dayStart(staff.end - 365 * DAY_MS));
    } else if (roll < 0.04 && days >= 2) staff.end = dayEnd(this.periodStart + random.int(Math.floor(days)) * DAY_MS); // leaves during it
    else if (roll < 0.05 && days >= 2) staff.start = dayStart(this.periodStart + (1 + random.int(Math.floor(days) - 1)) * DAY_MS); // starts during it
    if (random.chance(0.1)) this.makePatient(staff);
    this.members.push(staff);
    this.join(staff, organisation.code, team.code);
    return staff;
  }

  private join(staff: StaffMember, organisation: string, team: string): void {
    const teams = this.byTeam.get(organisation) ?? new Map<string, StaffMember[]>();
    this.byTeam.set(organisation, teams);
    const members = teams.get(team);
    if (members) members.push(staff);
    else teams.set(team, [staff]);
  }

  /** Links a member of staff to a living adult patient: GPs and pharmacy staff mostly registered with another practice. */
  private makePatient(staff: StaffMember): void {
    const population = this.population;
    for (let attempt = 0; attempt < 50; attempt++) {
      const i = this.random.int(population.size);
      const age = population.ageAt(i, this.periodStart);
      if (!population.inCare(i) || age < 20 || age > 66 || population.is(i, 'staff') || population.is(i, 'vip') || population.is(i, 'restricted')) continue;
      if (staff.organisation.kind === 'practice' && population.practiceOf[i] === staff.organisation.index && this.random.chance(0.8)) continue;
      this.linkToPatient(staff, i);
      return;
    }
  }

  /** Makes `staff` the patient `i`: their NHS number, surname and household address go on the staff record. */
  linkToPatient(staff: StaffMember, i: number): void {
    staff.patient = i;
    staff.surname = this.population.surname(i);
    staff.address = this.population.address(i);
    this.population.markStaff(i);
  }

  /** A GP of one practice covers a weekday at another under a second staff record (same user id, same person). */
  private addLocumCover(): void {
    const practices = this.ics.of('practice');
    if (practices.length < 2) return;
    for (const practice of practices) {
      if (!this.random.chance(practices.length <= 3 ? 1 : 0.3)) continue;
      const gps = (this.byTeam.get(practice.code)?.get('GP') ?? []).filter((gp) => gp.end === undefined && gp.start <= this.periodStart && gp.rota.weekdays === weekdaysWorked(false, 0));
      if (gps.length === 0) continue;
      const gp = this.random.pick(gps);
      const other = practices[(practice.index + 1) % practices.length];
      const coverDay = 1 + this.random.int(5);
      gp.rota = { ...gp.rota, weekdays: gp.rota.weekdays & ~(1 << coverDay) };
      const cover: StaffMember = {
        ...gp, index: this.members.length, organisation: other, site: other.sites[0], coverFor: gp,
        start: dayStart(this.periodStart - (7 + this.random.int(60)) * DAY_MS),
        rota: { ...gp.rota, pattern: 'weekday', weekdays: 1 << coverDay, member: 0, teamSize: 1 },
        workstations: [`${other.code}-GP-WS${String(1 + this.random.int(60)).padStart(3, '0')}`],
      };
      this.members.push(cover);
      this.join(cover, other.code, 'GP');
    }
  }

  /** In post at `at` (started, not yet left). */
  static inPost(staff: StaffMember, at: number): boolean {
    return staff.start <= at && (staff.end === undefined || at <= staff.end);
  }

  /** Members of a team at an organisation. */
  team(organisation: string, team: string): StaffMember[] {
    return this.byTeam.get(organisation)?.get(team) ?? [];
  }

  /** The staff reference record of a member. */
  record(staff: StaffMember): Staff {
    return {
      userId: staff.userId,
      organisation: staff.organisation.code,
      name: staff.name,
      surname: staff.surname,
      role: staff.role,
      roleClass: staff.team.roleClass,
      team: staff.team.code,
      address: staff.address,
      ...(staff.patient !== undefined ? { nhsNumber: this.population.nhsNumber(staff.patient) } : {}),
      start: londonDate(staff.start),
      ...(staff.end !== undefined ? { end: londonDate(staff.end) } : {}),
    };
  }
}

/** The start of the UK day holding `at`, so that a staff record's date and the simulated instant agree. */
export function dayStart(at: number): number {
  return londonDayStart(londonDate(at));
}

/** The last instant of the UK day holding `at`. */
export function dayEnd(at: number): number {
  return londonDayEnd(londonDate(at));
}

/** Surnames of staff who live outside the ICS (kept apart from patients' so that they never look like family). */
const SURNAMES_ELSEWHERE = [
  'Abbott', 'Ashworth', 'Blackwood', 'Brennan', 'Calloway', 'Darby', 'Eastwood', 'Fairbairn', 'Garside', 'Hargreaves', 'Ingram',
  'Jessop', 'Kershaw', 'Lomax', 'Maddox', 'Nuttall', 'Oldroyd', 'Pickles', 'Quayle', 'Ramsden', 'Sutcliffe', 'Thackeray',
  'Umpleby', 'Varley', 'Whitworth', 'Yardley', 'Ackroyd', 'Bairstow', 'Crowther', 'Dewhirst', 'Eccles', 'Firth', 'Greenwood',
  'Holroyd', 'Illingworth', 'Jagger', 'Kitson', 'Lumb', 'Midgley', 'Normington', 'Ogden', 'Priestley', 'Rushworth', 'Schofield',
];
