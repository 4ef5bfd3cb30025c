import type { AlertUpdate, DismissalReason, Severity } from '../engine/alerts/alert.js';
import type { AlertChange } from '../engine/alerts/triage.js';
import type { AccessEvent, StoredEvent } from '../engine/events/accessEvent.js';
import { eventDocId, eventFingerprint } from '../engine/events/canonical.js';
import type { Alert } from '../engine/alerts/alert.js';
import { openIncident } from '../engine/incidents/incidentChanges.js';
import type { Incident } from '../engine/incidents/incident.js';
import type { Stored, Staff } from '../engine/reference/referenceData.js';
import { nhsNumber, random } from './accessEvents.js';

/**
 * The data of the Caldicott report benchmark, generated deterministically (seeded): a month of
 * access events at four organisations, about 94% of them explained (as in the explanation-based
 * auditing research), alerts of the catalogue's rules about their users and patients, the triage
 * of part of them, and a few incidents.
 */

/** The organisations the data is spread over (the guardian of the benchmark has all four). */
export const ORGANISATIONS = ['A81001', 'A81002', 'RX1', 'RRK'] as const;
/** The month the events fall in (October 2026), reported on as a whole. */
export const PERIOD = { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' };
const PERIOD_MS = Date.parse(PERIOD.to) - Date.parse(PERIOD.from);
/** The share of accesses stored as explained, as explanation-based auditing found in hospital logs. */
const EXPLAINED_SHARE = 0.94;
const STAFF = 2000;
const PATIENTS = 100_000;
const ROLE_CLASSES = ['clinical', 'clinical', 'clinical', 'non-clinical', 'admin', 'social-care'] as const;

/** Rules of the catalogue with their severity and title, the commonest first. */
const RULES: [id: string, severity: Severity, title: string][] = [
  ['AW-LR-001', 'medium', 'Access not explained by any legitimate relationship'],
  ['AW-IA-008', 'medium', 'Emergency (break-glass) access'],
  ['AW-IA-009', 'low', 'Access on a self-claimed legitimate relationship'],
  ['AW-BP-010', 'low', 'Access from a workstation new to the user'],
  ['AW-IA-002', 'medium', 'Record of a family member or neighbour opened'],
  ['AW-IA-003', 'medium', 'Record of a co-worker opened'],
  ['AW-BP-001', 'medium', "Many different patients' records opened in an hour"],
  ['AW-IA-007', 'medium', 'Sensitive part of a record opened by a role not allowed it'],
  ['AW-BP-003', 'high', 'Bulk printing or export of records'],
  ['AW-IA-006', 'high', 'Access by a leaver or by a user unknown to the organisation'],
  ['AW-IA-001', 'high', 'Member of staff opened their own record'],
  ['AW-IA-004', 'high', 'VIP or restricted record opened without a care relationship'],
  ['AW-BP-005', 'high', 'Records opened in NHS number order (enumeration)'],
  ['AW-IA-005', 'medium', "Deceased patient's record opened without a care relationship"],
  ['AW-BP-007', 'high', 'One user at two sites within minutes'],
];

const iso = (ms: number) => new Date(ms).toISOString();

/** Everyone and everything the generated data refers to. */
export class CaldicottBenchData {
  private readonly next = random(20261001);
  readonly staff = Array.from({ length: STAFF }, (_, n) => ({
    userId: `U${100_000 + n}`, organisation: ORGANISATIONS[n % ORGANISATIONS.length], roleClass: ROLE_CLASSES[n % ROLE_CLASSES.length],
  }));
  readonly patients = Array.from({ length: PATIENTS }, () => nhsNumber(this.next));

  private pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)];
  }

  /** The staff records, as a source system would upsert them. */
  staffRecords(): Stored<Staff>[] {
    return this.staff.map((person, n) => ({
      record: {
        userId: person.userId, organisation: person.organisation, name: `Name${n}`, surname: `Surname${n}`, role: 'R8000',
        roleClass: person.roleClass, start: '2020-01-01',
      },
      receivedAt: '2026-09-30T00:00:00.000Z',
    }));
  }

  /** Events number `start` to `start + count - 1`, each judged (explained or not) as the pipeline stores them. */
  events(start: number, count: number): StoredEvent[] {
    return Array.from({ length: count }, (_, i) => {
      const user = this.pick(this.staff);
      const occurredAt = iso(Date.parse(PERIOD.from) + Math.floor(this.next() * PERIOD_MS));
      const event: AccessEvent = {
        id: `ev-${start + i}`, occurredAt, system: `sys-${user.organisation.toLowerCase()}`, organisation: user.organisation,
        user: { id: user.userId, role: 'R8000' }, patient: { nhsNumber: this.pick(this.patients) }, action: this.next() < 0.9 ? 'view' : 'update',
        purpose: 'direct-care',
      };
      const explained = this.next() < EXPLAINED_SHARE;
      return {
        docId: eventDocId(event.system, event.id), event, sha256: eventFingerprint(event), receivedAt: occurredAt, batchId: `batch-${Math.floor((start + i) / 10_000)}`,
        explanation: explained
          ? { explained: true, checked: [`registration of the patient with ${user.organisation}`], by: { type: 'registration', level: 'organisation', organisation: user.organisation, withinMargin: false } }
          : { explained: false, checked: [`registration of the patient with ${user.organisation}`, 'care relationships of the patient'], why: `no registration or care relationship at ${user.organisation} explains the access` },
      };
    });
  }

  /** Alert updates that each open an alert of their own (a distinct subject per alert), or a signal. */
  alertUpdates(start: number, count: number, raises: 'alert' | 'signal'): AlertUpdate[] {
    return Array.from({ length: count }, (_, i) => {
      // Lower rule numbers are commoner: the square of a uniform number leans towards 0.
      const [ruleId, severity, title] = raises === 'signal' ? ['AW-IA-011', 'low' as Severity, 'Access outside working hours'] : RULES[Math.floor(this.next() ** 2 * RULES.length)];
      const user = this.pick(this.staff);
      const first = Date.parse(PERIOD.from) + Math.floor(this.next() * (PERIOD_MS - 86_400_000));
      // Most alerts rest on a few events; one in ten (bulk prints, many patients an hour) on up to 200.
      const evidenceCount = this.next() < 0.9 ? 1 + Math.floor(this.next() * 8) : 10 + Math.floor(this.next() * 191);
      const evidence = Array.from({ length: evidenceCount }, (_, e) => ({
        docId: `bench-evidence-${raises}-${start + i}-${e}`, system: `sys-${user.organisation.toLowerCase()}`, id: `ev-alert-${start + i}-${e}`,
        occurredAt: iso(first + e * 60_000),
      }));
      return {
        ruleId, title, severity, raises,
        subject: { organisation: user.organisation, userId: user.userId, nhsNumber: this.patients[(start + i) % PATIENTS] },
        firstSeenAt: evidence[0].occurredAt, lastSeenAt: evidence.at(-1)!.occurredAt,
        explanation: { text: `${user.userId} opened a record at ${user.organisation} that no registration or care relationship explains.`, checked: ['registration', 'care relationships'], why: 'nothing explains it' },
        evidence,
      };
    });
  }

  /**
   * Triage of the stored alerts: about 35% dismissed (reasons in turn), 10% confirmed and 5%
   * being investigated, each 1 to 72 hours after the alert was raised; the rest stay open.
   */
  triage(alerts: readonly Alert[]): AlertChange[] {
    const reasons: DismissalReason[] = ['explained-by-care', 'explained-by-care', 'authorised-by-policy', 'data-quality', 'duplicate'];
    return alerts.flatMap((alert, n): AlertChange[] => {
      const roll = this.next();
      const to = roll < 0.35 ? 'dismissed' : roll < 0.45 ? 'confirmed' : roll < 0.5 ? 'investigating' : undefined;
      if (!to) return [];
      const at = iso(Date.parse(alert.createdAt) + (1 + Math.floor(this.next() * 72)) * 3_600_000);
      const reason = to === 'dismissed' ? reasons[n % reasons.length] : undefined;
      return [{ id: alert.id, expectedVersion: alert.version, entry: { at, by: 'bench-officer', byName: 'bench officer', from: alert.status, to, ...(reason ? { reason } : {}) } }];
    });
  }

  /** Incidents of confirmed alerts, one per `every` of them, aware a day after the alert was raised. */
  incidents(confirmed: readonly Alert[], every = 20): Incident[] {
    return confirmed.filter((_, n) => n % every === 0).map((alert, n) => openIncident({
      id: `bench-incident-${n}`, organisation: alert.organisation, title: `${alert.title}: ${alert.userId}`, description: 'Confirmed in triage',
      alertIds: [alert.id], awareAt: iso(Date.parse(alert.firstSeenAt) + 86_400_000), createdBy: 'bench-officer',
    }, iso(Date.parse(alert.firstSeenAt) + 86_400_000)));
  }
}
