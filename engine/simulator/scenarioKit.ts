import type { Action, Purpose } from '../events/accessEvent.js';
import type { Care, World } from './care.js';
import type { AccessDraft, LabelSubject, Need, RuleFamily } from './labels.js';
import type { OrganisationKind, WorkKind } from './organisations.js';
import type { Random } from './random.js';
import { ipOf } from './routineWork.js';
import { londonClock, minutesOnShift, shiftOn } from './shifts.js';
import type { StaffMember } from './workforce.js';

/**
 * The toolkit misuse scenarios are written with: pick a perpetrator (kept apart from other
 * scenarios), a time in their working day, victims (strangers kept out of routine care so that
 * nothing explains the access by chance, registered patients, relatives, colleagues), and the
 * accesses themselves, in the perpetrator's own system.
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Scenarios one member of staff may be in, when the ICS is too small for everyone to have their own. */
const MAX_USES = 3;

/** One variant of a misuse scenario. */
export interface Variant {
  /** `<rule slug>/<variant>`. */
  scenario: string;
  family: RuleFamily;
  /** Rules expected to fire on the subject (the first is the one the variant is written for). */
  ruleIds: string[];
  subtle?: boolean;
  needs?: Need[];
  /** The first day of the period (from 0) the scenario may happen on: history needed before it. */
  minDay?: number;
  description: string;
  /** Plans the scenario, or undefined when this ICS has no one fitting (it is then listed as skipped). */
  plan(kit: ScenarioKit): Planned | undefined;
}

/** A planned scenario: who it is about and its accesses (or, for an audit gap, a silence). */
export interface Planned {
  subject: LabelSubject;
  drafts: AccessDraft[];
  /** An organisation's feed in one system stops at `from` (audit gap). */
  silence?: { organisation: string; system: string; from: number };
}

/** What a perpetrator must be. */
export interface Who {
  kind: OrganisationKind;
  work?: WorkKind[];
  roleClass?: string[];
  /** Used by no other scenario (a leaver's account, a changed staff record). */
  exclusive?: boolean;
  /** Works in the day (09:30–16:00) on some day of the period from this one (default 0). */
  minDay?: number;
}

/** What variants plan with; keeps perpetrators, victims and silent feeds apart across scenarios. */
export class ScenarioKit {
  /** Scenarios each member of staff is in; -1 for one used exclusively. */
  private readonly uses = new Map<number, number>();
  /** Organisations some scenario happens at (an audit gap picks another). */
  readonly busyOrganisations = new Set<string>();
  /** Whole days in the period: how much history a scenario can have before it. */
  readonly days: number;
  /**
   * UK calendar days the period touches, from the one it starts in: a period that starts at
   * 15:00 holds the end of that day's work and most of the next day's, not just the first.
   */
  private readonly calendarDays: number;
  private unknownUsers = 0;
  /** Organisations whose feed stops, and when (audit gaps): no scenario happens there after. */
  private readonly silences = new Map<string, number>();

  constructor(readonly world: World, readonly care: Care, readonly random: Random) {
    this.days = Math.floor((world.end - world.start) / DAY_MS);
    this.calendarDays = world.end > world.start ? londonClock(world.end - 1).day - londonClock(world.start).day + 1 : 0;
  }

  /** A member of staff fitting `who`, in post all period, preferring those in no scenario yet. */
  perpetrator(who: Who): StaffMember | undefined {
    const twins = new Set(this.world.workforce.members.filter((m) => m.coverFor).map((m) => m.coverFor!.index));
    const fits = this.world.workforce.members.filter((m) => m.organisation.kind === who.kind && !m.coverFor && !twins.has(m.index)
      && m.end === undefined && m.start <= this.world.start && (who.work?.includes(m.team.work) ?? true) && (who.roleClass?.includes(m.team.roleClass) ?? true)
      && this.worksInPeriod(m, who.minDay ?? 0));
    const free = fits.filter((m) => !this.uses.has(m.index));
    const reusable = who.exclusive ? [] : fits.filter((m) => (this.uses.get(m.index) ?? 0) > 0 && (this.uses.get(m.index) ?? 0) < MAX_USES);
    const pool = free.length > 0 ? free : reusable;
    if (pool.length === 0) return undefined;
    const staff = this.random.pick(pool);
    this.uses.set(staff.index, who.exclusive ? -1 : (this.uses.get(staff.index) ?? 0) + 1);
    this.busyOrganisations.add(staff.organisation.code);
    return staff;
  }

  /** Stops an organisation's feed from `from` to the end of the period. */
  silence(organisation: string, from: number): void {
    this.silences.set(organisation, from);
  }

  /** When an organisation's feed stops, if it does. */
  silenced(organisation: string): number | undefined {
    return this.silences.get(organisation);
  }

  /** The last instant a scenario may end at an organisation: an hour before its feed stops, or the end of the period. */
  private deadline(organisation: string): number {
    const silence = this.silences.get(organisation);
    return silence === undefined ? this.world.end : Math.min(this.world.end, silence - 3_600_000);
  }

  /** Whether `staff` has a day shift on some day of the period from `minDay`, before their organisation's feed stops. */
  private worksInPeriod(staff: StaffMember, minDay: number): boolean {
    const first = londonClock(this.world.start).day;
    const last = londonClock(this.deadline(staff.organisation.code) - 2 * 3_600_000).day;
    for (let day = first + minDay; day <= last; day++) {
      const shift = shiftOn(staff.rota, day);
      if (shift && shift[0] < 15 * 60 && shift[1] > 10 * 60) return true;
    }
    return false;
  }

  /**
   * A time the perpetrator is at work on some day from `minDay`, between `from` and `to` (UK
   * time, minutes of the day; default 09:30–16:00, inside the rules' working hours), with `room`
   * minutes of the shift left after it.
   */
  workingTime(staff: StaffMember, options: { minDay?: number; from?: number; to?: number; room?: number } = {}): number | undefined {
    const { minDay = 0, from = 9 * 60 + 30, to = 16 * 60, room = 0 } = options;
    const first = londonClock(this.world.start).day;
    const days = this.random.sample(Array.from({ length: Math.max(0, this.calendarDays - minDay) }, (_, k) => minDay + k), this.calendarDays);
    for (const d of days) {
      const day = first + d;
      const shift = shiftOn(staff.rota, day);
      if (!shift) continue;
      const [periodFrom, periodTo] = this.periodMinutes(day);
      const a = Math.max(from, shift[0], periodFrom);
      const b = Math.min(to, shift[1] - room, periodTo - room - 60);
      if (a >= b) continue;
      const minute = a + this.random.int(b - a);
      const at = this.atLondonMinute(day, minute);
      if (at > this.world.start && at + (room + 60) * MINUTE_MS < this.deadline(staff.organisation.code) && minutesOnShift(staff.rota, at)) return at;
    }
    return undefined;
  }

  /** A time on some day at a minute of the UK day between `from` and `to`, whether or not `staff` works then. */
  anyTime(staff: StaffMember, from: number, to: number): number | undefined {
    const first = londonClock(this.world.start).day;
    for (const d of this.random.sample(Array.from({ length: this.calendarDays }, (_, k) => k), this.calendarDays)) {
      const [periodFrom, periodTo] = this.periodMinutes(first + d);
      const a = Math.max(from, periodFrom);
      const b = Math.min(to, periodTo - 30);
      if (a >= b) continue;
      const at = this.atLondonMinute(first + d, a + this.random.int(b - a));
      if (at > this.world.start && at + 30 * MINUTE_MS < this.deadline(staff.organisation.code)) return at;
    }
    return undefined;
  }

  /** The minutes of UK day `day` inside the period: the whole day, or the part after its start or before its end. */
  private periodMinutes(day: number): [number, number] {
    const start = londonClock(this.world.start);
    const end = londonClock(this.world.end);
    return [day === start.day ? start.minute + 1 : 0, day === end.day ? end.minute : 24 * 60];
  }

  /** An instant in the given minute of a UK day, at a random second of it. */
  private atLondonMinute(day: number, minute: number): number {
    const guess = day * DAY_MS + minute * MINUTE_MS;
    return guess - (londonClock(guess).minute - minute) * MINUTE_MS - (londonClock(guess).day - day) * DAY_MS + this.random.int(60) * 1000;
  }

  /** Keeps a patient out of routine care for the whole period. */
  reserve(patient: number): number {
    this.world.population.reserved[patient] = 1;
    return patient;
  }

  /**
   * A stranger to `staff`'s organisation: alive, in no care, not staff, VIP or restricted (unless
   * `accept` asks for them), registered elsewhere than a practice perpetrator's; reserved.
   */
  stranger(staff: StaffMember, accept: (i: number) => boolean = (i) => this.ordinary(i)): number | undefined {
    const { population } = this.world;
    const home = staff.patient === undefined ? -1 : population.postcodeUnit(staff.patient);
    const found = this.search((i) => population.reserved[i] === 0 && (population.inCare(i) || population.isDeceased(i)) && population.postcodeUnit(i) !== home
      && !(staff.organisation.kind === 'practice' && population.practiceOf[i] === staff.organisation.index) && accept(i));
    return found === undefined ? undefined : this.reserve(found);
  }

  /** A patient registered with a practice perpetrator's own practice (explained by the registration). */
  registered(staff: StaffMember, accept: (i: number) => boolean = (i) => this.ordinary(i)): number | undefined {
    const home = staff.patient === undefined ? -1 : this.world.population.postcodeUnit(staff.patient);
    return this.care.registeredPatient(staff.organisation.index, this.random, (i) => this.world.population.postcodeUnit(i) !== home && accept(i));
  }

  /** Not staff, VIP, restricted or deceased: a patient no other rule would notice. */
  ordinary(i: number): boolean {
    const p = this.world.population;
    return !p.is(i, 'staff') && !p.is(i, 'vip') && !p.is(i, 'restricted') && !p.isDeceased(i);
  }

  /** A relationship of the perpetrator's organisation (and team) with the patient around `at`, always recorded. */
  relate(staff: StaffMember, patient: number, at: number, type: string, userLevel = false): number {
    this.care.begin({
      patient, organisation: staff.organisation.code, team: staff.team.code, ...(userLevel ? { userId: staff.userId } : {}), type,
      start: at - 3 * DAY_MS, end: at + 10 * DAY_MS,
    }, { recorded: true });
    return patient;
  }

  /** Links a member of staff to a patient (their own record), choosing one `accept` allows; the patient is reserved unless `keepInCare`. */
  makePatient(staff: StaffMember, accept: (i: number) => boolean, keepInCare = false): number | undefined {
    const { population } = this.world;
    const i = this.search((j) => {
      const age = population.ageAt(j, this.world.start);
      return population.inCare(j) && age >= 20 && age <= 66 && this.ordinary(j) && accept(j);
    });
    if (i === undefined) return undefined;
    this.world.workforce.linkToPatient(staff, i);
    return keepInCare ? i : this.reserve(i);
  }

  /** A patient meeting `accept`: a few hundred random tries, then a walk through everyone from a random place. */
  private search(accept: (i: number) => boolean): number | undefined {
    const n = this.world.population.size;
    for (let attempt = 0; attempt < 300; attempt++) {
      const i = this.random.int(n);
      if (accept(i)) return i;
    }
    const from = this.random.int(n);
    for (let k = 0; k < n; k++) {
      const i = (from + k) % n;
      if (accept(i)) return i;
    }
    return undefined;
  }

  /** A user id no staff record knows (an agency login, a test account). */
  unknownUserId(): string {
    return `AGENCY${String(7000 + this.unknownUsers++ * 37 + this.random.int(30)).padStart(6, '0')}`;
  }

  /** One access by `staff` at `at` about a patient (index) or an NHS number, as their system logs it. */
  access(staff: StaffMember, at: number, patient: number | string, action: Action, extra: Partial<AccessDraft> & { purpose?: Purpose } = {}): AccessDraft {
    return {
      at: Math.floor(at / 1000) * 1000,
      system: staff.organisation.system,
      organisation: staff.organisation.code,
      user: { id: staff.userId, role: staff.role, team: staff.team.code },
      nhsNumber: typeof patient === 'number' ? this.world.population.nhsNumber(patient) : patient,
      action,
      purpose: 'direct-care',
      outcome: 'success',
      workstation: staff.workstations[0],
      site: staff.site,
      ...(staff.organisation.kind === 'community' ? { ip: ipOf(staff) } : {}),
      ...extra,
    };
  }

  /** `count` accesses spread over `minutes` from `at`, one per patient in turn (patients repeat when fewer). */
  spread(staff: StaffMember, at: number, minutes: number, patients: (number | string)[], count: number, action: Action, extra: Partial<AccessDraft> = {}): AccessDraft[] {
    const gap = (minutes * MINUTE_MS) / count;
    return Array.from({ length: count }, (_, k) => this.access(staff, at + k * gap + this.random.int(Math.max(1, gap / 2)), patients[k % patients.length], action, extra));
  }

  /** `count` patients chosen by `choose` (fewer when it runs out). */
  several(count: number, choose: () => number | undefined): number[] {
    const chosen: number[] = [];
    for (let k = 0; k < count * 3 && chosen.length < count; k++) {
      const i = choose();
      if (i !== undefined && !chosen.includes(i)) chosen.push(i);
    }
    return chosen;
  }

  /** The subject of a scenario about one user (and one patient). */
  subject(staff: StaffMember, patient?: number): LabelSubject {
    return {
      organisation: staff.organisation.code, userId: staff.userId,
      ...(patient !== undefined ? { nhsNumber: this.world.population.nhsNumber(patient) } : {}),
    };
  }
}
