import { randomUUID } from 'node:crypto';

/**
 * Realistic canonical access events for the ingest benchmark: unique ids, a few hundred staff
 * with national RBAC roles and teams, thousands of patients with valid NHS numbers, a day of
 * activity, mostly views with some searches, prints, updates and break-glass accesses.
 */

export const BENCH_SYSTEM = 'bench-sys';
export const BENCH_ORGANISATION = 'A81001';

const ROLES = ['R8000', 'R8001', 'R8003', 'R8008', 'R8013', 'R0260', 'R1981', 'R6200', 'R0570', 'R5080'];
const TEAMS = ['gp-partners', 'practice-nurses', 'reception', 'pharmacy', 'district-nursing', 'admin', 'safeguarding-hub'];
const RECORD_PARTS = [
  'summary', 'clinical-note', 'medication', 'result', 'demographics', 'allergy', 'document', 'referral',
  'mental-health', 'sexual-health', 'safeguarding', 'social-care',
];
const PURPOSES = ['direct-care', 'direct-care', 'direct-care', 'direct-care', 'audit', 'safeguarding', 'planning', 'research'];
const SITES = ['Main Surgery', 'Branch Surgery', 'Community Hub'];

/** Weighted towards what audit logs really hold: overwhelmingly views. */
const ACTIONS: [action: string, weight: number][] = [
  ['view', 70], ['search', 12], ['update', 6], ['create', 4], ['print', 3], ['export', 1], ['disclose', 1], ['delete', 1], ['emergency-access', 2],
];

/** A small deterministic generator (mulberry32), so runs post the same shape of data. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid NHS number: nine digits and their modulus-11 check digit (remainder 10 is skipped). */
export function nhsNumber(next: () => number): string {
  for (;;) {
    let digits = String(4 + Math.floor(next() * 6));
    while (digits.length < 9) digits += String(Math.floor(next() * 10));
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * (10 - i);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${digits}${check === 11 ? 0 : check}`;
  }
}

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)];
}

function weighted(next: () => number): string {
  const total = ACTIONS.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = next() * total;
  for (const [action, weight] of ACTIONS) {
    roll -= weight;
    if (roll < 0) return action;
  }
  return 'view';
}

export interface EventGenerator {
  /** The next event, as a source system would post it. */
  next(): Record<string, unknown>;
}

export function eventGenerator(seed = 20261122, staffCount = 400, patientCount = 20_000): EventGenerator {
  const next = random(seed);
  const staff = Array.from({ length: staffCount }, (_, n) => ({
    id: `G${String(1_000_000 + n * 37)}`,
    role: pick(next, ROLES),
    team: pick(next, TEAMS),
    workstation: `WS-${String(100 + (n % 60))}`,
    ip: `10.${12 + (n % 4)}.${n % 250}.${1 + ((n * 7) % 250)}`,
  }));
  const patients = Array.from({ length: patientCount }, () => nhsNumber(next));
  const dayStart = Date.parse('2026-11-21T00:00:00Z');
  return {
    next() {
      const user = pick(next, staff);
      const action = weighted(next);
      const event: Record<string, unknown> = {
        id: randomUUID(),
        system: BENCH_SYSTEM,
        occurredAt: new Date(dayStart + Math.floor(next() * 86_400_000)).toISOString(),
        organisation: BENCH_ORGANISATION,
        user: next() < 0.8 ? { id: user.id, role: user.role, team: user.team } : { id: user.id, role: user.role },
        patient: { nhsNumber: pick(next, patients) },
        action,
      };
      if (next() < 0.85) event.recordPart = pick(next, RECORD_PARTS);
      if (next() < 0.7) event.purpose = action === 'emergency-access' ? 'emergency' : pick(next, PURPOSES);
      if (next() < 0.6) event.outcome = next() < 0.97 ? 'success' : 'denied';
      if (next() < 0.6) event.workstation = user.workstation;
      if (next() < 0.4) event.ip = user.ip;
      if (next() < 0.3) event.site = pick(next, SITES);
      if (action === 'emergency-access' && next() < 0.7) event.reason = 'Patient attended unscheduled; clinical need to review medication history';
      return event;
    },
  };
}

/** Request bodies (JSON arrays of `batchSize` events), encoded before any timing starts. */
export function requestBodies(events: number, batchSize: number, seed?: number): Buffer[] {
  const generator = eventGenerator(seed);
  const bodies: Buffer[] = [];
  for (let start = 0; start < events; start += batchSize) {
    const size = Math.min(batchSize, events - start);
    const batch = new Array<Record<string, unknown>>(size);
    for (let i = 0; i < size; i++) batch[i] = generator.next();
    bodies.push(Buffer.from(JSON.stringify(batch)));
  }
  return bodies;
}
