import { londonDate } from '../explain/londonTime.js';
import type { Relationship } from '../reference/referenceData.js';
import type { CareSystem, Organisation } from './organisations.js';
import type { Population } from './population.js';
import { Random, seedFor } from './random.js';
import { londonClock } from './shifts.js';
import type { SimulationSize } from './sizes.js';
import type { StaffMember, Workforce } from './workforce.js';

/**
 * Care over time: the episodes that explain accesses (appointments, emergency attendances,
 * admissions and discharges, referrals between organisations, test orders, prescriptions,
 * care-team caseloads and social care allocations). Each episode is written as a relationship
 * when it begins (the reference data a source system would post), except for a small designed
 * share that never reaches the reference data; and it joins the work lists that staff pick their
 * next patient from. Episodes already running when the period starts are set up first.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Everything the simulation is made of, shared by care, routine work and scenarios. */
export interface World {
  ics: CareSystem;
  population: Population;
  workforce: Workforce;
  size: SimulationSize;
  seed: number;
  start: number;
  end: number;
  /** ODS codes of the practices, by practice index. */
  practiceCodes: string[];
}

/** A period of care of one patient with one organisation (and a team or a member of staff). */
export interface Episode {
  patient: number;
  organisation: string;
  team?: string;
  userId?: string;
  type: string;
  start: number;
  end: number;
  /** False when the relationship never reached the reference data (legitimate, but nothing explains it). */
  recorded: boolean;
}

/** Types whose relationships are written as date-times rather than days. */
const TIMED_TYPES = new Set(['ed-attendance']);
/** Short encounters whose relationship may never reach the reference data (`unrecordedShare` of them); the rest always do. */
const MAY_GO_UNRECORDED = new Set(['appointment', 'ed-attendance', 'prescription', 'test-order']);

/** A work list: episodes staff pick from, active between their start and end. */
export class WorkList {
  private readonly items: Episode[] = [];

  add(episode: Episode): void {
    this.items.push(episode);
  }

  get size(): number {
    return this.items.length;
  }

  /** A random episode active at `at` (and meeting `accept`), dropping ended ones met on the way. */
  pick(random: Random, at: number, accept: (episode: Episode) => boolean = () => true): Episode | undefined {
    return this.find(random, at, accept, false);
  }

  /** As `pick`, but the episode found leaves the list: a piece of work done once (a prescription dispensed). */
  take(random: Random, at: number, accept: (episode: Episode) => boolean = () => true): Episode | undefined {
    return this.find(random, at, accept, true);
  }

  private find(random: Random, at: number, accept: (episode: Episode) => boolean, remove: boolean): Episode | undefined {
    for (let attempt = 0; attempt < 12 && this.items.length > 0; attempt++) {
      const k = random.int(this.items.length);
      const episode = this.items[k];
      if (episode.end < at) {
        this.removeAt(k);
        continue;
      }
      if (episode.start <= at && accept(episode)) {
        if (remove) this.removeAt(k);
        return episode;
      }
    }
    return undefined;
  }

  private removeAt(k: number): void {
    this.items[k] = this.items[this.items.length - 1];
    this.items.pop();
  }
}

/** The care of the simulated ICS: its work lists, the episodes it starts, the relationships it writes. */
export class Care {
  private readonly lists = new Map<string, WorkList>();
  /** Social care allocations by the allocated member of staff's index. */
  readonly allocations = new Map<number, Episode[]>();
  private readonly random: Random;
  /** Which department a hospital's own test orders go to (drawn apart, so that the rest of care draws as before). */
  private readonly departments: Random;
  private readonly served = new Map<string, Uint32Array[]>();
  /** The teams that have taken on a work item about each episode (written once per episode and team). */
  private readonly workItems = new WeakMap<Episode, Set<string>>();
  private counter = 0;
  /** Relationships written, and episodes that were not (counted for the manifest). */
  written = 0;
  unrecorded = 0;

  constructor(readonly world: World, private readonly emit: (relationship: Relationship) => void) {
    this.random = new Random(seedFor(world.seed, 'care'));
    this.departments = new Random(seedFor(world.seed, 'test-orders'));
    for (const kind of ['trust', 'council', 'community'] as const) {
      for (const organisation of world.ics.of(kind)) {
        this.served.set(organisation.code, world.population.registered.filter((_, p) => world.ics.servingPractice(p, kind) === organisation));
      }
    }
    for (const pharmacy of world.ics.of('pharmacy')) {
      this.served.set(pharmacy.code, world.population.registered.filter((_, p) => world.ics.pharmaciesNear(p).includes(pharmacy)));
    }
  }

  list(key: string): WorkList {
    let list = this.lists.get(key);
    if (!list) this.lists.set(key, (list = new WorkList()));
    return list;
  }

  /** A patient in routine care registered with a practice this organisation serves (by area). */
  catchmentPatient(organisation: string, accept: (i: number) => boolean = () => true): number | undefined {
    const lists = this.served.get(organisation) ?? [];
    const population = this.world.population;
    for (let attempt = 0; attempt < 20 && lists.length > 0; attempt++) {
      const list = lists[this.random.int(lists.length)];
      if (list.length === 0) continue;
      const i = list[this.random.int(list.length)];
      if (population.inCare(i) && accept(i)) return i;
    }
    return undefined;
  }

  /** A patient in routine care registered with practice `practice`. */
  registeredPatient(practice: number, random: Random, accept: (i: number) => boolean = () => true): number | undefined {
    const list = this.world.population.registered[practice];
    for (let attempt = 0; attempt < 20 && list.length > 0; attempt++) {
      const i = list[random.int(list.length)];
      if (this.world.population.inCare(i) && accept(i)) return i;
    }
    return undefined;
  }

  /** Starts an episode and writes its relationship (unless it is one of the few never recorded). */
  begin(episode: Omit<Episode, 'recorded'>, options: { openEnded?: boolean; recorded?: true } = {}): Episode {
    const recorded = options.recorded || !MAY_GO_UNRECORDED.has(episode.type) || !this.random.chance(this.world.size.unrecordedShare);
    const full: Episode = { ...episode, recorded };
    if (!recorded) {
      this.unrecorded++;
      return full;
    }
    const timed = TIMED_TYPES.has(episode.type);
    const show = (at: number) => (timed ? new Date(at).toISOString() : londonDate(at));
    const open = options.openEnded || episode.end > this.world.end;
    this.emit({
      id: `${episode.type.toUpperCase().replace(/-/g, '')}-${String(++this.counter).padStart(8, '0')}`,
      nhsNumber: this.world.population.nhsNumber(episode.patient),
      organisation: episode.organisation,
      ...(episode.team ? { team: episode.team } : {}),
      ...(episode.userId ? { userId: episode.userId } : {}),
      type: episode.type,
      start: show(episode.start),
      ...(open ? {} : { end: show(episode.end) }),
    });
    this.written++;
    return full;
  }

  /**
   * A department that serves the whole trust takes on part of an episode's care, as its own system
   * records it at team level: pharmacy verifying an admission's medicines (e-prescribing), medical
   * records coding a discharge or booking a referral (a work item to the records team). Written the
   * first time the team works on the episode, from then until `end`; never for care nobody worked on.
   */
  workItem(episode: Episode, team: string, type: 'care-team' | 'referral', at: number, end = episode.end): void {
    let teams = this.workItems.get(episode);
    if (!teams) this.workItems.set(episode, (teams = new Set()));
    if (teams.has(team)) return;
    teams.add(team);
    this.begin({ patient: episode.patient, organisation: episode.organisation, team, type, start: at, end: Math.max(at, end) });
  }

  /**
   * A test the trust's own clinicians order for the patient of `source` (order communications): to
   * pathology or radiology, held as that team's test order for three weeks, and on the department's
   * work list from `from` to `until`. Ordered in the trust's own system, it always reaches the
   * reference data, whatever became of `source`.
   */
  orderTest(trust: Organisation, source: Episode, at: number, from: number, until: number): void {
    const team = this.departments.chance(0.5) ? 'PATHOLOGY' : 'RADIOLOGY';
    this.begin({ patient: source.patient, organisation: trust.code, team, type: 'test-order', start: at, end: at + 21 * DAY_MS }, { recorded: true });
    this.list(`diagnostics:${trust.code}:${team}`).add({ ...source, start: from, end: until, recorded: true });
  }

  /** An emergency attendance, and what follows: tests, and for some an admission with its discharge letter, social care and community referrals. */
  edAttendance(trust: Organisation, patient: number, at: number): Episode {
    const random = this.random;
    const ed = this.begin({ patient, organisation: trust.code, team: 'EMERGENCY-DEPARTMENT', type: 'ed-attendance', start: at, end: at + (2 + random.int(7)) * HOUR_MS });
    this.list(`ed:${trust.code}`).add(ed);
    if (random.chance(0.5)) this.orderTest(trust, ed, at, at + 1_800_000, ed.end);
    if (random.chance(0.22)) this.admit(trust, patient, ed.end);
    return ed;
  }

  /** An admission to a ward from `at` for a few days. */
  admit(trust: Organisation, patient: number, at: number, days = 1 + this.random.int(9)): void {
    const random = this.random;
    const wards = trust.teams.filter((team) => team.work === 'ward');
    const ward = random.pick(wards).code;
    const discharge = at + days * DAY_MS + random.int(8) * HOUR_MS;
    const admission = this.begin({ patient, organisation: trust.code, team: ward, type: 'admission', start: at, end: discharge });
    this.list(`ward:${trust.code}:${ward}`).add(admission);
    this.list(`recent:${trust.code}`).add({ ...admission, end: discharge + 30 * DAY_MS });
    this.list(`letters:${trust.code}`).add({ ...admission, start: discharge, end: discharge + 3 * DAY_MS });
    const age = this.world.population.ageAt(patient, at);
    const day = londonClock(discharge).day * DAY_MS;
    if (random.chance(age >= 65 ? 0.25 : 0.05)) {
      const council = this.world.ics.servingPractice(this.world.population.practiceOf[patient], 'council');
      this.list(`duty:${council.code}`).add(this.begin({ patient, organisation: council.code, team: 'ADULT-SOCIAL-CARE', type: 'referral', start: day, end: day + 60 * DAY_MS }));
    }
    if (random.chance(age >= 65 ? 0.2 : 0.05)) this.communityReferral(patient, discharge, 'DISTRICT-NURSING');
  }

  /** A referral to a community team: the patient joins the team's caseload for some weeks. */
  communityReferral(patient: number, at: number, team: string): void {
    const community = this.world.ics.servingPractice(this.world.population.practiceOf[patient], 'community');
    const episode = this.begin({ patient, organisation: community.code, team, type: 'care-team', start: at, end: at + (14 + this.random.int(60)) * DAY_MS });
    this.list(`caseload:${community.code}:${team}`).add(episode);
  }

  /** New arrivals this hour: emergency attendances round the clock, elective admissions and referrals on weekday mornings. */
  advance(at: number): void {
    const random = this.random;
    const { minute, weekday } = londonClock(at);
    const hour = minute / 60;
    const busy = hour < 7 ? 0.4 : hour < 10 ? 0.9 : hour < 21 ? 1.3 : 0.7;
    const weekdayMorning = weekday >= 1 && weekday <= 5 && hour >= 8 && hour < 12;
    const activity = this.world.size.activity;
    for (const trust of this.world.ics.of('trust')) {
      const edStaff = this.world.workforce.team(trust.code, 'EMERGENCY-DEPARTMENT').length;
      for (let k = random.poisson(edStaff * 0.1 * busy * activity); k > 0; k--) {
        const patient = this.catchmentPatient(trust.code);
        if (patient !== undefined) this.edAttendance(trust, patient, at + random.int(60) * 60_000);
      }
      if (weekdayMorning) {
        const wards = trust.teams.filter((team) => team.work === 'ward').length;
        for (let k = random.poisson(wards * 0.3 * activity); k > 0; k--) {
          const patient = this.catchmentPatient(trust.code);
          if (patient !== undefined) this.admit(trust, patient, at + random.int(60) * 60_000);
        }
      }
    }
    for (const council of this.world.ics.of('council')) {
      const staff = this.world.ics.staffOf.get(council.code)!;
      for (let k = random.poisson(staff * 0.004 * activity); k > 0; k--) {
        const patient = this.catchmentPatient(council.code);
        if (patient === undefined) continue;
        const team = this.world.population.ageAt(patient, at) < 18 ? 'CHILDRENS-SERVICES' : 'ADULT-SOCIAL-CARE';
        this.list(`duty:${council.code}`).add(this.begin({ patient, organisation: council.code, team, type: 'referral', start: at, end: at + 45 * DAY_MS }));
      }
      if (weekdayMorning || (weekday >= 1 && weekday <= 5 && hour >= 12 && hour < 17)) {
        for (let k = random.poisson(this.world.workforce.team(council.code, 'SAFEGUARDING-HUB').length * 0.15 * activity); k > 0; k--) {
          const patient = this.catchmentPatient(council.code, (i) => this.world.population.is(i, 'safeguarding'));
          if (patient !== undefined) this.list(`hub:${council.code}`).add(this.begin({ patient, organisation: council.code, team: 'SAFEGUARDING-HUB', type: 'referral', start: at, end: at + 30 * DAY_MS }));
        }
      }
    }
  }

  /** Patients already in care when the period starts: inpatients, referrals awaiting clinics, allocations, caseloads, safeguarding referrals. */
  setUp(): void {
    const { world, random } = this;
    const at = world.start;
    for (const trust of world.ics.of('trust')) {
      for (const ward of trust.teams.filter((team) => team.work === 'ward')) {
        // About three staff (over all shifts) to a bed.
        const beds = Math.max(3, Math.round(world.workforce.team(trust.code, ward.code).length * 0.3));
        for (let k = 0; k < beds; k++) {
          const patient = this.catchmentPatient(trust.code);
          if (patient !== undefined) this.admit(trust, patient, at - random.int(8) * DAY_MS - random.int(24) * HOUR_MS, 2 + random.int(12));
        }
      }
      for (let k = world.workforce.team(trust.code, 'OUTPATIENTS').length * 25; k > 0; k--) {
        const patient = this.catchmentPatient(trust.code);
        if (patient === undefined) continue;
        const start = at - (10 + random.int(90)) * DAY_MS;
        this.list(`referrals:${trust.code}`).add(this.begin({ patient, organisation: trust.code, team: 'OUTPATIENTS', type: 'referral', start, end: start + 180 * DAY_MS }));
      }
    }
    for (const council of world.ics.of('council')) {
      for (const staff of world.workforce.members.filter((m) => m.organisation === council && m.team.work === 'casework')) this.allocate(staff, council, at);
    }
    for (const community of world.ics.of('community')) {
      for (const [team, each, accept] of [
        ['DISTRICT-NURSING', 20, (i: number) => world.population.ageAt(i, at) >= 70],
        ['PHYSIOTHERAPY', 12, (i: number) => world.population.ageAt(i, at) >= 18],
        ['HEALTH-VISITING', 30, (i: number) => world.population.ageAt(i, at) < 5],
      ] as const) {
        for (let k = world.workforce.team(community.code, team).length * each; k > 0; k--) {
          const patient = this.catchmentPatient(community.code, accept);
          if (patient === undefined) continue;
          const start = at - random.int(300) * DAY_MS;
          const ends = random.chance(0.15);
          const episode = this.begin({ patient, organisation: community.code, team, type: 'care-team', start, end: ends ? at + random.int(30) * DAY_MS : at + 400 * DAY_MS }, { openEnded: !ends });
          this.list(`caseload:${community.code}:${team}`).add(episode);
        }
      }
    }
  }

  /** A social worker's caseload: a dozen people of the council's area, allocated to them by name. */
  private allocate(staff: StaffMember, council: Organisation, at: number): void {
    const { world, random } = this;
    const children = staff.team.code === 'CHILDRENS-SERVICES';
    const cases: Episode[] = [];
    for (let k = 0; k < 12; k++) {
      const patient = this.catchmentPatient(council.code, (i) => {
        const age = world.population.ageAt(i, at);
        return children ? age < 18 && (world.population.is(i, 'safeguarding') || random.chance(0.6)) : age >= 18 && (age >= 65 || random.chance(0.4));
      });
      if (patient === undefined) continue;
      const episode = this.begin({
        patient, organisation: council.code, team: staff.team.code, userId: staff.userId, type: 'social-care-allocation',
        start: at - (30 + random.int(700)) * DAY_MS, end: at + 400 * DAY_MS,
      }, { openEnded: true });
      cases.push(episode);
      this.list(`council:${council.code}`).add(episode);
    }
    this.allocations.set(staff.index, cases);
  }
}
