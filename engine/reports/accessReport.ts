import type { StoredEvent } from '../events/accessEvent.js';
import { lookUpBatchReference } from '../reference/batchReference.js';
import type { EventStore, ReferenceStore } from '../store/port.js';

/**
 * "Who looked at my record?" and "what did this user do?": stored accesses as rows a patient, an
 * IG officer or an investigator reads, with the role and role class from the staff record and
 * whether the access was explained. Staff appear by their user id, role and team, not by name:
 * the organisation decides what of its staff's identity to disclose to a patient.
 */
export interface AccessRow {
  occurredAt: string;
  organisation: string;
  system: string;
  userId: string;
  role: string;
  roleClass?: string;
  team?: string;
  nhsNumber: string;
  action: string;
  recordPart?: string;
  purpose?: string;
  outcome?: string;
  explained?: boolean;
  /** What explained it (`registration`, `admission`, ...), when something did. */
  explainedBy?: string;
}

/** The columns of an access report, in order (CSV header and PDF table). */
export const ACCESS_ROW_COLUMNS: (keyof AccessRow)[] = [
  'occurredAt', 'organisation', 'system', 'userId', 'role', 'roleClass', 'team', 'nhsNumber',
  'action', 'recordPart', 'purpose', 'outcome', 'explained', 'explainedBy',
];

/** Rows for a page of stored events, with one staff lookup for the whole page. */
export async function accessRowsOf(events: readonly StoredEvent[], store: ReferenceStore): Promise<AccessRow[]> {
  if (events.length === 0) return [];
  const reference = await lookUpBatchReference(events, store, { relationships: false, patientsAsStaff: false });
  return events.map(({ event, explanation }) => {
    const staff = reference.staffOf(event);
    const team = event.user.team ?? staff?.team;
    return {
      occurredAt: event.occurredAt,
      organisation: event.organisation,
      system: event.system,
      userId: event.user.id,
      role: event.user.role,
      ...(staff ? { roleClass: staff.roleClass } : {}),
      ...(team !== undefined ? { team } : {}),
      nhsNumber: event.patient.nhsNumber,
      action: event.action,
      ...(event.recordPart !== undefined ? { recordPart: event.recordPart } : {}),
      ...(event.purpose !== undefined ? { purpose: event.purpose } : {}),
      ...(event.outcome !== undefined ? { outcome: event.outcome } : {}),
      ...(explanation ? { explained: explanation.explained } : {}),
      ...(explanation?.by ? { explainedBy: explanation.by.type } : {}),
    };
  });
}

export interface AccessReportQuery {
  organisations: string[];
  nhsNumber?: string;
  userId?: string;
  from?: string;
  to?: string;
}

/** Every matching access, newest first, page by page, up to `maxRows` (a CSV or PDF report). */
export async function allAccessRows(store: EventStore & ReferenceStore, query: AccessReportQuery, maxRows: number): Promise<{ rows: AccessRow[]; events: StoredEvent[]; truncated: boolean }> {
  const rows: AccessRow[] = [];
  const events: StoredEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.queryEvents({ ...query, limit: Math.min(1000, maxRows - rows.length), cursor });
    rows.push(...await accessRowsOf(page.events, store));
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor && rows.length < maxRows);
  return { rows, events, truncated: cursor !== undefined };
}
