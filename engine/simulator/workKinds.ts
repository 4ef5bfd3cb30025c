import type { Action, Purpose } from '../events/accessEvent.js';
import type { Care, Episode, World } from './care.js';
import type { LabelDraft } from './labels.js';
import type { Organisation, WorkKind } from './organisations.js';
import type { Random } from './random.js';
import type { StaffMember } from './workforce.js';

/**
 * What each kind of team does in one task: which patient it picks (from which work list), which
 * accesses it makes, and which care it starts (a GP's prescription sends the patient to a
 * pharmacy, a test order to the hospital's pathology, a referral to outpatients). Every patient
 * picked has a registration or a relationship with the organisation, so the access is explained,
 * unless its episode is one of the few never recorded.
 */

export type Work = (context: TaskContext) => void;

/** What a task gets: the world, its work lists, randomness, and a way to write its accesses. */
export interface TaskContext {
  world: World;
  care: Care;
  random: Random;
  staff: StaffMember;
  at: number;
  /** Starts the accesses of one task about one patient. */
  task(patient: number, episode?: Episode, label?: LabelDraft): TaskSteps;
  /** A control label for a pattern, while today's sample of it is not full. */
  control(pattern: string, description: string): LabelDraft | undefined;
}

/** The accesses of one task, a little apart in time. */
export interface TaskSteps {
  /** Adds an access (with probability `p`). */
  step(action: Action, recordPart?: string, p?: number, purpose?: Purpose): TaskSteps;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const practiceOf = (context: TaskContext) => context.staff.organisation.index;
const trustOf = (context: TaskContext, kind: 'trust' | 'council' | 'community' = 'trust'): Organisation =>
  context.world.ics.servingPractice(practiceOf(context), kind);

/** A GP or practice nurse: appointments, results and documents, prescriptions, test orders and referrals. */
function gpConsult(context: TaskContext): void {
  const { care, random, staff, at, world } = context;
  const patient = care.registeredPatient(practiceOf(context), random);
  if (patient === undefined) return;
  const roll = random.next();
  const cover = staff.coverFor ? context.control('locum-cover', 'A GP covers a session at another practice under a second staff record there: the registration explains the access.') : undefined;
  if (roll < 0.65) {
    care.begin({ patient, organisation: staff.organisation.code, team: staff.team.code, userId: staff.userId, type: 'appointment', start: at, end: at + HOUR_MS });
    const task = context.task(patient, undefined, cover).step('view', 'summary').step('view', 'clinical-note').step('view', 'result', 0.4)
      .step('view', 'medication', 0.4).step('view', 'mental-health', 0.04).step('update', 'clinical-note', 0.9);
    const next = random.next();
    if (next < 0.25) {
      task.step('update', 'medication');
      const pharmacy = random.pick(world.ics.pharmaciesNear(practiceOf(context)));
      const prescription = care.begin({ patient, organisation: pharmacy.code, type: 'prescription', start: at, end: at + 14 * DAY_MS });
      care.list(`dispense:${pharmacy.code}`).add({ ...prescription, start: at + (2 + random.int(46)) * HOUR_MS, end: at + 7 * DAY_MS });
    } else if (next < 0.37) {
      task.step('create', 'result');
      const trust = trustOf(context);
      const order = care.begin({ patient, organisation: trust.code, team: 'PATHOLOGY', type: 'test-order', start: at, end: at + 21 * DAY_MS });
      care.list(`diagnostics:${trust.code}:PATHOLOGY`).add({ ...order, start: at + (4 + random.int(30)) * HOUR_MS, end: at + 4 * DAY_MS });
    } else if (next < 0.43) {
      task.step('create', 'referral');
      const trust = trustOf(context);
      care.list(`referrals:${trust.code}`).add(care.begin({ patient, organisation: trust.code, team: 'OUTPATIENTS', type: 'referral', start: at, end: at + 180 * DAY_MS }));
    } else if (next < 0.46) {
      task.step('create', 'referral');
      care.communityReferral(patient, at, world.population.ageAt(patient, at) >= 18 ? 'PHYSIOTHERAPY' : 'HEALTH-VISITING');
    }
  } else if (roll < 0.9) {
    context.task(patient).step('view', random.chance(0.6) ? 'result' : 'document').step('update', 'clinical-note', 0.5);
  } else {
    context.task(patient).step('view', 'medication').step('update', 'medication', 0.8);
  }
}

/** Reception: finding patients and booking them in, now and then registering a new one. */
function reception(context: TaskContext): void {
  const { care, random, staff, at, world } = context;
  if (random.chance(0.03) && world.ics.size.practices > 1) {
    const from = (practiceOf(context) + 1 + random.int(world.ics.size.practices - 1)) % world.ics.size.practices;
    const patient = care.registeredPatient(from, random);
    if (patient === undefined) return;
    care.begin({ patient, organisation: staff.organisation.code, team: staff.team.code, type: 'registration', start: at, end: at }, { openEnded: true });
    const label = context.control('new-patient-registration', 'Reception registers a patient still registered with another practice: the new registration explains the search.');
    context.task(patient, undefined, label).step('search').step('view', 'demographics').step('update', 'demographics');
    return;
  }
  const patient = care.registeredPatient(practiceOf(context), random);
  if (patient === undefined) return;
  context.task(patient).step('search', undefined, 0.6).step('view', 'demographics').step('view', 'summary', 0.25).step('print', 'document', 0.04);
}

/** Practice administration: document workflow, letters, demographics. */
function practiceAdmin(context: TaskContext): void {
  const patient = context.care.registeredPatient(practiceOf(context), context.random);
  if (patient === undefined) return;
  context.task(patient).step('view', 'document').step('update', 'document', 0.4).step('print', 'document', 0.15).step('update', 'demographics', 0.08);
}

/** The emergency department: whoever has arrived and is still there. */
function ed(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const code = staff.organisation.code;
  const episode = care.list(`ed:${code}`).pick(random, at);
  if (!episode) return;
  const label = episode.start > at - 20 * 60_000
    ? context.control('urgent-care', 'An emergency department opens the record of a patient minutes after arrival: the attendance explains it.') : undefined;
  context.task(episode.patient, episode, label).step('search', undefined, 0.25).step('view', 'summary').step('view', 'result', 0.5)
    .step('view', 'medication', 0.4).step('create', 'clinical-note', 0.7).step('view', 'allergy', 0.2);
}

/** A ward: the ward's own inpatients. */
function ward(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const episode = care.list(`ward:${staff.organisation.code}:${staff.team.code}`).pick(random, at);
  if (!episode) return;
  context.task(episode.patient, episode).step('view', 'summary', 0.5).step('view', 'result', 0.5).step('view', 'medication', 0.5)
    .step('update', 'clinical-note', 0.6).step('view', 'document', 0.2);
}

/** Outpatient clinics: a referred patient's appointment, then the clinic letter and tests. */
function outpatients(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const code = staff.organisation.code;
  const referral = care.list(`referrals:${code}`).pick(random, at);
  if (!referral) return;
  const appointment = care.begin({ patient: referral.patient, organisation: code, team: 'OUTPATIENTS', userId: staff.userId, type: 'appointment', start: at, end: at + HOUR_MS });
  context.task(referral.patient, appointment).step('view', 'referral').step('view', 'summary').step('view', 'result', 0.5).step('create', 'clinical-note');
  care.list(`recent:${code}`).add({ ...appointment, end: at + 30 * DAY_MS });
  if (random.chance(0.6)) care.list(`letters:${code}`).add({ ...appointment, start: at + HOUR_MS, end: at + 5 * DAY_MS });
  if (random.chance(0.25)) care.orderTest(staff.organisation, appointment, at, at + 2 * HOUR_MS, at + 4 * DAY_MS);
}

/** Radiology and pathology: the tests ordered from them by the emergency department, clinics and (pathology) GPs. */
function diagnostics(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const episode = care.list(`diagnostics:${staff.organisation.code}:${staff.team.code}`).pick(random, at);
  if (!episode) return;
  const label = episode.type === 'test-order'
    ? context.control('gp-test-results', 'Pathology reports a test a GP ordered for a patient with no other link to the hospital: the test order explains it.') : undefined;
  context.task(episode.patient, episode, label).step('view', 'summary', 0.3).step('view', 'result').step('create', 'result', 0.5);
}

/** The hospital pharmacy: inpatients' medicines, on any ward, the team joining each admission's care. */
function hospitalPharmacy(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const wards = staff.organisation.teams.filter((team) => team.work === 'ward');
  const episode = care.list(`ward:${staff.organisation.code}:${random.pick(wards).code}`).pick(random, at);
  if (!episode) return;
  // Verifying the admission's medicines puts the pharmacy team on the patient's care until discharge.
  care.workItem(episode, staff.team.code, 'care-team', at);
  context.task(episode.patient, episode).step('view', 'medication').step('update', 'medication', 0.5);
}

/** Medical records: discharge and clinic letters (sometimes a batch at once), referral triage, each a work item to the team. */
function records(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const code = staff.organisation.code;
  const roll = random.next();
  if (roll < 0.45) {
    const batch = random.chance(0.015) ? 6 + random.int(4) : 1;
    const label = batch > 1 ? context.control('clinic-letters-batch', 'Medical records prints a batch of clinic and discharge letters, under the bulk printing threshold.') : undefined;
    for (let k = 0; k < batch; k++) {
      const letter = care.list(`letters:${code}`).pick(random, at);
      if (!letter) return;
      care.workItem(letter, staff.team.code, 'referral', at);
      context.task(letter.patient, letter, label).step('view', 'document', 0.5).step('print', 'document');
    }
  } else if (roll < 0.8) {
    const referral = care.list(`referrals:${code}`).pick(random, at);
    if (!referral) return;
    // Triage books the referral: a work item to the records team for the next few weeks.
    care.workItem(referral, staff.team.code, 'referral', at, at + 21 * DAY_MS);
    context.task(referral.patient, referral).step('view', 'referral').step('view', 'demographics', 0.6);
  } else {
    const episode = care.list(`recent:${code}`).pick(random, at);
    if (!episode) return;
    care.workItem(episode, staff.team.code, 'referral', at);
    context.task(episode.patient, episode).step('view', 'demographics').step('update', 'demographics', 0.2);
  }
}

/** The information team: planning use of recent patients' records, leaving opted-out patients out. */
function information(context: TaskContext): void {
  const { care, random, staff, at, world } = context;
  const episode = care.list(`recent:${staff.organisation.code}`).pick(random, at, (e) => !world.population.is(e.patient, 'opted-out'));
  if (!episode) return;
  const label = context.control('planning-respecting-opt-outs', 'The information team uses records for planning, leaving out patients who opted out.');
  context.task(episode.patient, episode, label).step('view', 'summary', 1, 'planning');
}

/** A social worker: their own allocated cases. */
function casework(context: TaskContext): void {
  const { care, random, staff, at, world } = context;
  const cases = (care.allocations.get(staff.index) ?? []).filter((episode) => episode.start <= at && at <= episode.end);
  if (cases.length === 0) return;
  const episode = random.pick(cases);
  context.task(episode.patient, episode).step('view', 'social-care').step('update', 'social-care', 0.5).step('view', 'summary', 0.3)
    .step('view', 'safeguarding', world.population.is(episode.patient, 'safeguarding') ? 0.5 : 0);
}

/** The safeguarding hub: new safeguarding referrals. */
function safeguarding(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const episode = care.list(`hub:${staff.organisation.code}`).pick(random, at);
  if (!episode) return;
  context.task(episode.patient, episode).step('view', 'safeguarding', 1, 'safeguarding').step('update', 'safeguarding', 0.5, 'safeguarding').step('view', 'summary', 0.3);
}

/** The emergency duty team, evenings and weekends: new referrals and anyone the council has a case for. */
function duty(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const code = staff.organisation.code;
  const episode = (random.chance(0.5) ? care.list(`duty:${code}`).pick(random, at) : undefined) ?? care.list(`council:${code}`).pick(random, at);
  if (!episode) return;
  const label = context.control('out-of-hours-duty', 'The emergency duty team opens a case allocated to a colleague, out of hours: the council\'s allocation explains it.');
  context.task(episode.patient, episode, label).step('view', 'social-care').step('update', 'social-care', 0.4).step('view', 'summary', 0.3);
}

/** Council business support: demographics of the council's cases. */
function businessSupport(context: TaskContext): void {
  const episode = context.care.list(`council:${context.staff.organisation.code}`).pick(context.random, context.at);
  if (episode) context.task(episode.patient, episode).step('view', 'demographics').step('update', 'demographics', 0.15);
}

/** Community nursing, physiotherapy and health visiting: the team's caseload. */
function caseload(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const episode = care.list(`caseload:${staff.organisation.code}:${staff.team.code}`).pick(random, at);
  if (episode) context.task(episode.patient, episode).step('view', 'summary').step('view', 'medication', 0.3).step('update', 'clinical-note', 0.8);
}

/** Community administration: any team's caseload. */
function communityAdmin(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const team = random.pick(['DISTRICT-NURSING', 'PHYSIOTHERAPY', 'HEALTH-VISITING']);
  const episode = care.list(`caseload:${staff.organisation.code}:${team}`).pick(random, at);
  if (episode) context.task(episode.patient, episode).step('view', 'demographics').step('print', 'document', 0.1);
}

/**
 * A community pharmacy: prescriptions from nearby practices, each dispensed once by the dispensary
 * (the medication record opened, the dispensing recorded) and handed out once at the counter when
 * the patient calls for it, up to three days later.
 */
function dispensing(context: TaskContext): void {
  const { care, random, staff, at } = context;
  const code = staff.organisation.code;
  const dispensary = staff.team.roleClass === 'clinical';
  const episode = care.list(`${dispensary ? 'dispense' : 'collect'}:${code}`).take(random, at);
  if (!episode) return;
  const label = context.control('pharmacy-dispensing', 'A community pharmacy opens the medication record of a patient registered with a GP practice: the prescription explains it.');
  if (dispensary) {
    context.task(episode.patient, episode, label).step('view', 'medication').step('update', 'medication', 0.9).step('view', 'summary', 0.3);
    care.list(`collect:${code}`).add({ ...episode, start: at + (1 + random.int(72)) * HOUR_MS, end: at + 14 * DAY_MS });
  } else {
    context.task(episode.patient, episode, label).step('view', 'medication').step('view', 'summary', 0.2);
  }
}

/** Each kind of team's task. */
export const WORK: Record<WorkKind, Work> = {
  'gp-consult': gpConsult, reception, 'practice-admin': practiceAdmin, ed, ward, outpatients, diagnostics,
  'hospital-pharmacy': hospitalPharmacy, records, information, casework, safeguarding, duty, 'business-support': businessSupport,
  caseload, 'community-admin': communityAdmin, dispensing,
};
