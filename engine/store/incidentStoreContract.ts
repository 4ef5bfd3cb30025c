import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../incidents/incident.js';
import { changeIncident, openIncident, recordAssessment } from '../incidents/incidentChanges.js';
import { InvalidCursorError } from './cursor.js';
import type { IncidentQuery, Store } from './port.js';
import type { StoreContractOptions } from './storeContract.js';

/** Incident `n`, of A81001 unless told, its organisation aware `n` hours after midnight on 20 November. */
function incident(n: number, organisation = 'A81001'): Incident {
  const awareAt = new Date(Date.UTC(2026, 10, 20, n)).toISOString();
  return openIncident({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, organisation, title: `Incident ${n}`,
    description: 'A receptionist looked at the records of neighbours', alertIds: [`alert-${n}`, `alert-${n}-b`], awareAt, createdBy: 'person-1',
  }, '2026-11-21T09:00:00.000Z');
}

/** The next version of an incident with a note added. */
const noted = (current: Incident, text: string) => changeIncident(current, { note: text, by: 'person-2', at: '2026-11-21T10:00:00.000Z' });

/**
 * The behaviour every incident store promises (IncidentStore in port.ts), run for each adapter.
 * `options.reopen` (a second store on the same file or prefix) enables the restart test.
 */
export function incidentStoreContract(name: string, makeStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`incident store contract: ${name}`, () => {
    let store: Store;
    const visible = async () => { if (options.refresh) await options.refresh(store); };
    const ids = async (filters: Partial<IncidentQuery> = {}) => {
      await visible();
      return (await store.queryIncidents({ organisations: ['A81001', 'RRK'], limit: 100, ...filters })).incidents.map((found) => found.id);
    };

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps a new incident exactly as given, once: a second create with its id changes nothing', async () => {
      const first = incident(1);
      expect(await store.createIncident(first)).toBe(true);
      expect(await store.getIncident(first.id)).toEqual(first);
      expect(await store.createIncident({ ...first, title: 'Another' })).toBe(false);
      expect(await store.getIncident(first.id)).toEqual(first);
      expect(await store.getIncident('00000000-0000-4000-8000-999999999999')).toBeUndefined();
    });

    it('keeps every part of an incident: notes, assessment, decisions and report phases', async () => {
      const opened = incident(2);
      await store.createIncident(opened);
      const assessed = recordAssessment(noted(opened, 'Spoke to the receptionist'), {
        likelihood: 5, severity: 3, dataSubjects: 12, records: 40, categories: ['health records'], vulnerableGroups: ['children'],
        consequences: 'Distress', measures: 'Access removed', contact: { name: 'Dana Patel', role: 'DPO', email: 'dpo@example.nhs.uk' },
        assessedAt: '2026-11-21T11:00:00.000Z', assessedBy: 'person-2',
      }, { report: false, reason: 'Contained at once', at: '2026-11-21T11:00:00.000Z', by: 'guardian-1', reportableToIco: true, likelihood: 5, severity: 3 });
      expect(await store.updateIncident(noted(opened, 'Spoke to the receptionist'), 1)).toMatchObject({ updated: true });
      expect(await store.updateIncident(assessed, 2)).toEqual({ updated: true, incident: assessed });
      expect(await store.getIncident(opened.id)).toEqual(assessed);
    });

    it('updates by compare-and-set: a change based on an old version is refused and told the current one', async () => {
      const opened = incident(3);
      await store.createIncident(opened);
      const second = noted(opened, 'first note');
      expect(await store.updateIncident(second, 1)).toEqual({ updated: true, incident: second });
      expect(await store.getIncident(opened.id)).toEqual(second);

      const stale = noted(opened, 'written without seeing the first note');
      expect(await store.updateIncident(stale, 1)).toEqual({ updated: false, current: second });
      expect(await store.getIncident(opened.id)).toEqual(second);

      const third = noted(second, 'second note');
      expect(await store.updateIncident(third, 2)).toEqual({ updated: true, incident: third });
      expect((await store.getIncident(opened.id))?.notes.map((note) => note.text)).toEqual(['first note', 'second note']);
    });

    it('refuses an update of an incident that does not exist, and a version that does not follow', async () => {
      expect(await store.updateIncident(noted(incident(4), 'nothing to change'), 1)).toEqual({ updated: false });
      expect(await store.getIncident(incident(4).id)).toBeUndefined();
      await store.createIncident(incident(4));
      await expect(store.updateIncident({ ...noted(incident(4), 'skips a version'), version: 3 }, 1)).rejects.toThrow(/version 3 does not follow version 1/);
    });

    it('lets exactly one of several updates based on the same version win', async () => {
      const opened = incident(5);
      await store.createIncident(opened);
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => store.updateIncident(noted(opened, `note ${n}`), 1)));
      const winners = results.filter((result) => result.updated);
      expect(winners).toHaveLength(1);
      const stored = await store.getIncident(opened.id);
      expect(stored?.version).toBe(2);
      expect(stored?.notes).toHaveLength(1);
      for (const result of results) if (!result.updated) expect(result.current).toEqual(stored);
    });

    it('lists the incidents of the caller\'s organisations, earliest aware first, filtered by status', async () => {
      for (const n of [7, 3, 9, 1]) await store.createIncident(incident(n));
      await store.createIncident(incident(5, 'RRK'));
      // The store keeps whatever status it is given; the incident's rules are engine/incidents' business.
      expect(await store.updateIncident({ ...noted(incident(9), 'closing'), status: 'closed' }, 1)).toMatchObject({ updated: true });
      expect(await ids({ organisations: ['A81001'] })).toEqual([1, 3, 7, 9].map((n) => incident(n).id));
      expect(await ids()).toEqual([1, 3, 5, 7, 9].map((n) => incident(n).id));
      expect(await ids({ organisations: ['RRK'] })).toEqual([incident(5).id]);
      expect(await ids({ organisations: [] })).toEqual([]);
      expect(await ids({ organisations: ['A81001'], status: 'open' })).toEqual([1, 3, 7].map((n) => incident(n).id));
      expect(await ids({ organisations: ['A81001'], status: 'closed' })).toEqual([incident(9).id]);
      expect(await ids({ status: 'reported' })).toEqual([]);
    });

    it('pages with a cursor, without gaps or repeats, and refuses a cursor it did not issue', async () => {
      for (let n = 0; n < 23; n++) await store.createIncident(incident(n));
      await visible();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.queryIncidents({ organisations: ['A81001'], limit: 10, cursor });
        seen.push(...page.incidents.map((found) => found.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(Array.from({ length: 23 }, (_, n) => incident(n).id));
      await expect(store.queryIncidents({ organisations: ['A81001'], limit: 10, cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
    });

    it('keeps incidents and their versions across a restart', async (context) => {
      if (!options.reopen) context.skip();
      const opened = incident(6);
      await store.createIncident(opened);
      const second = noted(opened, 'before the restart');
      await store.updateIncident(second, 1);
      await store.close();
      store = await options.reopen!(store);
      await store.init();
      expect(await store.getIncident(opened.id)).toEqual(second);
      expect(await store.updateIncident(noted(opened, 'stale after the restart'), 1)).toEqual({ updated: false, current: second });
      expect(await ids()).toEqual([opened.id]);
    });
  });
}
