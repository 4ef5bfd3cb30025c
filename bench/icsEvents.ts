import type { RoleClass } from '../engine/reference/referenceData.js';
import { random } from './accessEvents.js';
import { activeAt, IcsReference, type IcsOrganisation } from './icsReference.js';

/**
 * Access events whose users and patients come from the generated ICS reference data, in the
 * mix an ICS's audit logs would hold: most accesses explained by the patient's registration with
 * the user's practice or by a care relationship with the user's organisation, a few percent that
 * nothing explains, a small share that trips per-event rules (own record, a VIP's record without
 * a relationship), and users doing bursts that trip windowed rules (many distinct patients in an
 * hour, bulk printing, denied attempts). Every event is stamped with the time it was generated.
 */

export const ICS_SYSTEM = 'ics-bench';

export interface IcsMix {
  /** Share of accesses nothing explains (a trust user, a patient of another trust). */
  unexplained: number;
  /** Share of accesses to the user's own record. */
  ownRecord: number;
  /** Share of accesses to a VIP's record without a relationship. */
  vip: number;
  /** Events between the starts of two bursts (0: none). */
  burstEvery: number;
}

export const DEFAULT_MIX: IcsMix = { unexplained: 0.03, ownRecord: 0.0005, vip: 0.0005, burstEvery: 2000 };

/** The bursts, in turn: distinct patients viewed, prints, denied attempts; each a little over its rule's threshold. */
export const BURSTS = [
  { kind: 'many-patients', ruleId: 'AW-BP-001', events: 60 },
  { kind: 'bulk-print', ruleId: 'AW-BP-003', events: 30 },
  { kind: 'denied-attempts', ruleId: 'AW-BP-006', events: 12 },
] as const;

/** What the generator put in on purpose, to set beside the alerts that come out. */
export interface Designed {
  explained: number;
  unexplained: number;
  ownRecord: number;
  vip: number;
  bursts: Record<(typeof BURSTS)[number]['kind'], number>;
}

export interface IcsEvents {
  bodies: Buffer[];
  /** Each event's NHS number (events are numbered in posting order: event n is `<runId>-<n>`). */
  patients: Float64Array;
  designed: Designed;
}

const ACTIONS: [string, number][] = [
  ['view', 79], ['search', 8], ['update', 6], ['create', 3], ['print', 2], ['export', 0.3], ['disclose', 0.3], ['delete', 0.2], ['emergency-access', 0.2],
];
const ACTION_WEIGHT = ACTIONS.reduce((sum, [, weight]) => sum + weight, 0);
const PARTS: Record<RoleClass, string[]> = {
  clinical: ['summary', 'clinical-note', 'medication', 'result', 'allergy', 'document', 'referral', 'mental-health', 'sexual-health', 'safeguarding'],
  'non-clinical': ['summary', 'demographics', 'document', 'referral'],
  admin: ['demographics', 'document'],
  'social-care': ['summary', 'social-care', 'safeguarding', 'demographics'],
};
/** Relationships counted as explaining an access are active this many days either side (the server allows 30). */
const MARGIN_DAYS = 25;

interface Access {
  member: number;
  patient: number;
}

export class IcsEventGenerator {
  private readonly next: () => number;
  private readonly practices: readonly IcsOrganisation[];
  private readonly trusts: readonly IcsOrganisation[];

  constructor(private readonly ics: IcsReference, seed: number) {
    this.next = random(seed);
    this.practices = ics.kind('practice');
    this.trusts = ics.kind('acute');
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)];
  }

  /** A member of staff still in post, at `organisation` when given. */
  member(organisation?: IcsOrganisation): number {
    for (;;) {
      const member = organisation
        ? organisation.firstStaff + Math.floor(this.next() * organisation.staffCount)
        : Math.floor(this.next() * this.ics.sizes.staff);
      if (!this.ics.isLeaver(member)) return member;
    }
  }

  /** A patient registered with a practice or looked after by a trust, council or community service. */
  private patientOf(organisation: IcsOrganisation): number {
    const served = Math.floor((this.ics.sizes.patients - organisation.index - 1) / this.ics.kind(organisation.kind).length) + 1;
    return this.ics.patientAt(organisation, Math.floor(this.next() * served))!;
  }

  private related(patient: number, organisation: IcsOrganisation, at: number): boolean {
    return this.ics.relationshipPlan(patient).some((r) => r.organisation === organisation && activeAt(r, at, MARGIN_DAYS));
  }

  /** An access explained by a registration or by an active relationship with the user's organisation. */
  explained(at: number): Access {
    const member = this.member();
    const organisation = this.ics.organisationOfStaff(member);
    if (organisation.kind === 'practice') return { member, patient: this.patientOf(organisation) };
    for (let attempt = 0; attempt < 12; attempt++) {
      const patient = this.patientOf(organisation);
      if (this.related(patient, organisation, at)) return { member, patient };
    }
    const practice = this.pick(this.practices);
    return { member: this.member(practice), patient: this.patientOf(practice) };
  }

  /** A trust user and a patient the trust has no active relationship with. */
  unexplained(at: number): Access {
    for (;;) {
      const organisation = this.pick(this.trusts);
      const patient = Math.floor(this.next() * this.ics.sizes.patients);
      if (!this.related(patient, organisation, at)) return { member: this.member(organisation), patient };
    }
  }

  ownRecord(): Access {
    for (;;) {
      const member = this.member();
      const own = this.ics.ownPatient(member);
      if (own !== undefined) return { member, patient: own };
    }
  }

  /** A trust user and a VIP the trust has no active relationship with. */
  vip(at: number): Access {
    const patient = Math.min(this.ics.sizes.patients - 1, 17 + 1000 * Math.floor(this.next() * Math.floor(this.ics.sizes.patients / 1000)));
    for (let attempt = 0; ; attempt++) {
      const organisation = this.pick(this.trusts);
      if (attempt > 20 || !this.related(patient, organisation, at)) return { member: this.member(organisation), patient };
    }
  }

  /** The canonical event of an access, as a source system posts it. */
  event(id: string, access: Access, at: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const staff = this.ics.staff(access.member);
    const organisation = this.ics.organisationOfStaff(access.member);
    let roll = this.next() * ACTION_WEIGHT;
    const action = (ACTIONS.find(([, weight]) => (roll -= weight) < 0) ?? ACTIONS[0])[0];
    const event: Record<string, unknown> = {
      id, occurredAt: new Date(at).toISOString(), organisation: organisation.code,
      user: { id: staff.userId, role: staff.role, team: staff.team }, patient: { nhsNumber: this.ics.nhsNumber(access.patient) }, action,
      workstation: `WS-${organisation.code}-${access.member % 400}`, site: organisation.code,
    };
    if (this.next() < 0.85) event.recordPart = this.pick(PARTS[staff.roleClass]);
    if (this.next() < 0.7) event.purpose = action === 'emergency-access' ? 'emergency' : this.next() < 0.97 ? 'direct-care' : this.pick(['audit', 'research', 'planning']);
    if (this.next() < 0.6) event.outcome = this.next() < 0.996 ? 'success' : 'denied';
    if (action === 'emergency-access' && this.next() < 0.7) event.reason = 'Unscheduled attendance; clinical need to review medication history';
    if (this.next() < 0.001) event.relationshipClaim = 'self-claimed';
    return Object.assign(event, overrides);
  }
}

/**
 * Request bodies of `count` events in batches of `batchSize`, ids `<runId>-<n>`, generated before
 * any timing. Bursts are spread over the next three batches' worth of events.
 */
export function icsRequestBodies(ics: IcsReference, count: number, batchSize: number, runId: string, mix: IcsMix = DEFAULT_MIX, seed = 20261122): IcsEvents {
  const generator = new IcsEventGenerator(ics, seed);
  const next = random(seed + 1);
  const patients = new Float64Array(count);
  const designed: Designed = { explained: 0, unexplained: 0, ownRecord: 0, vip: 0, bursts: { 'many-patients': 0, 'bulk-print': 0, 'denied-attempts': 0 } };
  /** Burst events waiting for their turn, by the event number they take. */
  const scheduled = new Map<number, (id: string, at: number) => Record<string, unknown>>();
  const bodies: Buffer[] = [];
  let batch: string[] = [];
  let burst = 0;
  for (let n = 0; n < count; n++) {
    const id = `${runId}-${n}`;
    const at = Date.now();
    if (mix.burstEvery > 0 && n % mix.burstEvery === 0 && n + 3 * batchSize < count) {
      const { kind, events } = BURSTS[burst++ % BURSTS.length];
      designed.bursts[kind]++;
      const practice = generator.pick(ics.kind('practice'));
      const member = generator.member(practice);
      const step = Math.max(1, Math.floor((3 * batchSize) / events));
      for (let k = 0; k < events; k++) {
        let slot = n + 1 + k * step;
        while (scheduled.has(slot)) slot++;
        const patient = ics.patientAt(practice, k * 7 + Math.floor(next() * 5))!;
        const overrides = kind === 'bulk-print' ? { action: 'print' } : kind === 'denied-attempts' ? { action: 'view', outcome: 'denied' } : { action: 'view' };
        scheduled.set(slot, (burstId, burstAt) => generator.event(burstId, { member, patient }, burstAt, overrides));
      }
    }
    let event: Record<string, unknown>;
    const planned = scheduled.get(n);
    if (planned) {
      scheduled.delete(n);
      event = planned(id, at);
    } else {
      const roll = next();
      let access: Access;
      if (roll < mix.ownRecord) { access = generator.ownRecord(); designed.ownRecord++; }
      else if (roll < mix.ownRecord + mix.vip) { access = generator.vip(at); designed.vip++; }
      else if (roll < mix.ownRecord + mix.vip + mix.unexplained) { access = generator.unexplained(at); designed.unexplained++; }
      else { access = generator.explained(at); designed.explained++; }
      event = generator.event(id, access, at);
    }
    patients[n] = Number((event.patient as { nhsNumber: string }).nhsNumber);
    batch.push(JSON.stringify(event));
    if (batch.length === batchSize || n === count - 1) {
      bodies.push(Buffer.from(`[${batch.join(',')}]`));
      batch = [];
    }
  }
  return { bodies, patients, designed };
}
