import PDFDocument from 'pdfkit';
import type { IcoReportContent } from './incident.js';

/**
 * The ICO report as a PDF, for the Caldicott guardian's file and for pasting into the ICO's
 * form: the same Article 33(3) content as the JSON, under the headings the regulation uses.
 * Rendered in memory with pdfkit's built-in Helvetica; nothing is read or written.
 */

/** Characters outside Latin-1 that the built-in fonts (WinAnsi) still draw. */
const WIN_ANSI_EXTRAS = new Set('‘’‚“”„–—•…€‹›™ŠšŽžŒœŸƒˆ˜†‡‰');

/** Text the built-in fonts can draw: anything else becomes "?", never a broken glyph. */
export function printable(text: string): string {
  return [...text].map((char) => (char.charCodeAt(0) <= 0xff || WIN_ANSI_EXTRAS.has(char) ? char : '?')).join('');
}

const count = (n: number) => n.toLocaleString('en-GB');
/** "1 record", "3,400 records". */
const counted = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;
const list = (items: string[]) => (items.length === 0 ? 'none' : items.join(', '));
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** Headings and the text under each, in the order of Article 33(3), then the grid and the decision. */
export function reportSections(content: IcoReportContent): [heading: string, lines: string[]][] {
  const contact = content.contact;
  const { assessment } = content;
  const sections: [string, string[]][] = [
    ['Nature of the breach', [content.natureOfBreach]],
    ['People affected', [
      `Approximately ${counted(content.dataSubjects.approximateNumber, 'data subject', 'data subjects')}.`,
      `Categories: ${list(content.dataSubjects.categories)}.`,
      `Vulnerable groups: ${list(content.dataSubjects.vulnerableGroups)}.`,
    ]],
    ['Personal data records affected', [
      `Approximately ${counted(content.records.approximateNumber, 'record', 'records')}.`,
      `Categories: ${list(content.records.categories)}.`,
    ]],
    ['Contact for more information', [
      [contact.name, contact.role].filter(Boolean).join(', '),
      ...[contact.email && `Email: ${contact.email}`, contact.phone && `Telephone: ${contact.phone}`].filter((line): line is string => Boolean(line)),
    ]],
    ['Likely consequences', [content.likelyConsequences]],
    ['Measures taken or proposed', [content.measures]],
    ['Assessment (NHS DSPT breach assessment grid)', [
      `Likelihood ${assessment.likelihood} (${assessment.likelihoodWords}); severity ${assessment.severity} (${assessment.severityWords}).`,
      assessment.reportableReason,
      assessment.notifyReason,
    ]],
  ];
  if (content.decision) {
    sections.push(['Decision', [
      `${content.decision.report ? 'Report to the ICO' : 'Do not report to the ICO'}, decided by ${content.decision.by} on ${when(content.decision.at)}.`,
      `Reason: ${content.decision.reason}`,
    ]]);
  }
  if (content.previousPhases.length > 0) {
    sections.push(['Earlier reports of this breach', content.previousPhases.map((phase) =>
      `Phase ${phase.phase}, sent ${when(phase.submittedAt)}${phase.icoReference ? `, ICO reference ${phase.icoReference}` : ''}.`)]);
  }
  return sections;
}

/** The timing lines under the title: when the organisation became aware, the deadline, and any delay. */
function timing(content: IcoReportContent): string[] {
  const lines = [`Became aware: ${when(content.awareAt)}. Deadline for reporting (72 hours): ${when(content.icoDeadline)}.`];
  if (content.late) lines.push(`This report is later than 72 hours. Reason for the delay: ${content.reasonForDelay ?? 'NOT YET GIVEN'}`);
  return lines;
}

/** Renders the report as a PDF document. */
export function icoReportPdf(content: IcoReportContent): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: {
      Title: printable(`Personal data breach report: ${content.title}`),
      Author: 'accesswatch',
      Subject: `Incident ${content.incidentId}, phase ${content.phase}`,
      CreationDate: new Date(content.preparedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(16).text('Personal data breach report to the ICO');
  doc.font('Helvetica').fontSize(9).fillColor('#444444')
    .text(printable(`UK GDPR Article 33. Organisation ${content.organisation}; incident ${content.incidentId}; phase ${content.phase}; prepared ${when(content.preparedAt)}.`));
  doc.moveDown(0.6).fillColor('#000000').font('Helvetica-Bold').fontSize(12).text(printable(content.title));
  doc.font('Helvetica').fontSize(10);
  for (const line of timing(content)) doc.text(printable(line));
  for (const [heading, lines] of reportSections(content)) {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(11).text(printable(heading));
    doc.moveDown(0.2).font('Helvetica').fontSize(10);
    for (const line of lines) doc.text(printable(line), { paragraphGap: 3 });
  }
  doc.end();
  return finished;
}
