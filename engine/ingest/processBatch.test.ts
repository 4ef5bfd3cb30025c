import { describe, expect, it } from 'vitest';
import { accessEvent } from '../../test/harness.js';
import { prepareBatch } from './prepareBatch.js';
import { queuedBatchOf } from './processBatch.js';

describe('queuedBatchOf', () => {
  it('carries every stored event, its fingerprint and its original document, as JSON text', () => {
    const batch = prepareBatch([
      { index: 0, value: accessEvent({ reason: 'quote " and \\ backslash', user: { id: 'G1', role: 'R8000', team: 'Ward 7' } }) },
      { index: 1, value: accessEvent(), original: { resourceType: 'AuditEvent', id: 'x' } },
    ], { system: 'emis-a81001', organisations: ['A81001'] });
    const queued = queuedBatchOf(batch);
    expect(queued).toMatchObject({ batchId: batch.batchId, receivedAt: batch.receivedAt, count: 2 });
    expect(JSON.parse(queued.eventsJson)).toEqual(JSON.parse(JSON.stringify(batch.events)));
  });
});

describe('a queued batch read back', () => {
  it('gives each event in canonical key order, so writing it again gives its canonical text', async () => {
    const { canonicalJson } = await import('../events/canonical.js');
    const batch = prepareBatch([{ index: 0, value: accessEvent({ purpose: 'direct-care', ip: '10.0.0.1', user: { role: 'R8000', team: 't', id: 'G1' } }) }], { system: 'emis-a81001', organisations: ['A81001'] });
    const [readBack] = JSON.parse(queuedBatchOf(batch).eventsJson) as typeof batch.events;
    expect(JSON.stringify(readBack.event)).toBe(canonicalJson(batch.events[0].event));
  });
});

describe('explanations on the queue', () => {
  it('travel whole when given as objects, without their words when given as stored texts, and are whole when the job is read', async () => {
    const { explainAccess } = await import('../explain/explainAccess.js');
    const { storedExplanationText } = await import('../explain/storedExplanation.js');
    const { queuedEventsOf } = await import('./processBatch.js');
    const batch = prepareBatch([
      { index: 0, value: accessEvent({ user: { id: 'G1', role: 'R8000', team: 'Ward 7' } }) },
      { index: 1, value: accessEvent() },
    ], { system: 'emis-a81001', organisations: ['A81001'] });
    const made = explainAccess(batch.events[0].event, { relationships: [] }, { marginDays: 30 });
    const asObjects = { ...batch, events: [{ ...batch.events[0], explanation: made }, batch.events[1]] };
    const asTexts = { ...batch, explanationTexts: [storedExplanationText(made), storedExplanationText(explainAccess(batch.events[1].event, { relationships: [] }, { marginDays: 30 }))] };
    expect(queuedBatchOf(asObjects).eventsJson).toContain('care relationships of G1');
    expect(queuedBatchOf(asTexts).eventsJson).not.toContain('care relationships of');
    for (const queued of [queuedBatchOf(asObjects), queuedBatchOf(asTexts)]) {
      const [first] = queuedEventsOf(queued);
      expect(first.explanation).toEqual(made);
      expect(first.explanation?.checked[1]).toContain('care relationships of G1, team Ward 7 or A81001');
    }
    expect(queuedEventsOf(queuedBatchOf(asObjects))[1]).not.toHaveProperty('explanation');
  });
});
