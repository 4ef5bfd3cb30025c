import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.js';
import { ingestFile, IngestStoppedError } from './ingest.js';

// `accesswatch ingest --kind ...` against the real app, listening on a real port.
describe('ingesting reference data files', () => {
  let t: TestApp;
  let url: string;
  let key: string;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    key = await t.sourceKey('esr-a81001', ['A81001'], ['reference']);
    dir = await mkdtemp(join(tmpdir(), 'accesswatch-reference-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('posts staff, patients and relationships files in batches to their endpoints and sums up', async () => {
    const staffFile = join(dir, 'staff.csv');
    const staffRows = Array.from({ length: 25 }, (_, i) => `G${i},A81001,Name ${i},Surname,R8000,${i === 7 ? 'doctor' : 'clinical'},2020-01-06`);
    await writeFile(staffFile, `userId,organisation,name,surname,role,roleClass,start\n${staffRows.join('\n')}\n`);
    const staff = await ingestFile({ file: staffFile, url, token: key, kind: 'staff', batchSize: 10 });
    expect(staff).toMatchObject({ records: 25, accepted: 24, duplicates: 0, batches: 3 });
    expect(staff.rejected).toEqual([{ index: 7, errors: ['roleClass: must be one of clinical, non-clinical, social-care, admin; got "doctor"'] }]);
    expect(await t.deployment.store.findStaff([{ userId: 'G24', organisation: 'A81001' }])).toHaveLength(1);

    const patientsFile = join(dir, 'patients.ndjson');
    const patient = { nhsNumber: '9434765919', surname: 'Smith', dateOfBirth: '1970-05-01', address: { line1: '1 High Street', postcode: 'LS1 4AP' }, registeredPractice: 'A81001' };
    await writeFile(patientsFile, [patient, { ...patient, nhsNumber: '9434765870', flags: ['vip'] }].map((p) => JSON.stringify(p)).join('\n'));
    expect(await ingestFile({ file: patientsFile, url, token: key, kind: 'patients' })).toMatchObject({ records: 2, accepted: 2, rejected: [] });

    const relationshipsFile = join(dir, 'relationships.json');
    await writeFile(relationshipsFile, JSON.stringify([
      { nhsNumber: '9434765919', organisation: 'A81001', userId: 'G1', type: 'care-team', start: '2026-01-01' },
      { nhsNumber: '9434765919', organisation: 'A81001', type: 'registration', start: '2019-04-01' },
    ]));
    expect(await ingestFile({ file: relationshipsFile, url, token: key, kind: 'relationships' })).toMatchObject({ records: 2, accepted: 2 });
    expect((await t.deployment.store.findRelationships(['9434765919'])).map((r) => r.record.type).sort()).toEqual(['care-team', 'registration']);
  });

  it('stops with the server\'s reason when the key may not post reference data', async () => {
    const eventsOnly = await t.sourceKey('emis-a81001', ['A81001'], ['events']);
    const file = join(dir, 'more-patients.ndjson');
    await writeFile(file, '{"nhsNumber": "9434765919"}\n');
    const failure = await ingestFile({ file, url, token: eventsOnly, kind: 'patients' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IngestStoppedError);
    expect((failure as Error).message).toBe('the key is not allowed to do this (403): this key has no "reference" scope (it has: events)');
  });
});
