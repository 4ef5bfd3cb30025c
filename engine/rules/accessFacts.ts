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

/** Minutes past midnight in London, and the London weekday (0 = Sunday). */
function londonClock(at: number): { minutes: number; weekday: number } {
  const local = new Date(at + londonOffsetMs(at));
  return { minutes: local.getUTCHours() * 60 + local.getUTCMinutes(), weekday: local.getUTCDay() };
}

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours * 60 + minutes;
}

/** Whether an instant falls outside the configured working hours and days (Europe/London). */
export function isAfterHours(at: number, config: Pick<RulesConfig, 'workingHours' | 'workingDays'>): boolean {
  const { minutes, weekday } = londonClock(at);
  if (!config.workingDays.includes(weekday)) return true;
  return minutes < minutesOf(config.workingHours.start) || minutes >= minutesOf(config.workingHours.end);
}

export function accessFacts(event: AccessEvent, at: number, sources: FactSources, config: RulesConfig): AccessFacts {
  const { staff, patient } = sources;
  const sameSurname = !!staff && !!patient && tidy(staff.surname) !== '' && tidy(staff.surname) === tidy(patient.surname);
  const samePostcode = !!staff?.address && !!patient && tidyPostcode(staff.address.postcode) !== ''
    && tidyPostcode(staff.address.postcode) === tidyPostcode(patient.address.postcode);
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
