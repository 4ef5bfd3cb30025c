import { PDFParse } from 'pdf-parse';

/** The text of a PDF as a reader would copy it, pages joined and whitespace collapsed to single spaces (for tests). */
export async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text.replace(/\s+/g, ' ');
  } finally {
    await parser.destroy();
  }
}
