import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISMISSAL_REASONS } from '../../engine/alerts/alert.js';
import { accessEvent, ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/harness.js';

/** The care system of these tests: Alice works at A81001 and is also a patient; two patients she has no reason to see. */
const ALICE_NHS = '9434765013';
const UNRELATED_NHS = '9434765080';
const OTHER_NHS = '9434765021';
const UNEXPLAINED = 'AW-LR-001';

type Json = Record<string, any>;

async function send(t: TestApp, method: 'GET' | 'POST' | 'PATCH', url: string, bearer: string, body: unknown, status: number): Promise<Json> {
  const response = await t.app.inject({
    method, url, headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  expect(response.statusCode, response.body).toBe(status);
  return response.json();
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const aliceViews = (nhsNumber: string, id: string, minutes = 5) =>
  accessEvent({ id, system: 'emis', user: { id: 'alice', role: 'R8000' }, patient: { nhsNumber }, occurredAt: minutesAgo(minutes) });
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();

describe('alert triage', () => {
  let t: TestApp;
  let emis: string;
  /** Tokens: Ola (IG officer), Gus (Caldicott guardian) and Aud (auditor) at A81001; Eve (IG officer) at RRK. */
  let ola: string, gus: string, aud: string, eve: string;

  const get = (url: string, bearer = ola, status = 200) => send(t, 'GET', url, bearer, undefined, status);
  const patch = (id: string, body: Json, bearer = ola, status = 200) => send(t, 'PATCH', `/v1/alerts/${id}`, bearer, body, status);
  const bulk = (body: Json, bearer = ola, status = 200) => send(t, 'POST', '/v1/alerts/bulk', bearer, body, status);
  const postEvents = (events: Json[]) => send(t, 'POST', '/v1/access-events', emis, events, 202);
  /** The alerts of a rule (and patient), newest first, whatever their status. */
  const alertsOf = async (rule: string, patient?: string) =>
    (await get(`/v1/alerts?rule=${rule}${patient ? `&patient=${patient}` : ''}`)).alerts as Json[];
  /** The one unexplained-access alert about Alice and a patient. */
  const unexplained = async (patient = UNRELATED_NHS) => {
    const alerts = await alertsOf(UNEXPLAINED, patient);
    expect(alerts).toHaveLength(1);
    return alerts[0];
  };
  const errorOf = (body: Json) => body.error as { code: string; message: string };

  beforeEach(async () => {
    t = await startTestApp();
    await send(t, 'POST', '/v1/reference/staff', ADMIN_TOKEN, [
      { userId: 'alice', organisation: 'A81001', name: 'Alice', surname: 'Jones', role: 'R8000', roleClass: 'clinical', nhsNumber: ALICE_NHS, start: '2020-01-01' },
    ], 202);
    await send(t, 'POST', '/v1/reference/patients', ADMIN_TOKEN, [
      { nhsNumber: ALICE_NHS, surname: 'Jones', dateOfBirth: '1985-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: 'A81001' },
      { nhsNumber: UNRELATED_NHS, surname: 'Lee', dateOfBirth: '2001-01-01', address: { line1: '6 Park View', postcode: 'NG4 4EE' }, registeredPractice: 'A81002' },
      { nhsNumber: OTHER_NHS, surname: 'Khan', dateOfBirth: '1990-01-01', address: { line1: '5 Bridge St', postcode: 'NG3 3DD' }, registeredPractice: 'A81002' },
    ], 202);
    emis = await t.sourceKey('emis', ['A81001']);
    ola = await t.personToken('ola', 'ig-officer', ['A81001']);
    gus = await t.personToken('gus', 'caldicott-guardian', ['A81001']);
    aud = await t.personToken('aud', 'auditor', ['A81001']);
    eve = await t.personToken('eve', 'ig-officer', ['RRK']);
    await postEvents([aliceViews(UNRELATED_NHS, 'snoop-1'), aliceViews(OTHER_NHS, 'snoop-2'), aliceViews(ALICE_NHS, 'own-1')]);
  });
  afterEach(async () => { await t.close(); });

  it('walks an alert from open to investigating to confirmed, keeping every change in its history, newest last', async () => {
    const opened = await unexplained();
    expect(opened).toMatchObject({ status: 'open', version: 1, history: [] });

    const investigating = await patch(opened.id, { status: 'investigating', assignee: 'ola', version: 1 });
    expect(investigating).toMatchObject({ id: opened.id, status: 'investigating', assignee: 'ola', version: 2 });
    expect(investigating.history).toEqual([{ at: expect.any(String), by: expect.any(String), byName: 'ola', from: 'open', to: 'investigating', assignee: 'ola' }]);

    expect(errorOf(await patch(opened.id, { status: 'confirmed', version: 2 }, ola, 400)).message).toMatch(/^resolution\.note: required to confirm/);
    expect(errorOf(await patch(opened.id, { status: 'confirmed', resolution: { reason: 'other', note: 'x' }, version: 2 }, ola, 400)).message).toMatch(/^resolution\.reason: only a dismissal/);
    const note = 'Alice looked up a neighbour; she admitted it at interview';
    const confirmed = await patch(opened.id, { status: 'confirmed', resolution: { note }, version: 2 });
    expect(confirmed).toMatchObject({ status: 'confirmed', version: 3, assignee: 'ola', resolution: { note, byName: 'ola', by: investigating.history[0].by } });

    const shown = await get(`/v1/alerts/${opened.id}`);
    expect(shown.history.map((entry: Json) => [entry.from, entry.to])).toEqual([['open', 'investigating'], ['investigating', 'confirmed']]);
    expect(shown.history[0]).toEqual(investigating.history[0]);
    expect(shown.history[1]).toMatchObject({ note, byName: 'ola' });
    expect(Date.parse(shown.history[1].at)).toBeGreaterThanOrEqual(Date.parse(shown.history[0].at));

    // Confirmed is final; a later access of the same patient opens a new alert.
    expect(errorOf(await patch(opened.id, { status: 'open', resolution: { note: 'again' }, version: 3 }, gus, 409)).code).toBe('AW_ERR_INVALID_TRANSITION');
    await postEvents([aliceViews(UNRELATED_NHS, 'snoop-3', 1)]);
    const alerts = await alertsOf(UNEXPLAINED, UNRELATED_NHS);
    expect(alerts.map((alert) => [alert.status, alert.eventCount, alert.version])).toEqual([['open', 1, 1], ['confirmed', 1, 3]]);
  });

  it('dismisses only with a reason from the list, other with a note, and reopening (by a guardian) between each', async () => {
    const { id } = await unexplained();
    expect(errorOf(await patch(id, { status: 'dismissed', version: 1 }, ola, 400)).message)
      .toBe('resolution.reason: required to dismiss, one of explained-by-care, authorised-by-policy, data-quality, duplicate, other');
    expect(errorOf(await patch(id, { status: 'dismissed', resolution: { reason: 'other' }, version: 1 }, ola, 400)).message)
      .toBe('resolution.note: required when resolution.reason is other');
    expect(errorOf(await patch(id, { status: 'dismissed', resolution: { reason: 'bored' }, version: 1 }, ola, 400)).message).toMatch(/reason/);

    let version = 1;
    for (const reason of DISMISSAL_REASONS) {
      const resolution = reason === 'other' ? { reason, note: 'Alice was covering reception' } : { reason };
      const dismissed = await patch(id, { status: 'dismissed', resolution, version });
      expect(dismissed).toMatchObject({ status: 'dismissed', version: version + 1, resolution: { ...resolution, byName: 'ola' } });
      const reopened = await patch(id, { status: 'open', resolution: { note: `not ${reason}` }, version: version + 1 }, gus);
      expect(reopened).toMatchObject({ status: 'open', version: version + 2 });
      expect(reopened).not.toHaveProperty('resolution');
      version += 2;
    }
    const { history } = await get(`/v1/alerts/${id}`);
    expect(history.map((entry: Json) => entry.reason ?? entry.note)).toEqual(DISMISSAL_REASONS.flatMap((reason) => [reason, `not ${reason}`]));
  });

  it('refuses a stale version with 409 naming the current one, changing nothing; new evidence does not make a version stale', async () => {
    const { id } = await unexplained();
    const first = await patch(id, { status: 'investigating', assignee: 'gus', version: 1 });
    const refused = errorOf(await patch(id, { status: 'dismissed', resolution: { reason: 'duplicate' }, version: 1 }, gus, 409));
    expect(refused.code).toBe('AW_ERR_CONFLICT');
    expect(refused.message).toMatch(/is at version 2, not 1/);
    expect(await get(`/v1/alerts/${id}`)).toEqual(first);

    await postEvents([aliceViews(UNRELATED_NHS, 'snoop-4', 2)]);
    expect(await get(`/v1/alerts/${id}`)).toMatchObject({ eventCount: 2, version: 2 });
    expect(await patch(id, { assignee: null, version: 2 })).toMatchObject({ version: 3 });
  });

  it('keeps history immutable: no request edits it, and each change only appends', async () => {
    const { id } = await unexplained();
    await patch(id, { status: 'investigating', version: 1, history: [] }, ola, 400);
    const steps: Json[] = [
      { status: 'investigating', assignee: 'ola' },
      { resolution: { note: 'Asked the ward manager' } },
      { assignee: 'gus' },
      { status: 'open' },
      { status: 'dismissed', resolution: { reason: 'explained-by-care', note: 'Referral letter found' } },
    ];
    let before: Json[] = [];
    for (const [position, step] of steps.entries()) {
      const after = await patch(id, { ...step, version: position + 1 });
      expect(after.history.slice(0, -1)).toEqual(before);
      expect(after.history).toHaveLength(position + 1);
      before = after.history;
    }
    expect(before.map((entry) => [entry.from, entry.to, entry.assignee])).toEqual([
      ['open', 'investigating', 'ola'], ['investigating', 'investigating', undefined], ['investigating', 'investigating', 'gus'],
      ['investigating', 'open', undefined], ['open', 'dismissed', undefined],
    ]);
    // A closed alert refuses further changes and stays as it was.
    const dismissed = await get(`/v1/alerts/${id}`);
    await patch(id, { status: 'dismissed', resolution: { reason: 'duplicate' }, version: 6 }, ola, 409);
    expect(await get(`/v1/alerts/${id}`)).toEqual(dismissed);
  });

  it('holds back similar accesses after a dismissal with suppress, for the user and patient asked', async () => {
    const { id } = await unexplained();
    await patch(id, { status: 'investigating', suppress: { expiresAt: tomorrow(), scope: 'user' }, version: 1 }, ola, 400);
    const dismissed = await patch(id, {
      status: 'dismissed', resolution: { reason: 'explained-by-care', note: 'Alice is Lee\'s named nurse' }, suppress: { expiresAt: tomorrow(), scope: 'user-patient' }, version: 1,
    });
    expect(dismissed.suppression).toMatchObject({ organisation: 'A81001', ruleId: UNEXPLAINED, userId: 'alice', nhsNumber: UNRELATED_NHS, createdBy: dismissed.history[0].by });
    expect(dismissed.suppression.reason).toBe(`alert ${id} dismissed (explained-by-care): Alice is Lee's named nurse`);
    expect((await get('/v1/suppressions', aud)).suppressions.map((s: Json) => s.id)).toEqual([dismissed.suppression.id]);

    await postEvents([aliceViews(UNRELATED_NHS, 'snoop-5', 2), aliceViews(OTHER_NHS, 'snoop-6', 2)]);
    expect((await alertsOf(UNEXPLAINED, UNRELATED_NHS)).map((alert) => alert.id)).toEqual([id]);
    expect(await unexplained(OTHER_NHS)).toMatchObject({ eventCount: 2 });

    const past = errorOf(await patch((await unexplained(OTHER_NHS)).id, {
      status: 'dismissed', resolution: { reason: 'duplicate' }, suppress: { expiresAt: '2020-01-01T00:00:00Z', scope: 'user' }, version: 1,
    }, ola, 400));
    expect(past.message).toBe('suppress.expiresAt: must be in the future');
  });

  it('raises one alert for a team\'s unexplained accesses to a patient, lists it for each of its users, and suppresses it for no one user', async () => {
    await send(t, 'POST', '/v1/reference/staff', ADMIN_TOKEN, ['bea', 'cal'].map((userId) => (
      { userId, organisation: 'A81001', name: userId, surname: 'Reed', role: 'R8009', roleClass: 'non-clinical', team: 'RECEPTION', start: '2020-01-01' })), 202);
    const views = (userId: string, id: string) => accessEvent({ id, system: 'emis', user: { id: userId, role: 'R8009' }, patient: { nhsNumber: OTHER_NHS }, occurredAt: minutesAgo(3) });
    await postEvents([views('bea', 'desk-1'), views('cal', 'desk-2')]);
    const reception = (await alertsOf(UNEXPLAINED, OTHER_NHS)).filter((alert) => alert.team === 'RECEPTION');
    expect(reception).toHaveLength(1);
    expect(reception[0]).toMatchObject({ team: 'RECEPTION', users: ['bea', 'cal'], nhsNumber: OTHER_NHS, eventCount: 2 });
    expect(reception[0].userId).toBeUndefined();
    expect(((await get('/v1/alerts?user=cal')).alerts as Json[]).map((alert) => alert.id)).toEqual([reception[0].id]);
    expect(await get('/v1/users/cal/risk')).toMatchObject({ openAlerts: 1 });
    const refused = errorOf(await patch(reception[0].id, {
      status: 'dismissed', resolution: { reason: 'explained-by-care' }, suppress: { expiresAt: tomorrow(), scope: 'user' }, version: 1,
    }, ola, 400));
    expect(refused.message).toMatch(/^suppress: this alert is about team RECEPTION's accesses to one patient/);
    expect(await patch(reception[0].id, { status: 'dismissed', resolution: { reason: 'explained-by-care' }, version: 1 })).toMatchObject({ status: 'dismissed' });
  });

  it('lets only a Caldicott guardian reopen a dismissed alert, with a note, and not once a later alert is open', async () => {
    const { id } = await unexplained();
    await patch(id, { status: 'dismissed', resolution: { reason: 'data-quality' }, version: 1 });
    expect(errorOf(await patch(id, { status: 'open', resolution: { note: 'look again' }, version: 2 }, ola, 403)).message).toMatch(/only a Caldicott guardian/);
    expect(errorOf(await patch(id, { status: 'open', version: 2 }, gus, 400)).message).toMatch(/^resolution\.note:/);
    expect(errorOf(await patch(id, { status: 'investigating', resolution: { note: 'x' }, version: 2 }, gus, 409)).code).toBe('AW_ERR_INVALID_TRANSITION');
    const reopened = await patch(id, { status: 'open', resolution: { note: 'The feed was fine; look again' }, version: 2 }, gus);
    expect(reopened.history.at(-1)).toMatchObject({ from: 'dismissed', to: 'open', byName: 'gus', note: 'The feed was fine; look again' });

    await postEvents([aliceViews(UNRELATED_NHS, 'snoop-7', 2)]);
    expect(await get(`/v1/alerts/${id}`)).toMatchObject({ status: 'open', eventCount: 2 });

    await patch(id, { status: 'dismissed', resolution: { reason: 'duplicate' }, version: 3 });
    await postEvents([aliceViews(UNRELATED_NHS, 'snoop-8', 1)]);
    const refused = errorOf(await patch(id, { status: 'open', resolution: { note: 'again' }, version: 4 }, gus, 409));
    expect(refused).toMatchObject({ code: 'AW_ERR_INVALID_TRANSITION', message: expect.stringMatching(/a later alert of the same rule and subject/) });
  });

  it('assigns, and dismisses as duplicates, the alerts a filter matches, each with its own history entry', async () => {
    const filter = { rule: UNEXPLAINED };
    expect(await bulk({ filter, action: 'assign', assignee: 'gus' })).toEqual({ matched: 2, changed: 2, skipped: [] });
    const assigned = await alertsOf(UNEXPLAINED);
    expect(assigned.map((alert) => [alert.assignee, alert.version, alert.history.length])).toEqual([['gus', 2, 1], ['gus', 2, 1]]);
    expect((await alertsOf('AW-IA-001'))[0]).not.toHaveProperty('assignee');

    const again = await bulk({ filter, action: 'assign', assignee: 'gus' });
    expect(again).toMatchObject({ matched: 2, changed: 0 });
    expect(again.skipped.map((s: Json) => s.reason)).toEqual(['already assigned to gus', 'already assigned to gus']);
    expect((await bulk({ filter, action: 'assign', assignee: 'eve' })).skipped[0].reason).toBe('eve does not work for A81001');

    const dismissed = await bulk({ filter: { ...filter, patient: OTHER_NHS }, action: 'dismiss-duplicate', note: 'Same feed twice' });
    expect(dismissed).toEqual({ matched: 1, changed: 1, skipped: [] });
    const [other] = await alertsOf(UNEXPLAINED, OTHER_NHS);
    expect(other).toMatchObject({ status: 'dismissed', version: 3, resolution: { reason: 'duplicate', note: 'Same feed twice', byName: 'ola' } });
    expect(other.history[1]).toMatchObject({ from: 'open', to: 'dismissed', reason: 'duplicate', byName: 'ola' });

    const every = (await get('/v1/alerts')).alerts as Json[];
    expect(every.length).toBeGreaterThanOrEqual(3); // and whatever else Alice looking at her own record raises
    const all = await bulk({ filter: {}, action: 'dismiss-duplicate' });
    expect(all).toMatchObject({ matched: every.length, changed: every.length - 1 });
    expect(all.skipped).toEqual([{ id: other.id, reason: expect.stringMatching(/is dismissed: a closed alert does not change/) }]);
    expect((await get('/v1/alerts?status=open')).alerts).toEqual([]);

    expect(errorOf(await bulk({ filter, action: 'assign' }, ola, 400)).message).toBe('assignee: required to assign');
    expect(errorOf(await bulk({ filter, action: 'assign', assignee: 'aud' }, ola, 400)).message).toBe('assignee: no IG officer or Caldicott guardian is named aud');
    await bulk({ filter: { organisation: 'RRK' }, action: 'dismiss-duplicate' }, ola, 403);
  });

  it('hides alerts of other organisations (404, nothing matched) and lets auditors only read (403)', async () => {
    const { id } = await unexplained();
    expect(errorOf(await patch(id, { status: 'investigating', version: 1 }, eve, 404)).code).toBe('AW_ERR_NOT_FOUND');
    expect(await bulk({ filter: {}, action: 'dismiss-duplicate' }, eve)).toEqual({ matched: 0, changed: 0, skipped: [] });
    expect(errorOf(await patch(id, { status: 'investigating', version: 1 }, aud, 403)).code).toBe('AW_ERR_FORBIDDEN');
    await bulk({ filter: {}, action: 'assign', assignee: 'ola' }, aud, 403);
    await patch(id, { assignee: 'eve', version: 1 }, ola, 400);
    expect(await get(`/v1/alerts/${id}`, aud)).toMatchObject({ status: 'open', version: 1, history: [] });
  });
});
