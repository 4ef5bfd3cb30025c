import PDFDocument from 'pdfkit';
import { printable } from '../incidents/icoReportPdf.js';

/**
 * What the PDF reports share: a document rendered in memory with pdfkit's built-in Helvetica,
 * headings, tables that carry on across pages with their header repeated, and two charts drawn
 * with pdfkit's vector primitives (rectangles and text): horizontal bars, and a share of a whole.
 */

/** A document being written, and the bytes once it is ended. */
export interface PdfReport {
  doc: PDFKit.PDFDocument;
  /** Resolves with the whole file after `doc.end()`. */
  finished: Promise<Buffer>;
}

/** Starts an A4 document (landscape for wide tables) whose bytes are collected in memory. */
export function startPdf(info: { title: string; subject: string; createdAt: Date; landscape?: boolean }): PdfReport {
  const doc = new PDFDocument({
    size: 'A4',
    layout: info.landscape ? 'landscape' : 'portrait',
    margin: info.landscape ? 36 : 50,
    info: { Title: printable(info.title), Author: 'accesswatch', Subject: printable(info.subject), CreationDate: info.createdAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, finished };
}

const INK = '#000000';
const MUTED = '#555555';
const RULE = '#bbbbbb';

/** Width of the page between its margins. */
function contentWidth(doc: PDFKit.PDFDocument): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

/** The lowest y a line may start at before the page must turn. */
function bottom(doc: PDFKit.PDFDocument): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` points are left on this one. */
export function ensureRoom(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > bottom(doc)) doc.addPage();
}

/** A section heading, kept on the page with at least a few lines under it. */
export function heading(doc: PDFKit.PDFDocument, text: string): void {
  ensureRoom(doc, 80);
  doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).fillColor(INK).text(printable(text), doc.page.margins.left);
  doc.moveDown(0.3).font('Helvetica').fontSize(9.5);
}

/** Lines of body text. */
export function paragraph(doc: PDFKit.PDFDocument, text: string, options: { muted?: boolean } = {}): void {
  doc.font('Helvetica').fontSize(9.5).fillColor(options.muted ? MUTED : INK).text(printable(text), doc.page.margins.left, doc.y, { width: contentWidth(doc), paragraphGap: 3 });
  doc.fillColor(INK);
}

/** Text cut to fit `width` at the current font, ending in "…" when cut. */
export function fitted(doc: PDFKit.PDFDocument, text: string, width: number): string {
  const clean = printable(text);
  if (doc.widthOfString(clean) <= width) return clean;
  let low = 0;
  let high = clean.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (doc.widthOfString(`${clean.slice(0, middle)}…`) <= width) low = middle;
    else high = middle - 1;
  }
  return `${clean.slice(0, low)}…`;
}

/** A table column: its header, its share of the page width, and whether figures align right. */
export interface TableColumn {
  header: string;
  /** Relative width: the columns share the page width in proportion. */
  width: number;
  align?: 'left' | 'right';
}

const ROW_HEIGHT = 13;

/** A table of one-line rows (long cells cut with "…"), its header repeated on each new page. */
export function table(doc: PDFKit.PDFDocument, columns: TableColumn[], rows: string[][], options: { fontSize?: number } = {}): void {
  const fontSize = options.fontSize ?? 8.5;
  const left = doc.page.margins.left;
  const share = contentWidth(doc) / columns.reduce((sum, column) => sum + column.width, 0);
  const widths = columns.map((column) => column.width * share);
  const xs = widths.map((_, i) => left + widths.slice(0, i).reduce((sum, width) => sum + width, 0));
  const line = (cells: string[], y: number) => cells.forEach((cell, i) => {
    const width = widths[i] - 4;
    doc.text(fitted(doc, cell, width), xs[i] + 2, y, { width, align: columns[i].align ?? 'left', lineBreak: false });
  });
  const header = () => {
    const y = doc.y;
    doc.font('Helvetica-Bold').fontSize(fontSize).fillColor(INK);
    line(columns.map((column) => column.header), y);
    doc.moveTo(left, y + ROW_HEIGHT - 2).lineTo(left + contentWidth(doc), y + ROW_HEIGHT - 2).lineWidth(0.5).strokeColor(RULE).stroke();
    doc.font('Helvetica').fontSize(fontSize);
    doc.y = y + ROW_HEIGHT;
  };
  ensureRoom(doc, ROW_HEIGHT * 3);
  header();
  for (const row of rows) {
    if (doc.y + ROW_HEIGHT > bottom(doc)) {
      doc.addPage();
      header();
    }
    const y = doc.y;
    line(row, y);
    doc.y = y + ROW_HEIGHT;
  }
  doc.x = left;
}

/** Horizontal bars, one per item, longest first as given, each with its label and value. */
export function barChart(doc: PDFKit.PDFDocument, bars: { label: string; value: number }[], options: { colour?: string } = {}): void {
  if (bars.length === 0) return;
  const left = doc.page.margins.left;
  const labelWidth = contentWidth(doc) * 0.38;
  const barLeft = left + labelWidth + 6;
  const barSpace = contentWidth(doc) - labelWidth - 50;
  const max = Math.max(...bars.map((bar) => bar.value), 1);
  const height = 11;
  ensureRoom(doc, bars.length * (height + 4) + 10);
  doc.font('Helvetica').fontSize(8.5).fillColor(INK);
  for (const bar of bars) {
    const y = doc.y;
    doc.text(fitted(doc, bar.label, labelWidth), left, y + 1.5, { width: labelWidth, lineBreak: false });
    const length = Math.max(bar.value > 0 ? 1 : 0, (bar.value / max) * barSpace);
    doc.rect(barLeft, y, length, height).fill(options.colour ?? '#3c6e9f');
    doc.fillColor(INK).text(bar.value.toLocaleString('en-GB'), barLeft + length + 4, y + 1.5, { lineBreak: false });
    doc.y = y + height + 4;
  }
  doc.x = left;
  doc.moveDown(0.3);
}

/** One bar the width of the page: the share `part` of `whole` filled, the rest pale, with a caption under it. */
export function shareBar(doc: PDFKit.PDFDocument, part: number, whole: number, caption: string, colour = '#2e7d4f'): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  const height = 16;
  ensureRoom(doc, height + 30);
  const y = doc.y;
  doc.rect(left, y, width, height).fill('#e3e3e3');
  if (whole > 0 && part > 0) doc.rect(left, y, (part / whole) * width, height).fill(colour);
  doc.rect(left, y, width, height).lineWidth(0.5).strokeColor(RULE).stroke();
  doc.fillColor(INK).font('Helvetica').fontSize(9).text(printable(caption), left, y + height + 4, { width });
  doc.x = left;
}
