import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '../events/accessEvent.js';
import { isValidNhsNumber } from '../events/nhsNumber.js';
import { explainAccess } from '../explain/explainAccess.js';
import { prepareBatch } from '../ingest/prepareBatch.js';
import { prepareReference } from '../reference/prepareReference.js';
import type { Patient, Relationship, Staff } from '../reference/referenceData.js';
import { type Manifest } from './manifest.js';
import { CareSystem } from './organisations.js';
import { Population } from './population.js';
import { simulate } from './simulation.js';
import { SIZES } from './sizes.js';
import { readLabels, readManifestFile, writeSimulation } from './simulationFiles.js';

/** One simulated day of the smoke ICS, written, read back with accesswatch's own parsers and validated as if posted. */

const START = Date.parse('2026-03-02T06:00:00Z');
const folders: string[] = [];
const folder = async () => {
  const made = await mkdtemp(join(tmpdir(), 'accesswatch-simulate-'));
  folders.push(made);
  return made;
};
afterAll(async () => {
  await Promise.all(folders.map((made) => rm(made, { recursive: true, force: true })));
});

async function filesOf(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(root, path), await readFile(path));
  }
  return files;
}

describe('accesswatch simulate (smoke, one day)', () => {
  let out: string;
  let manifest: Manifest;

  beforeAll(async () => {
    out = await folder();
    manifest = await writeSimulation({ seed: 11, size: 'smoke', days: 1, start: START, out });
  });

  it('writes the same bytes for the same seed, and something else for another seed', async () => {
    const again = await folder();
    await writeSimulation({ seed: 11, size: 'smoke', days: 1, start: START, out: again });
    const [first, second] = await Promise.all([filesOf(out), filesOf(again)]);
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [path, bytes] of first) expect(second.get(path)!.equals(bytes), path).toBe(true);

    const other = await folder();
    await writeSimulation({ seed: 12, size: 'smoke', days: 1, start: START, out: other });
    const third = await filesOf(other);
    expect(third.get('reference/patients.csv')!.equals(first.get('reference/patients.csv')!)).toBe(false);
    expect(third.get('labels.ndjson')!.equals(first.get('labels.ndjson')!)).toBe(false);
  });

  it('writes an ICS of the smoke size in every system\'s format', () => {
    expect(manifest.organisations.map((o) => o.kind).sort()).toEqual(['community', 'council', 'pharmacy', 'practice', 'practice', 'trust']);
    expect(new Set(manifest.sources.flatMap((s) => s.files.map((f) => f.format)))).toEqual(new Set(['csv', 'fhir', 'ndjson', 'json']));
    expect(manifest.counts.patients).toBe(2000);
    expect(manifest.counts.staff).toBeGreaterThan(180);
    expect(manifest.counts.events.total).toBeGreaterThan(10_000);
    expect(manifest.counts.labels.misuse).toBeGreaterThan(30);
    expect(manifest.counts.labels.control).toBeGreaterThan(5);
  });

  it('writes only records that accesswatch accepts from the keys the manifest describes', async () => {
    const now = new Date(Date.parse(manifest.end) + 3_600_000);
    for (const source of manifest.sources) {
      for (const file of source.files) {
        const parsed = await readManifestFile(out, file);
        expect(parsed, file.path).toHaveLength(file.records);
        const rejected = file.kind === 'events'
          ? prepareBatch(parsed, { system: source.system, organisations: source.organisations }, now).rejected
          : prepareReference(file.kind, parsed, { organisations: source.organisations }, now).rejected;
        expect(rejected.slice(0, 3), file.path).toEqual([]);
      }
    }
  });

  it('gives valid NHS numbers to patients, staff who are patients, and accesses', async () => {
    const byKind = new Map<string, Record<string, unknown>[]>();
    for (const source of manifest.sources) {
      for (const file of source.files) {
        const values = (await readManifestFile(out, file)).map((record) => record.value!);
        byKind.set(file.kind, [...(byKind.get(file.kind) ?? []), ...values]);
      }
    }
    const patients = byKind.get('patients')!;
    expect(patients.every((p) => isValidNhsNumber(String(p.nhsNumber)))).toBe(true);
    expect(new Set(patients.map((p) => p.nhsNumber)).size).toBe(patients.length);
    const staffNumbers = byKind.get('staff')!.flatMap((s) => (s.nhsNumber ? [String(s.nhsNumber)] : []));
    expect(staffNumbers.length).toBeGreaterThan(10);
    expect(staffNumbers.every((n) => isValidNhsNumber(n))).toBe(true);
    expect(byKind.get('events')!.every((e) => isValidNhsNumber((e.patient as { nhsNumber: string }).nhsNumber))).toBe(true);
  });

  it('keeps households together: members share a surname and an address, and several people live in most', () => {
    const population = new Population({ patients: 2000, practices: 2 }, 11, START);
    const codes = new CareSystem(SIZES.smoke).of('practice').map((p) => p.code);
    let shared = 0;
    for (let h = 0; h < population.households; h++) {
      const members = population.household(population.householdStart[h]).map((i) => population.record(i, codes));
      const [first] = members;
      for (const member of members) {
        expect(member.surname).toBe(first.surname);
        expect(member.address).toEqual(first.address);
      }
      if (members.length > 1) shared++;
    }
    expect(shared / population.households).toBeGreaterThan(0.5);
    const addresses = new Map<string, Patient[]>();
    for (let i = 0; i < population.size; i++) {
      const record = population.record(i, codes);
      const key = `${record.address.line1}|${record.address.postcode}`;
      addresses.set(key, [...(addresses.get(key) ?? []), record]);
    }
    expect(addresses.size).toBe(population.households);
  });

  it('writes each access as its system\'s parser reads it back (FHIR keeps what its mapping can carry)', async () => {
    const generated = new Map<string, AccessEvent>();
    for (const record of simulate({ seed: 11, size: 'smoke', days: 1, start: START })) {
      if (record.kind === 'event') generated.set(`${record.event.system}|${record.event.id}`, record.event);
    }
    let compared = 0;
    for (const source of manifest.sources.filter((s) => s.scopes.includes('events'))) {
      for (const file of source.files) {
        for (const { value } of await readManifestFile(out, file)) {
          const read = { system: source.system, ...value } as unknown as AccessEvent;
          const original = generated.get(`${source.system}|${read.id}`)!;
          expect(original, `${file.path} ${read.id}`).toBeDefined();
          expect(Date.parse(read.occurredAt)).toBe(Date.parse(original.occurredAt));
          if (file.format === 'fhir') {
            const { recordPart, purpose, outcome, user, ...rest } = original;
            expect({ ...read, occurredAt: original.occurredAt }).toMatchObject({ ...rest, user: { id: user.id, role: user.role } });
            if (['result', 'medication', 'allergy', 'document'].includes(recordPart ?? '')) expect(read.recordPart).toBe(recordPart);
            expect(read.purpose ?? 'direct-care').toBe(purpose === 'safeguarding' ? 'safeguarding' : purpose);
            expect(read.outcome).toBe(outcome === 'success' ? 'success' : 'error');
          } else {
            expect({ ...read, occurredAt: original.occurredAt }).toEqual(original);
          }
          compared++;
        }
      }
    }
    expect(compared).toBe(generated.size);
  });

  it('labels every injected access, with the rules expected and the subject', async () => {
    const labels = await readLabels(out, manifest);
    const misuse = labels.filter((l) => l.kind === 'misuse');
    expect(misuse.length).toBe(manifest.counts.labels.misuse);
    for (const label of misuse) {
      expect(label.ruleIds.length, label.scenario).toBeGreaterThan(0);
      expect(label.subject.organisation, label.scenario).toMatch(/^[A-Z0-9]{3,10}$/);
      expect(label.events.length > 0 || label.subject.system !== undefined, label.scenario).toBe(true);
      expect(Date.parse(label.from)).toBeLessThanOrEqual(Date.parse(label.to));
    }
    expect(manifest.counts.events.misuse).toBe(misuse.reduce((sum, l) => sum + l.events.length, 0));
  });
});

describe('a day that does not start at midnight', () => {
  const skippedFrom = (start: string) => {
    const run = simulate({ seed: 11, size: 'smoke', days: 1, start: Date.parse(start) });
    let step = run.next();
    while (!step.done) step = run.next();
    return { skipped: step.value.skipped.map((s) => s.scenario).sort(), misuse: step.value.counts.labels.misuse };
  };

  it('holds the scenarios a midnight-to-midnight day holds, in the working hours of both days it touches', () => {
    // Run from mid-afternoon (as `accesswatch demo` does, a day ending now), a day's scenarios
    // must not need the first calendar day's working hours alone.
    const midnight = skippedFrom('2026-03-03T00:00:00Z');
    const afternoon = skippedFrom('2026-03-02T15:00:00Z');
    expect(afternoon.skipped).toEqual(midnight.skipped);
    expect(afternoon.misuse).toBe(midnight.misuse);
    expect(midnight.misuse).toBeGreaterThan(30);
  });
});

describe('the trust\'s departments that serve every ward record their work at team level', () => {
  const staff = new Map<string, Staff>();
  const patients = new Map<string, Patient>();
  const relationships = new Map<string, Relationship[]>();
  const events: AccessEvent[] = [];
  const injected = new Set<string>();
  for (const record of simulate({ seed: 11, size: 'smoke', days: 2, start: START })) {
    if (record.kind === 'staff') staff.set(`${record.record.organisation}|${record.record.userId}`, record.record);
    else if (record.kind === 'patient') patients.set(record.record.nhsNumber, record.record);
    else if (record.kind === 'relationship') relationships.set(record.record.nhsNumber, [...(relationships.get(record.record.nhsNumber) ?? []), record.record]);
    else if (record.kind === 'event') events.push(record.event);
    else if (record.label.kind === 'misuse') for (const e of record.label.events) injected.add(`${e.system}|${e.id}`);
  }
  const trust = 'RZA';
  const teamOf = (event: AccessEvent) => staff.get(`${event.organisation}|${event.user.id}`)?.team;
  const explain = (event: AccessEvent) => explainAccess(event, {
    staff: staff.get(`${event.organisation}|${event.user.id}`), patient: patients.get(event.patient.nhsNumber),
    relationships: relationships.get(event.patient.nhsNumber) ?? [],
  }, { marginDays: 30 });
  const routine = events.filter((e) => e.organisation === trust && !injected.has(`${e.system}|${e.id}`));

  it('explains pharmacy\'s, radiology\'s and medical records\' routine accesses by their own team\'s care', () => {
    for (const team of ['PHARMACY', 'RADIOLOGY', 'MEDICAL-RECORDS']) {
      const accesses = routine.filter((e) => teamOf(e) === team);
      expect(accesses.length, team).toBeGreaterThan(50);
      const levels = accesses.map((e) => explain(e).by?.level);
      expect(levels.filter((level) => level !== 'team' && level !== 'user'), team).toEqual([]);
    }
  });

  it('writes a department\'s work item only about patients it worked on, so others stay explained at organisation level', () => {
    const worked = new Set(events.filter((e) => e.organisation === trust).map((e) => `${teamOf(e)}|${e.patient.nhsNumber}`));
    const items = [...relationships.values()].flat().filter((r) => r.organisation === trust && (r.team === 'PHARMACY' || r.team === 'MEDICAL-RECORDS'));
    expect(items.length).toBeGreaterThan(20);
    expect(items.filter((r) => !worked.has(`${r.team}|${r.nhsNumber}`))).toEqual([]);

    // A nurse on another ward, or a records clerk with no work item, opening an admitted patient's record.
    const admission = [...relationships.values()].flat().find((r) => r.organisation === trust && r.type === 'admission'
      && !relationships.get(r.nhsNumber)!.some((o) => o.organisation === trust && o.team === 'MEDICAL-RECORDS'))!;
    const otherWard = [...staff.values()].find((m) => m.organisation === trust && m.team?.startsWith('WARD-') && m.team !== admission.team)!;
    const clerk = [...staff.values()].find((m) => m.organisation === trust && m.team === 'MEDICAL-RECORDS')!;
    for (const user of [otherWard, clerk]) {
      const event: AccessEvent = {
        id: `probe-${user.userId}`, occurredAt: new Date(Date.parse(`${admission.start}T12:00:00Z`)).toISOString(), system: 'epr-rza', organisation: trust,
        user: { id: user.userId, role: user.role }, patient: { nhsNumber: admission.nhsNumber }, action: 'view',
      };
      expect(explain(event).by, user.team).toMatchObject({ type: 'admission', level: 'organisation' });
    }
  });
});
