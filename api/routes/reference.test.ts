import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/harness.js';

const ann = {
  userId: 'G1234567', organisation: 'A81001', name: 'Ann', surname: 'Lee', role: 'R8000', roleClass: 'clinical',
  team: 'blue', address: { line1: '2 Low Road', postcode: 'LS2 9JT' }, nhsNumber: '9434765870', start: '2020-01-06',
};
const smith = {
  nhsNumber: '9434765919', surname: 'Smith', dateOfBirth: '1970-05-01', address: { line1: '1 High Street', postcode: 'LS1 4AP' },
  flags: ['vip'], optOuts: ['national'], registeredPractice: 'A81001',
};
const registration = { id: 'reg-1', nhsNumber: '9434765919', organisation: 'A81001', type: 'registration', start: '2019-04-01' };

describe('POST /v1/reference/{staff,patients,relationships}', () => {
  let t: TestApp;
  let key: string;

  beforeEach(async () => {
    t = await startTestApp({ env: { ACCESSWATCH_MAX_EVENTS: '50' } });
    key = await t.sourceKey('esr-a81001', ['A81001'], ['reference']);
  });
  afterEach(async () => t.close());

  const post = (kind: string, payload: string | object, contentType = 'application/json', bearer = key) =>
    t.app.inject({
      method: 'POST', url: `/v1/reference/${kind}`,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const ndjson = (...records: object[]) => records.map((record) => JSON.stringify(record)).join('\n');
  const store = () => t.deployment.store;

  it('stores staff from a JSON array exactly as posted, with when it was received', async () => {
    const before = Date.now();
    const response = await post('staff', [ann]);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 1, rejected: [] });
    const [stored] = await store().findStaff([{ userId: 'G1234567', organisation: 'A81001' }]);
    expect(stored.record).toEqual(ann);
    expect(Date.parse(stored.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('takes each kind as NDJSON and as {"<kind>": [...]}', async () => {
    expect((await post('staff', ndjson(ann, { ...ann, userId: 'G2' }), 'application/x-ndjson')).json()).toEqual({ accepted: 2, rejected: [] });
    expect((await post('patients', ndjson(smith), 'application/x-ndjson')).json()).toEqual({ accepted: 1, rejected: [] });
    expect((await post('relationships', ndjson(registration), 'application/ndjson')).json()).toEqual({ accepted: 1, rejected: [] });
    expect((await post('patients', { patients: [{ ...smith, nhsNumber: '9434765870' }] })).json()).toEqual({ accepted: 1, rejected: [] });
    expect((await post('relationships', { relationships: [{ ...registration, id: 'reg-2' }] })).json()).toEqual({ accepted: 1, rejected: [] });
    expect(await store().findStaff([{ userId: 'G2', organisation: 'A81001' }])).toHaveLength(1);
    expect(await store().findPatients(['9434765919', '9434765870'])).toHaveLength(2);
    expect(await store().findRelationships(['9434765919'])).toHaveLength(2);
  });

  it('takes CSV with dotted nested columns and ;-separated list cells', async () => {
    const staffCsv = ['userId,organisation,name,surname,role,roleClass,team,address.line1,address.postcode,start,end',
      'G1234567,A81001,Ann,Lee,R8000,clinical,,"2 Low Road, Leeds",LS2 9JT,2020-01-06,2026-11-30T17:00:00Z'].join('\n');
    expect((await post('staff', staffCsv, 'text/csv')).json()).toEqual({ accepted: 1, rejected: [] });
    expect((await store().findStaff([{ userId: 'G1234567', organisation: 'A81001' }]))[0].record).toEqual({
      userId: 'G1234567', organisation: 'A81001', name: 'Ann', surname: 'Lee', role: 'R8000', roleClass: 'clinical',
      address: { line1: '2 Low Road, Leeds', postcode: 'LS2 9JT' }, start: '2020-01-06', end: '2026-11-30T17:00:00Z',
    });

    const patientsCsv = ['nhsNumber,surname,dateOfBirth,address.line1,address.postcode,flags,optOuts,registeredPractice',
      '943 476 5919,Smith,1970-05-01,1 High Street,LS1 4AP,vip; restricted,type-1,A81001',
      '9434765870,Jones,1980-02-29,3 Mill Lane,LS6 1AA,,,A81001'].join('\n');
    expect((await post('patients', patientsCsv, 'text/csv; charset=utf-8')).json()).toEqual({ accepted: 2, rejected: [] });
    const patients = await store().findPatients(['9434765919', '9434765870']);
    expect(patients.find((p) => p.record.surname === 'Smith')?.record).toMatchObject({ nhsNumber: '9434765919', flags: ['vip', 'restricted'], optOuts: ['type-1'] });
    expect(patients.find((p) => p.record.surname === 'Jones')?.record).toMatchObject({ flags: [], optOuts: [] });

    const relationshipsCsv = ['nhsNumber,organisation,team,userId,type,start,end',
      '9434765919,A81001,,G1234567,care-team,2026-01-01,2026-02-01',
      '9434765919,A81001,district-nurses,,community-visit,2026-01-01T08:00:00+00:00,'].join('\n');
    expect((await post('relationships', relationshipsCsv, 'text/csv')).json()).toEqual({ accepted: 2, rejected: [] });
    expect((await store().findRelationships(['9434765919'])).map((r) => r.record.type).sort()).toEqual(['care-team', 'community-visit']);
  });

  it('rejects each bad record with every reason, starting with the field, and keeps the good ones', async () => {
    const { roleClass: _dropped, ...noRoleClass } = ann;
    const response = await post('staff', [
      noRoleClass,
      { ...ann, userId: 'G2', nhsNumber: '9434765918' },
      { ...ann, userId: 'G3', start: '2020-02-30' },
      { ...ann, userId: 'G4', start: '2026-01-10', end: '2026-01-09' },
      { ...ann, userId: 'G5', roleClass: 'doctor', grade: 'F2' },
      { ...ann, userId: 'G6', organisation: 'RRK' },
      { ...ann, userId: 'G7', address: { line1: '2 Low Road' }, start: '2026-01-01T09:00:00' },
      { ...ann, userId: 'G8' },
    ]);
    expect(response.statusCode).toBe(202);
    const dateWords = 'must be a date (YYYY-MM-DD) or an RFC 3339 date-time with a time zone (e.g. 2026-11-22T09:30:00Z)';
    expect(response.json()).toEqual({
      accepted: 1,
      rejected: [
        { index: 0, errors: ['roleClass: is required'] },
        { index: 1, errors: ['nhsNumber: fails the NHS number check digit'] },
        { index: 2, errors: [`start: ${dateWords}, got "2020-02-30"`] },
        { index: 3, errors: ['end: must not be before start (2026-01-10), got "2026-01-09"'] },
        { index: 4, errors: ['grade: is not a field of a staff record', 'roleClass: must be one of clinical, non-clinical, social-care, admin; got "doctor"'] },
        { index: 5, errors: ['organisation: "RRK" is outside this key\'s organisations (A81001)'] },
        { index: 6, errors: ['address.postcode: is required', `start: ${dateWords}, got "2026-01-01T09:00:00"`] },
      ],
    });
  });

  it('rejects bad patients and relationships with their own reasons', async () => {
    const patients = await post('patients', [
      { ...smith, flags: ['famous'], optOuts: 'national' },
      { ...smith, nhsNumber: '12345', dateOfDeath: '1969-01-01' },
    ]);
    expect(patients.statusCode).toBe(400);
    expect(patients.json()).toEqual({
      accepted: 0,
      rejected: [
        { index: 0, errors: ['flags.0: must be one of vip, restricted, safeguarding, staff; got "famous"', 'optOuts: must be an array, got "national"'] },
        { index: 1, errors: ['nhsNumber: must be 10 digits'] },
      ],
    });
    const relationships = await post('relationships', [
      { ...registration, type: 'Ward Round', registeredPractice: 'A81001' },
      { ...registration, organisation: 'a81001' },
    ]);
    expect(relationships.json().rejected).toEqual([
      { index: 0, errors: ['registeredPractice: is not a field of a relationship', 'type: must be lower-case words joined by dashes, got "Ward Round"'] },
      { index: 1, errors: ['organisation: must be an ODS code (3 to 10 capital letters and digits), got "a81001"'] },
    ]);
  });

  it('replaces a record posted again, and keeps the last of a key repeated in one batch', async () => {
    await post('staff', [ann]);
    expect((await post('staff', [{ ...ann, role: 'R8001' }, { ...ann, role: 'R8003', end: '2026-11-30' }])).json()).toEqual({ accepted: 2, rejected: [] });
    const found = await store().findStaff([{ userId: 'G1234567', organisation: 'A81001' }]);
    expect(found.map((s) => s.record)).toEqual([{ ...ann, role: 'R8003', end: '2026-11-30' }]);

    await post('relationships', [registration, { ...registration, id: undefined, type: 'appointment' }]);
    await post('relationships', [{ ...registration, end: '2026-03-31' }, { ...registration, id: undefined, type: 'appointment' }]);
    const relationships = (await store().findRelationships(['9434765919'])).map((r) => r.record);
    expect(relationships).toHaveLength(2);
    expect(relationships).toContainEqual({ ...registration, end: '2026-03-31' });
  });

  it('takes patients only registered with the key\'s own organisations, and any organisation from an admin', async () => {
    const other = await t.sourceKey('pas-rrk', ['RRK'], ['reference']);
    const claimed = await post('patients', [smith, { ...smith, registeredPractice: undefined }], 'application/json', other);
    expect(claimed.statusCode).toBe(400);
    expect(claimed.json().rejected.map((r: { errors: string[] }) => r.errors[0])).toEqual([
      'registeredPractice: a key for RRK may post only patients registered with it, not "A81001"',
      'registeredPractice: a key for RRK may post only patients registered with it (registeredPractice is missing)',
    ]);
    expect((await post('patients', [smith], 'application/json', ADMIN_TOKEN)).statusCode).toBe(202);
    expect((await post('staff', [ann], 'application/json', other)).json().rejected[0].errors).toEqual([
      'organisation: "A81001" is outside this key\'s organisations (RRK)',
    ]);
    expect((await post('relationships', [{ ...registration, organisation: 'X99999' }], 'application/json', ADMIN_TOKEN)).json()).toEqual({ accepted: 1, rejected: [] });
  });

  it('refuses keys without the reference scope and people other than admins', async () => {
    const eventsOnly = await t.sourceKey('emis-a81001', ['A81001'], ['events']);
    const officer = await t.personToken('alice', 'ig-officer', ['A81001']);
    const refused = await post('staff', [ann], 'application/json', eventsOnly);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toEqual({ code: 'AW_ERR_FORBIDDEN', message: 'this key has no "reference" scope (it has: events)' });
    const person = await post('patients', [smith], 'application/json', officer);
    expect(person.statusCode).toBe(403);
    expect(person.json().error.message).toMatch(/^the ig-officer role may not post reference data/);
    expect((await post('patients', [smith], 'application/json', 'awk_unknown')).json().error.code).toBe('AW_ERR_UNKNOWN_SOURCE');
    const anonymous = await t.app.inject({ method: 'POST', url: '/v1/reference/patients', headers: { 'content-type': 'application/json' }, payload: '[]' });
    expect(anonymous.statusCode).toBe(401);
    expect(await store().findPatients(['9434765919'])).toEqual([]);
  });

  it('answers 415 for FHIR and other media types, naming the types it takes', async () => {
    const response = await post('relationships', '{"resourceType": "Bundle"}', 'application/fhir+json');
    expect(response.statusCode).toBe(415);
    expect(response.json().error).toEqual({
      code: 'AW_ERR_UNSUPPORTED_MEDIA_TYPE',
      message: 'Content-Type application/fhir+json is not supported: post relationships as application/json, application/x-ndjson, text/csv',
    });
    expect((await post('staff', '<staff/>', 'application/xml')).statusCode).toBe(415);
  });

  it('answers 400 for an unreadable body and 413 for too many records', async () => {
    const unreadable = await post('patients', 'id,action\ne1,view', 'text/csv');
    expect(unreadable.statusCode).toBe(400);
    expect(unreadable.json().error.code).toBe('AW_ERR_BODY_UNREADABLE');
    expect(unreadable.json().error.message).toMatch(/^CSV header row names none of the patient fields \(nhsNumber, surname/);
    expect((await post('staff', ann)).json().error.message).toBe(
      'body is a single object: expected an array of staff records or {"staff": [...]} (wrap a single staff record in an array)',
    );
    const tooMany = await post('patients', Array.from({ length: 51 }, () => smith));
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().error).toEqual({
      code: 'AW_ERR_TOO_MANY_EVENTS', message: 'the body holds 51 patients; the limit is 50 records per request: post smaller batches',
    });
  });

  it('publishes the JSON Schema of each kind', async () => {
    for (const [kind, id] of [['staff', 'staff'], ['patients', 'patient'], ['relationships', 'relationship']]) {
      const response = await t.app.inject({ method: 'GET', url: `/v1/schemas/${kind}` });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ $id: `https://accesswatch.dev/schemas/${id}.json`, type: 'object', additionalProperties: false });
    }
  });
});
