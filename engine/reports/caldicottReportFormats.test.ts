import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { pdfText } from '../../test/pdfText.js';
import type { CaldicottReport } from './caldicottReport.js';
import { caldicottReportCsv } from './caldicottReportCsv.js';
import { caldicottReportPdf } from './caldicottReportPdf.js';

const report: CaldicottReport = {
  from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', organisations: ['A81001', 'RRK'],
  accesses: {
    total: 12_000, explained: 11_400, explainedRate: 0.95,
    byOrganisation: [{ organisation: 'A81001', total: 2000, explained: 1400 }, { organisation: 'RRK', total: 10_000, explained: 10_000 }],
  },
  alerts: {
    total: 5,
    byRule: [
      { ruleId: 'AW-LR-001', title: 'Access with no legitimate relationship', alerts: 3, confirmed: 1, dismissed: 2, falsePositiveRate: 0.667 },
      { ruleId: 'AW-IA-002', title: "Access to a family member's or neighbour's record", alerts: 2, confirmed: 0, dismissed: 0 },
    ],
    bySeverity: { low: 0, medium: 3, high: 2, critical: 0 },
    byOrganisation: { A81001: 5 },
    byRoleClass: { clinical: 3, 'non-clinical': 2 },
    byStatus: { open: 2, dismissed: 2, confirmed: 1 },
  },
  outcomes: { confirmed: 1, dismissed: 2, dismissedByReason: { 'explained-by-care': 1, 'authorised-by-policy': 0, 'data-quality': 1, duplicate: 0, other: 0 } },
  medianHoursToTriage: 4,
  topUsersByRisk: [{ userId: 'G1234567', organisation: 'A81001', score: 51, level: 'medium', openAlerts: 2 }],
  incidents: [{
    id: 'inc-1', title: "Receptionist viewed neighbours' records", organisation: 'A81001', status: 'open', awareAt: '2026-11-20T09:30:00.000Z',
    reportableToIco: true, icoDeadline: '2026-11-23T09:30:00.000Z', overdue: true,
  }],
};

describe('the Caldicott report as CSV', () => {
  const rows = parse(caldicottReportCsv(report, ['alerts']), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  const blockAfter = (header: string) => {
    const start = rows.findIndex((row) => row[0] === header);
    expect(start, header).toBeGreaterThanOrEqual(0);
    const end = rows.findIndex((row, i) => i > start && row.length !== rows[start].length);
    return rows.slice(start + 1, end === -1 ? undefined : end);
  };

  it('starts with the summary as metric and value pairs, saying what was truncated', () => {
    expect(rows[0]).toEqual(['Metric', 'Value']);
    const summary = Object.fromEntries(blockAfter('Metric'));
    expect(summary).toMatchObject({
      From: '2026-11-01T00:00:00.000Z', 'Accesses processed': '12000', 'Accesses explained': '11400', 'Explained rate': '0.95',
      Alerts: '5', 'Median hours to triage': '4', 'Incidents overdue for the ICO': '1', 'Truncated (reading limits reached)': 'alerts',
    });
  });

  it('has a row per rule, per organisation and per incident', () => {
    expect(blockAfter('Rule')).toEqual([
      ['AW-LR-001', 'Access with no legitimate relationship', '3', '1', '2', '0.667'],
      ['AW-IA-002', "Access to a family member's or neighbour's record", '2', '0', '0', ''],
    ]);
    expect(blockAfter('Organisation')).toEqual([['A81001', '2000', '1400', '0.7', '5'], ['RRK', '10000', '10000', '1', '0']]);
    expect(blockAfter('Dismissal reason')).toContainEqual(['data-quality', '1']);
    expect(blockAfter('Incident')).toEqual([[
      'inc-1', "Receptionist viewed neighbours' records", 'A81001', 'open', '2026-11-20T09:30:00.000Z', 'yes', '2026-11-23T09:30:00.000Z', 'yes',
    ]]);
  });
});

describe('the Caldicott report as a PDF', () => {
  it('holds the headings, the figures and the charts\' labels, readable by a PDF parser', async () => {
    const pdf = await caldicottReportPdf(report, { preparedAt: '2026-11-25T10:00:00.000Z', truncated: ['alerts'] });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(pdf);
    for (const expected of [
      'Caldicott guardian report: record access audit', 'Organisations A81001, RRK. Period 2026-11-01 00:00 UTC to 2026-12-01 00:00 UTC',
      'reading limits reached for alerts of the period', 'Accesses processed 12,000', 'Explained rate 95.0%',
      '95.0% explained: 11,400 of 12,000 accesses', 'Alerts by rule', 'AW-LR-001 Access with no legitimate relationship',
      'False positives', '66.7%', 'Users with the highest risk', 'G1234567 A81001 51 medium 2', 'Incidents and the ICO',
      "A81001 open 2026-11-20 09:30 yes 2026-11-23 09:30 OVERDUE", "Receptionist viewed neighbours", 'Dismissed alerts by reason',
    ]) expect(text).toContain(expected);
  });

  it('says so when there was nothing to report', async () => {
    const empty: CaldicottReport = {
      ...report, accesses: { total: 0, explained: 0, byOrganisation: [] },
      alerts: { ...report.alerts, total: 0, byRule: [] }, topUsersByRisk: [], incidents: [],
    };
    const text = await pdfText(await caldicottReportPdf(empty, { preparedAt: '2026-11-25T10:00:00.000Z' }));
    expect(text).toContain('No accesses were recorded in the period.');
    expect(text).toContain('No alerts in the period.');
    expect(text).toContain('No incidents in the period, and none still open.');
  });
});
