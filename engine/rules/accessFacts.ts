import type { AccessEvent } from '../events/accessEvent.js';
import { endOf } from '../explain/explainAccess.js';
import { londonOffsetMs } from '../explain/londonTime.js';
import type { Patient, Staff } from '../reference/referenceData.js';
import type { AccessFacts, RulesConfig } from './ruleKind.js';

/**
 * The facts inappropriate-access rules are written over, worked out once per access from its
 * reference data. Pure: the same access and records always give the same facts.
 */

const DAY_MS = 86_400_000;
const SECONDARY_USES = new Set(['research', 'planning', 'commissioning']);

/** Reference data about one access, as looked up for its batch. */
export interface FactSources {
  /** The user's staff record at the access's organisation. */
  staff?: Staff;
  patient?: Patient;
  /** Staff records (any organisation) whose NHS number is the patient's. */
  patientAsStaff: readonly Staff[];
}

const tidy = (text: string | undefined): string => (text ?? '').trim().replace(/\s+/g, ' ').toUpperCase();
const tidyPostcode = (postcode: string | undefined): string => (postcode ?? '').replace(/\s+/g, '').toUpperCase();

/** London's offset from UTC over the last UTC year asked about: the BST span without allocating a Date per access. */
let offsetYear = { from: 0, to: -1, bstStart: 0, bstEnd: 0 };

function londonOffsetAt(at: number): number {
  if (at < offsetYear.from || at >= offsetYear.to) {
    const year = new Date(at).getUTCFullYear();
    // londonOffsetMs is one hour exactly between the two changes of its year.
    let bstStart = Date.UTC(year, 0, 1);
    while (londonOffsetMs(bstStart) === 0 && bstStart < Date.UTC(year, 6, 1)) bstStart += 3_600_000;
    let bstEnd = bstStart;
    while (londonOffsetMs(bstEnd) !== 0) bstEnd += 3_600_000;
    offsetYear = { from: Date.UTC(year, 0, 1), to: Date.UTC(year + 1, 0, 1), bstStart, bstEnd };
  }
  return at >= offsetYear.bstStart && at < offsetYear.bstEnd ? londonOffsetMs(offsetYear.bstStart) : 0;
}

/** Minutes past midnight in London, and the London weekday (0 = Sunday). */
function londonClock(at: number): { minutes: number; weekday: number } {
  const local = at + londonOffsetAt(at);
  const days = Math.floor(local / DAY_MS);
  return { minutes: Math.floor((local - days * DAY_MS) / 60_000), weekday: (((days + 4) % 7) + 7) % 7 };
}

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours * 60 + minutes;
}

/** Working hours in minutes past midnight, worked out once per configuration. */
const workingMinutes = new WeakMap<RulesConfig['workingHours'], { start: number; end: number }>();

/** Whether an instant falls outside the configured working hours and days (Europe/London). */
export function isAfterHours(at: number, config: Pick<RulesConfig, 'workingHours' | 'workingDays'>): boolean {
  const { minutes, weekday } = londonClock(at);
  if (!config.workingDays.includes(weekday)) return true;
  let hours = workingMinutes.get(config.workingHours);
  if (!hours) workingMinutes.set(config.workingHours, (hours = { start: minutesOf(config.workingHours.start), end: minutesOf(config.workingHours.end) }));
  return minutes < hours.start || minutes >= hours.end;
}

export function accessFacts(event: AccessEvent, at: number, sources: FactSources, config: RulesConfig): AccessFacts {
  const { staff, patient } = sources;
  const staffSurname = staff && patient ? tidy(staff.surname) : '';
  const sameSurname = staffSurname !== '' && staffSurname === tidy(patient!.surname);
  const staffPostcode = staff?.address && patient ? tidyPostcode(staff.address.postcode) : '';
  const samePostcode = staffPostcode !== '' && staffPostcode === tidyPostcode(patient!.address.postcode);
  const sameAddress = samePostcode && tidy(staff?.address?.line1) === tidy(patient?.address.line1);
  const allowed = event.recordPart === undefined ? undefined : config.recordPartRoleClasses[event.recordPart];
  const roleClass = staff?.roleClass;
  return {
    knownUser: !!staff,
    ...(roleClass ? { roleClass } : {}),
    ownRecord: staff?.nhsNumber !== undefined && staff.nhsNumber === event.patient.nhsNumber,
    sameSurname,
    sameAddress,
    samePostcode,
    familyOrNeighbour: (sameSurname && sameAddress) || samePostcode,
    coWorker: sources.patientAsStaff.some((colleague) => colleague.organisation === event.organisation
      && !(colleague.userId === event.user.id)),
    deceasedBeyondMargin: patient?.dateOfDeath !== undefined && at > endOf(patient.dateOfDeath) + config.deceasedMarginDays * DAY_MS,
    leaver: staff?.end !== undefined && at > endOf(staff.end),
    afterHours: isAfterHours(at, config),
    recordPartNotAllowed: allowed !== undefined && !(roleClass !== undefined && allowed.includes(roleClass)),
    optedOut: (patient?.optOuts.length ?? 0) > 0,
    secondaryUse: event.purpose !== undefined && SECONDARY_USES.has(event.purpose),
  };
}
