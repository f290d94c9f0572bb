/**
 * The report writers: `renderReport` turns the `ReportData` the `report` command collected into
 * a file, CSV or PDF, named as AWS's report tool names it. See README.md in this folder.
 */
import { detailedCsv, summaryCsv } from './csv.js';
import { reportFileName } from './file-name.js';
import { renderPdf } from './pdf.js';
import type { ReportData } from './report-data.js';

export { detailedCsv, summaryCsv } from './csv.js';
export { reportFileName } from './file-name.js';
export { renderPdf } from './pdf.js';

export interface RenderedReport {
  fileName: string;
  body: Uint8Array;
  /** For an HTTP response or the S3 object's Content-Type. */
  contentType: string;
}

export async function renderReport(data: ReportData): Promise<RenderedReport> {
  const { type, format } = data.request;
  if (type !== 'summary' && type !== 'detailed') throw new Error(`unknown report type: ${String(type)}`);
  const fileName = reportFileName(data.request);
  if (format === 'csv') {
    const text = type === 'summary' ? summaryCsv(data) : detailedCsv(data);
    return { fileName, body: new TextEncoder().encode(text), contentType: 'text/csv; charset=utf-8; header=present' };
  }
  if (format === 'pdf') return { fileName, body: await renderPdf(data), contentType: 'application/pdf' };
  throw new Error(`unknown report format: ${String(format)}`);
}
