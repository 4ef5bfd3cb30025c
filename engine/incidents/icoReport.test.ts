import { PDFParse } from 'pdf-parse';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BREACH_THRESHOLDS } from './breachAssessment.js';
import { IncidentRuleError, type Incident, type RecordedAssessment } from './incident.js';
import { changeIncident, openIncident, recordAssessment } from './incidentChanges.js';
import { checkReadyToSend, icoReport, natureOfBreach, type AlertSummary } from './icoReport.js';
import { icoReportPdf, printable } from './icoReportPdf.js';

const AWARE = '2026-11-20T09:30:00.000Z';
const after = (hours: number) => new Date(Date.parse(AWARE) + hours * 3_600_000).toISOString();
const thresholds = DEFAULT_BREACH_THRESHOLDS;

const alerts: AlertSummary[] = [
  { id: 'a-1', ruleId: 'AW-IA-002', title: "Access to a family member's or neighbour's record", eventCount: 7, firstSeenAt: '2026-11-18T08:05:00Z', lastSeenAt: '2026-11-19T16:40:00Z' },
  { id: 'a-2', ruleId: 'AW-LR-001', title: 'Access with no legitimate relationship', eventCount: 5, firstSeenAt: '2026-11-17T10:00:00Z', lastSeenAt: '2026-11-19T11:00:00Z' },
];

const assessment: RecordedAssessment = {
  likelihood: 5, severity: 3, dataSubjects: 1250, records: 3400, categories: ['health records', 'contact details'],
  vulnerableGroups: ['children'], consequences: 'Distress and loss of trust; possible disclosure to family members',
  measures: 'Account suspended on 20 November; patients written to; refresher training for reception staff',
  contact: { name: 'Dana Patel', role: 'Data Protection Officer', email: 'dpo@example.nhs.uk', phone: '0113 496 0000' },
  assessedAt: after(2), assessedBy: 'officer-1',
};

function assessed(overrides: Partial<RecordedAssessment> = {}): Incident {
  const incident = openIncident({
    id: 'inc-7', organisation: 'A81001', title: "Receptionist viewed neighbours' records",
    description: 'A receptionist opened the records of neighbours with no care relationship', alertIds: ['a-1', 'a-2'], awareAt: AWARE, createdBy: 'officer-1',
  }, after(1));
  return recordAssessment(incident, { ...assessment, ...overrides });
}

describe('the report to the ICO', () => {
  it('holds what Article 33(3) asks for, from the assessment, and what the grid said', () => {
    const content = icoReport(assessed(), { alerts, now: after(20), thresholds });
    expect(content).toMatchObject({
      incidentId: 'inc-7', organisation: 'A81001', awareAt: AWARE, icoDeadline: after(72),
      dataSubjects: { approximateNumber: 1250, categories: ['patients'], vulnerableGroups: ['children'] },
      records: { approximateNumber: 3400, categories: ['health records', 'contact details'] },
      contact: assessment.contact, likelyConsequences: assessment.consequences, measures: assessment.measures,
      assessment: { likelihood: 5, likelihoodWords: 'occurred', severity: 3, severityWords: 'adverse', reportableToIco: true, notifyDataSubjects: false },
      late: false, phase: 1, previousPhases: [], preparedAt: after(20), missing: [],
    });
    expect(content).not.toHaveProperty('reasonForDelay');
    expect(content).not.toHaveProperty('decision');
    expect(() => checkReadyToSend(content)).not.toThrow();
  });

  it('describes the nature of the breach from the incident and what the audit found, with no patient data', () => {
    expect(natureOfBreach(assessed(), alerts)).toBe(
      "Receptionist viewed neighbours' records. A receptionist opened the records of neighbours with no care relationship. " +
      "Found by record-access audit: 2 alerts (Access to a family member's or neighbour's record; Access with no legitimate relationship) " +
      'covering 12 access events between 2026-11-17 10:00 UTC and 2026-11-19 16:40 UTC.',
    );
    expect(natureOfBreach({ title: 'Lost letter', description: 'Posted to the wrong address!' }, [])).toBe('Lost letter. Posted to the wrong address!');
  });

  it('cannot be prepared before the incident is assessed', () => {
    const unassessed = { ...assessed(), assessment: undefined };
    expect(() => icoReport(unassessed, { alerts, now: after(5), thresholds })).toThrow(IncidentRuleError);
    expect(() => icoReport(unassessed, { alerts, now: after(5), thresholds })).toThrow(/has not been assessed/);
  });

  it('is late from exactly 72 hours, and cannot be sent late without the reason for the delay', () => {
    expect(icoReport(assessed(), { alerts, now: after(71.9), thresholds })).toMatchObject({ late: false, missing: [] });
    const late = icoReport(assessed(), { alerts, now: after(72), thresholds });
    expect(late).toMatchObject({ late: true, missing: ['reasonForDelay'] });
    expect(() => checkReadyToSend(late)).toThrow(/reasonForDelay: the report is late \(the deadline was 2026-11-23T09:30:00.000Z\)/);
    const explained = icoReport(assessed(), { alerts, now: after(80), thresholds, reasonForDelay: 'The audit alert was confirmed over a bank holiday weekend' });
    expect(explained).toMatchObject({ late: true, missing: [], reasonForDelay: 'The audit alert was confirmed over a bank holiday weekend' });
    expect(icoReport(assessed({ reasonForDelay: 'Waiting for the supplier' }), { alerts, now: after(80), thresholds })).toMatchObject({ missing: [], reasonForDelay: 'Waiting for the supplier' });
    expect(icoReport(assessed({ reasonForDelay: '   ' }), { alerts, now: after(80), thresholds }).missing).toEqual(['reasonForDelay']);
  });

  it('numbers later reports as phases, and judges lateness by when the first was sent', () => {
    const first = icoReport(assessed(), { alerts, now: after(30), thresholds });
    const reported = changeIncident(assessed(), { report: { submittedAt: after(30), submittedBy: 'officer-1', icoReference: 'IC-1', content: first }, by: 'officer-1', at: after(30) });
    const second = icoReport(reported, { alerts, now: after(200), thresholds });
    expect(second).toMatchObject({ phase: 2, previousPhases: [{ phase: 1, submittedAt: after(30), icoReference: 'IC-1' }], late: false, missing: [] });
  });

  it('includes the latest Caldicott guardian decision', () => {
    const decided = recordAssessment(assessed(), assessment, {
      report: true, reason: 'Children among those affected', at: after(3), by: 'guardian-1', reportableToIco: true, likelihood: 5, severity: 3,
    });
    expect(icoReport(decided, { alerts, now: after(4), thresholds }).decision).toEqual({ report: true, reason: 'Children among those affected', at: after(3), by: 'guardian-1' });
  });
});

/** The text of a PDF, pages joined, as a reader would copy it. */
async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

describe('the report as a PDF', () => {
  it('holds the nature, numbers, contact, consequences and measures, readable by a PDF parser', async () => {
    const content = icoReport(assessed(), { alerts, now: after(20), thresholds });
    const pdf = await icoReportPdf(content);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = (await pdfText(pdf)).replace(/\s+/g, ' ');
    expect(text).toContain('Personal data breach report to the ICO');
    expect(text).toContain('Nature of the breach');
    expect(text).toContain('A receptionist opened the records of neighbours with no care relationship.');
    expect(text).toContain('Approximately 1,250 data subjects.');
    expect(text).toContain('Approximately 3,400 records.');
    expect(text).toContain('Categories: health records, contact details.');
    expect(text).toContain('Vulnerable groups: children.');
    expect(text).toContain('Dana Patel, Data Protection Officer');
    expect(text).toContain('Email: dpo@example.nhs.uk');
    expect(text).toContain('Telephone: 0113 496 0000');
    expect(text).toContain('Distress and loss of trust; possible disclosure to family members');
    expect(text).toContain('Account suspended on 20 November; patients written to; refresher training for reception staff');
    expect(text).toContain('Likelihood 5 (occurred); severity 3 (adverse).');
    expect(text).not.toContain('later than 72 hours');
  });

  it('counts one person and one record in the singular', async () => {
    const text = (await pdfText(await icoReportPdf(icoReport(assessed({ dataSubjects: 1, records: 1 }), { alerts, now: after(20), thresholds })))).replace(/\s+/g, ' ');
    expect(text).toContain('Approximately 1 data subject.');
    expect(text).toContain('Approximately 1 record.');
  });

  it('says when the report is late, and why', async () => {
    const late = icoReport(assessed(), { alerts, now: after(90), thresholds, reasonForDelay: 'The breach came to light over a bank holiday' });
    const text = (await pdfText(await icoReportPdf(late))).replace(/\s+/g, ' ');
    expect(text).toContain('This report is later than 72 hours. Reason for the delay: The breach came to light over a bank holiday');
  });

  it('draws only characters its fonts hold', () => {
    expect(printable('Zoë’s record — 5 ≥ 3 ✓')).toBe('Zoë’s record — 5 ? 3 ?');
  });
});
