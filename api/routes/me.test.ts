import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.js';

describe('GET /v1/me', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t?.close(); });

  const me = async (bearer: string) => t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${bearer}` } });

  it('tells a person who they are, and nothing more', async () => {
    const token = await t.personToken('gus', 'caldicott-guardian', ['A81001', 'RRK']);
    const response = await me(token);
    expect(response.statusCode).toBe(200);
    const body = response.json() as Record<string, unknown>;
    expect(body).toEqual({ id: expect.any(String), name: 'gus', role: 'caldicott-guardian', organisations: ['A81001', 'RRK'] });
    expect(JSON.stringify(body)).not.toContain(token);
  });

  it('refuses a source key and an unknown token', async () => {
    expect((await me(await t.sourceKey('emis', ['A81001']))).statusCode).toBe(403);
    expect((await me('awt_not-a-real-token')).statusCode).toBe(401);
  });
});
