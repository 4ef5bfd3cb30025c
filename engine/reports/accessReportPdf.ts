import type { AccessRow } from './accessReport.js';
import { heading, paragraph, startPdf, table, type TableColumn } from './pdfLayout.js';

/**
 * The access reports as PDFs: for a patient ("who has looked at my record?", for a subject access
 * request, in words a patient reads without help) and for a user (everything they did, for an
 * investigation). One table row per access, newest first, on landscape A4.
 */

/** Whose accesses the report lists. */
export type AccessReportSubject = { nhsNumber: string } | { userId: string };

/** What the PDF says about the report besides its rows. */
export interface AccessReportPdfOptions {
  subject: AccessReportSubject;
  /** The organisations the report covers (the reader's scope, or the one asked for). */
  organisations: string[];
  from?: string;
  to?: string;
  /** When the report was made. */
  preparedAt: string;
  /** More accesses matched than the report holds: it shows the newest this many. */
  truncatedAt?: number;
}

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const explained = (row: AccessRow) => (row.explained === undefined ? 'not checked' : row.explained ? `yes${row.explainedBy ? ` (${row.explainedBy})` : ''}` : 'no');
const optional = (value: string | undefined) => value ?? '';

function period(options: AccessReportPdfOptions): string {
  if (options.from && options.to) return `from ${when(options.from)} to ${when(options.to)} UTC`;
  if (options.from) return `from ${when(options.from)} UTC to the date of this report`;
  if (options.to) return `up to ${when(options.to)} UTC`;
  return 'over the whole time accesses have been kept';
}

/** What each column of the patient report means, in plain words. */
export const PATIENT_COLUMN_NOTES: [column: string, meaning: string][] = [
  ['When', 'the date and time of the access, in UTC (during British Summer Time, UK clocks are an hour ahead).'],
  ['Organisation', 'the NHS or care organisation whose computer system was used, by its national (ODS) code.'],
  ['System', 'the computer system that recorded the access. "accesswatch" means the organisation\'s own audit staff reading this information, for example to prepare this report.'],
  ['Staff ID and role', 'the staff member\'s user ID in that system, their job role code and whether they are clinical, non-clinical, social care or administrative staff. The organisation can tell you more about who this was where it is right to do so.'],
  ['Action and part of record', 'what was done (view, print, update...) and, when recorded, which part of your record (for example medication or test results).'],
  ['Purpose', 'the reason the system recorded for the access, such as direct care.'],
  ['Explained', '"yes" when the organisation\'s own records show why the access happened, such as your registration with a practice, an admission or a referral (shown in brackets); "no" when nothing on record explains it. An unexplained access is not necessarily wrong: the organisation\'s information governance team reviews them.'],
];

const PATIENT_COLUMNS: TableColumn[] = [
  { header: 'When (UTC)', width: 1.5 }, { header: 'Organisation', width: 1 }, { header: 'System', width: 1.1 }, { header: 'Staff ID', width: 1.1 },
  { header: 'Role', width: 0.8 }, { header: 'Role class', width: 1 }, { header: 'Team', width: 1 }, { header: 'Action', width: 1 },
  { header: 'Part of record', width: 1.1 }, { header: 'Purpose', width: 1.1 }, { header: 'Explained', width: 1.4 },
];

const USER_COLUMNS: TableColumn[] = [
  { header: 'When (UTC)', width: 1.5 }, { header: 'Organisation', width: 1 }, { header: 'System', width: 1.1 }, { header: 'Role', width: 0.8 },
  { header: 'Team', width: 1 }, { header: 'NHS number', width: 1.1 }, { header: 'Action', width: 1 }, { header: 'Record part', width: 1.1 },
  { header: 'Purpose', width: 1.1 }, { header: 'Outcome', width: 0.8 }, { header: 'Explained', width: 1.4 },
];

const patientCells = (row: AccessRow) => [
  when(row.occurredAt), row.organisation, row.system, row.userId, row.role, optional(row.roleClass), optional(row.team), row.action,
  optional(row.recordPart), optional(row.purpose), explained(row),
];

const userCells = (row: AccessRow) => [
  when(row.occurredAt), row.organisation, row.system, row.role, optional(row.team), row.nhsNumber, row.action, optional(row.recordPart),
  optional(row.purpose), optional(row.outcome), explained(row),
];

/** Renders an access report; rows are as `accessRowsOf` makes them, newest first. */
export function accessReportPdf(rows: readonly AccessRow[], options: AccessReportPdfOptions): Promise<Buffer> {
  const forPatient = 'nhsNumber' in options.subject;
  const title = forPatient ? 'Who has accessed your health and care record' : `Record accesses by user ${(options.subject as { userId: string }).userId}`;
  const { doc, finished } = startPdf({
    title,
    subject: forPatient ? `Accesses to the record of NHS number ${(options.subject as { nhsNumber: string }).nhsNumber}` : title,
    createdAt: new Date(options.preparedAt),
    landscape: true,
  });
  doc.font('Helvetica-Bold').fontSize(16).text(title);
  const scope = `${options.organisations.join(', ')}, ${period(options)}`;
  if ('nhsNumber' in options.subject) {
    paragraph(doc, `NHS number ${options.subject.nhsNumber}. Organisations ${scope}. Prepared ${when(options.preparedAt)} UTC.`, { muted: true });
    paragraph(doc, `Each line below is one time someone opened, searched for, printed or changed your record using the computer systems of the organisations named, as those systems recorded it. The newest come first. ${rows.length === 0 ? 'No accesses were recorded.' : `There are ${rows.length.toLocaleString('en-GB')}.`}`);
  } else {
    paragraph(doc, `User ${options.subject.userId}. Organisations ${scope}. Prepared ${when(options.preparedAt)} UTC. ${rows.length.toLocaleString('en-GB')} accesses, newest first.`, { muted: true });
  }
  if (options.truncatedAt !== undefined) {
    paragraph(doc, `More accesses were recorded than one report holds: this report shows the newest ${options.truncatedAt.toLocaleString('en-GB')}. Ask for a shorter period for the rest.`);
  }
  if (forPatient) {
    heading(doc, 'What the columns mean');
    for (const [column, meaning] of PATIENT_COLUMN_NOTES) paragraph(doc, `${column}: ${meaning}`);
  }
  heading(doc, forPatient ? 'Accesses to your record' : 'Accesses');
  if (rows.length > 0) table(doc, forPatient ? PATIENT_COLUMNS : USER_COLUMNS, rows.map(forPatient ? patientCells : userCells), { fontSize: 8 });
  doc.end();
  return finished;
}
