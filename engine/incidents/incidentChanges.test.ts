import { describe, expect, it } from 'vitest';
import type { Alert, TriageEntry } from '../alerts/alert.js';
import { DEFAULT_BREACH_THRESHOLDS } from './breachAssessment.js';
import { IncidentRuleError, type Incident, type IcoReportContent, type RecordedAssessment, type ReportingDecision } from './incident.js';
import {
  byUrgency, changeIncident, clockRuns, firstConfirmation, incidentClock, incidentView, openIncident, recordAssessment, type IncidentChange,
} from './incidentChanges.js';

const AWARE = '2026-11-20T09:30:00.000Z';
const after = (hours: number) => new Date(Date.parse(AWARE) + hours * 3_600_000).toISOString();

function opened(overrides: Partial<Incident> = {}): Incident {
  return {
    ...openIncident({
      id: 'inc-1', organisation: 'A81001', title: 'Neighbour records', description: 'A receptionist looked up neighbours',
      alertIds: ['a-1', 'a-2', 'a-1'], awareAt: '2026-11-20T10:30:00+01:00', createdBy: 'officer-1',
    }, after(1)),
    ...overrides,
  };
}

const assessment = (likelihood: 1 | 2 | 3 | 4 | 5, severity: 1 | 2 | 3 | 4 | 5): RecordedAssessment => ({
  likelihood, severity, dataSubjects: 3, records: 9, categories: ['health records'], vulnerableGroups: [], consequences: 'Distress',
  measures: 'Access suspended', contact: { name: 'Dana Patel', email: 'dpo@example.nhs.uk' }, assessedAt: after(2), assessedBy: 'officer-1',
});

const decision = (report: boolean): ReportingDecision => ({
  report, reason: report ? 'Patients at risk of distress' : 'Contained within the hour; no one else saw the records', at: after(3), by: 'guardian-1',
  reportableToIco: true, likelihood: 3, severity: 2,
});

const sent = (at: string) => ({ submittedAt: at, submittedBy: 'officer-1', content: { phase: 1 } as IcoReportContent });
const change = (incident: Incident, fields: Partial<IncidentChange>) =>
  changeIncident(incident, { by: 'officer-1', at: after(4), ...fields });

describe('opening an incident', () => {
  it('starts open at version 1, with awareAt in UTC and each alert once', () => {
    expect(opened()).toEqual({
      id: 'inc-1', organisation: 'A81001', title: 'Neighbour records', description: 'A receptionist looked up neighbours', status: 'open',
      alertIds: ['a-1', 'a-2'], awareAt: AWARE, createdAt: after(1), createdBy: 'officer-1', updatedAt: after(1),
      notes: [], statusHistory: [], decisions: [], reports: [], version: 1,
    });
  });
});

describe('changing an incident', () => {
  it('appends notes as a new version, leaving the old version as it was', () => {
    const first = opened();
    const noted = change(first, { note: 'Spoke to the practice manager' });
    expect(noted).toMatchObject({ version: 2, updatedAt: after(4), notes: [{ at: after(4), by: 'officer-1', text: 'Spoke to the practice manager' }] });
    expect(change(noted, { note: 'Second', by: 'guardian-1' }).notes.map((note) => note.text)).toEqual(['Spoke to the practice manager', 'Second']);
    expect(first).toEqual(opened());
  });

  it('closes an open incident only after a Caldicott guardian decided not to report it', () => {
    expect(() => change(opened(), { status: 'closed' })).toThrow(/closed only once reported to the ICO, or once a Caldicott guardian has recorded a decision not to report/);
    const toReport = recordAssessment(opened(), assessment(3, 2), decision(true));
    expect(() => change(toReport, { status: 'closed' })).toThrow(IncidentRuleError);
    const notToReport = recordAssessment(toReport, assessment(3, 2), decision(false));
    const closed = change(notToReport, { status: 'closed', note: 'Closed: not reportable' });
    expect(closed).toMatchObject({ status: 'closed', version: 4, statusHistory: [{ at: after(4), by: 'officer-1', from: 'open', to: 'closed' }] });
    expect(closed.decisions.map((d) => d.report)).toEqual([true, false]);
  });

  it('becomes reported only with the report sent, keeps later reports as phases, then closes', () => {
    expect(() => change(opened(), { status: 'reported' })).toThrow(/becomes reported with the report that was sent/);
    const reported = change(opened(), { report: sent(after(5)) });
    expect(reported).toMatchObject({ status: 'reported', version: 2, reports: [{ phase: 1, submittedAt: after(5) }] });
    expect(reported.statusHistory).toEqual([{ at: after(4), by: 'officer-1', from: 'open', to: 'reported' }]);
    const phase2 = change(reported, { report: { ...sent(after(30)), icoReference: 'IC-123456-A1B2' }, note: 'More detail sent' });
    expect(phase2).toMatchObject({ status: 'reported', reports: [{ phase: 1 }, { phase: 2, icoReference: 'IC-123456-A1B2' }], notes: [{ text: 'More detail sent' }] });
    expect(phase2.statusHistory).toHaveLength(1);
    const closed = change(phase2, { status: 'closed' });
    expect(closed.statusHistory.map((entry) => `${entry.from}→${entry.to}`)).toEqual(['open→reported', 'reported→closed']);
  });

  it('never goes back, and a closed incident takes notes only', () => {
    const reported = change(opened(), { report: sent(after(5)) });
    expect(() => change(reported, { status: 'open' })).toThrow(/a reported incident cannot be reopened/);
    const closed = change(reported, { status: 'closed' });
    expect(() => change(closed, { status: 'open' })).toThrow(/closed incident takes notes only/);
    expect(() => change(closed, { report: sent(after(40)) })).toThrow(/closed incident takes notes only/);
    expect(() => change(closed, { addAlertIds: ['a-9'] })).toThrow(/^addAlertIds: the incident is closed; a closed incident takes notes only$/);
    expect(change(reported, { addAlertIds: ['a-9', 'a-1'] }).alertIds).toEqual(['a-1', 'a-2', 'a-9']);
    expect(() => recordAssessment(closed, assessment(4, 4))).toThrow(/closed/);
    expect(change(closed, { note: 'Lessons learned shared with the team' })).toMatchObject({ status: 'closed', version: closed.version + 1 });
    expect(change(reported, { status: 'reported', note: 'same status, a note' })).toMatchObject({ status: 'reported', statusHistory: reported.statusHistory });
  });

  it('replaces the assessment but keeps every decision', () => {
    const first = recordAssessment(opened(), assessment(2, 2));
    const second = recordAssessment(first, assessment(4, 3), decision(true));
    expect(second).toMatchObject({ version: 3, assessment: { likelihood: 4, severity: 3 }, decisions: [decision(true)] });
    expect(recordAssessment(second, assessment(4, 3), decision(false)).decisions).toEqual([decision(true), decision(false)]);
  });
});

describe('when the organisation became aware', () => {
  const entry = (to: TriageEntry['to'], at: string): TriageEntry => ({ at, by: 'p-1', byName: 'ola', from: 'investigating', to });
  const alert = (overrides: Partial<Alert>) => ({ status: 'open', updatedAt: after(50), history: [], ...overrides }) as Alert;

  it('is the first confirmation among the alerts, from their triage history', () => {
    expect(firstConfirmation([
      alert({ status: 'confirmed', history: [entry('investigating', after(1)), entry('confirmed', after(6))] }),
      alert({ status: 'confirmed', history: [entry('confirmed', after(4))] }),
      alert({ status: 'open', history: [entry('investigating', after(2))] }),
    ])).toBe(after(4));
  });

  it('falls back on updatedAt for an alert confirmed without history, and is undefined when none is confirmed', () => {
    expect(firstConfirmation([alert({ status: 'confirmed' })])).toBe(after(50));
    expect(firstConfirmation([alert({ status: 'open' }), alert({ status: 'investigating' })])).toBeUndefined();
    expect(firstConfirmation([])).toBeUndefined();
  });
});

describe('the clock of an incident', () => {
  const t = DEFAULT_BREACH_THRESHOLDS;

  it('runs for an open incident not yet assessed, or assessed reportable, or decided to report', () => {
    expect(clockRuns(opened(), t)).toBe(true);
    expect(clockRuns(recordAssessment(opened(), assessment(3, 2)), t)).toBe(true);
    expect(clockRuns(recordAssessment(opened(), assessment(2, 2), { ...decision(true), reportableToIco: false }), t)).toBe(true);
  });

  it('stops for one assessed not reportable, decided not to report, reported or closed', () => {
    expect(clockRuns(recordAssessment(opened(), assessment(2, 5)), t)).toBe(false);
    expect(clockRuns(recordAssessment(opened(), assessment(5, 5), decision(false)), t)).toBe(false);
    expect(clockRuns(change(opened(), { report: sent(after(5)) }), t)).toBe(false);
    const late = incidentClock(recordAssessment(opened(), assessment(2, 5)), after(100), t);
    expect(late).toEqual({ icoDeadline: after(72), hoursLeft: -28, overdue: false, dueSoon: false, clockRunning: false });
    expect(incidentClock(opened(), after(72), t)).toEqual({ icoDeadline: after(72), hoursLeft: 0, overdue: true, dueSoon: false, clockRunning: true });
  });

  it('shows the assessment with the grid\'s answers at the time asked', () => {
    const view = incidentView(recordAssessment(opened(), assessment(4, 4)), after(60), t);
    expect(view).toMatchObject({ hoursLeft: 12, dueSoon: true, overdue: false, clockRunning: true });
    expect(view.assessment).toMatchObject({ likelihood: 4, severity: 4, reportableToIco: true, notifyDataSubjects: true, hoursLeft: 12, dueSoon: true });
  });

  it('lists overdue first, then due soon, then the rest running by deadline, then those it does not bind, newest first', () => {
    const aware = (id: string, hoursBeforeNow: number, extra: (i: Incident) => Incident = (i) => i) =>
      incidentView(extra(opened({ id, awareAt: after(-hoursBeforeNow) })), AWARE, t);
    const views = [
      aware('quiet-old', 200, (i) => change(i, { report: sent(AWARE) })),
      aware('fresh', 1),
      aware('due-soon', 60),
      aware('overdue-a-little', 73),
      aware('not-reportable', 5, (i) => recordAssessment(i, assessment(1, 1))),
      aware('overdue-a-lot', 100),
      aware('due-sooner', 70),
      aware('middling', 20),
    ];
    expect(views.sort(byUrgency).map((view) => view.id)).toEqual([
      'overdue-a-lot', 'overdue-a-little', 'due-sooner', 'due-soon', 'middling', 'fresh', 'not-reportable', 'quiet-old',
    ]);
  });
});
