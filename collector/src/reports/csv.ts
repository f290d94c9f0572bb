/**
 * The CSV reports, in AWS's layout (`run.py`, see shared/reference/upstream-usage-report.md §4.5)
 * so that people and tools used to it read ours: the title lines, the group header row, the
 * column header row with AWS's column names, the data rows with two decimals or `No Results`.
 *
 * What we do differently, on purpose (see README.md in this folder):
 * - "Report Date Generated" is the day the report was made (UTC), not the end of the range.
 * - The detailed group header row lines up with its columns (AWS's is shifted two columns left).
 * - Period Start/End are `YYYY-MM-DD HH:MM:SS` (AWS: `%H:%M:%S`, so a period to midnight ends `00:00:00`).
 * - "Missing Data Periods" is spelled that way in both reports (AWS's summary says "Missing data periods").
 * - Every field is quoted as RFC 4180 says when it holds a comma, a quote, CR or LF (AWS quotes
 *   nothing, so a comma in a name shifts the columns). Fields that need no quotes are written
 *   bare, so an ordinary report reads exactly like AWS's.
 * - Text that a spreadsheet would run as a formula gets a leading `'` (see `neutralise`).
 * - Added for finance: `Cost (USD)` and `Idle Cost Share (USD)` columns, and the `Idle capacity`,
 *   `Lent quota` and `Prices` sections after the table, each after an empty line.
 * - Lines end with CRLF (RFC 4180); UTF-8 without a byte-order mark, as AWS's files are.
 */
import {
  type Cell,
  type Column,
  MISSING_TITLE,
  SECTION_TITLES,
  detailedColumns,
  waitColumns,
  fixed,
  headerLines,
  idleColumns,
  lentColumns,
  missingLines,
  priceColumns,
  summaryColumns,
} from './format.js';
import type { ReportData } from './report-data.js';

const CSV_EOL = '\r\n';

/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): `=`, `+`,
 * `-`, `@`, tab and carriage return, and their full-width forms, which some spreadsheets accept
 * too. Leading white space does not protect a formula in every spreadsheet, so it is looked
 * through.
 */
const FORMULA_START = /^[\s\u00a0\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

/**
 * A text cell that cannot run as a formula: a leading `'` when it would start one, as OWASP
 * recommends. Only text from outside goes through here; numbers we format ourselves do not, so
 * they stay numbers.
 */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One field as RFC 4180 says: in double quotes, with quotes doubled, when it holds `,` `"` CR or LF. */
function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return fixed(cell);
  if ('formatted' in cell) return cell.formatted;
  return neutralise(cell.text);
}

const record = (fields: string[]): string => fields.map(quote).join(',');

/** The group header row: each group's label over its first column. */
function groupRow<R>(cols: Column<R>[]): string[] {
  return cols.map((c, i) => (c.group !== '' && cols[i - 1]?.group !== c.group ? c.group : ''));
}

function table<R>(cols: Column<R>[], rows: R[], withGroups: boolean): string[] {
  const lines: string[] = [];
  if (withGroups) lines.push(record(groupRow(cols)));
  lines.push(record(cols.map((c) => c.header)));
  if (rows.length === 0) lines.push(record(['No Results']));
  for (const row of rows) lines.push(record(cols.map((c) => cellText(c.cell(row)))));
  return lines;
}

function header(data: ReportData): string[] {
  const lines = headerLines(data.request);
  if (data.missing.length > 0) lines.push(MISSING_TITLE, ...missingLines(data));
  return lines.map((l) => record([l]));
}

/** The sections after the table, each after an empty line, only when they have rows. */
function sections(data: ReportData, { waits = false } = {}): string[] {
  const lines: string[] = [];
  if (waits && data.waits.length > 0) lines.push('', record([SECTION_TITLES.waits]), ...table(waitColumns(), data.waits, false));
  if (data.idle.length > 0) lines.push('', record([SECTION_TITLES.idle]), ...table(idleColumns(data), data.idle, false));
  if (data.lent.length > 0) lines.push('', record([SECTION_TITLES.lent]), ...table(lentColumns(), data.lent, false));
  if (data.prices.length > 0) lines.push('', record([SECTION_TITLES.prices]), ...table(priceColumns(), data.prices, false));
  return lines;
}

const csv = (lines: string[]): string => lines.map((l) => l + CSV_EOL).join('');

export function summaryCsv(data: ReportData): string {
  return csv([...header(data), ...table(summaryColumns(data), data.summary, true), ...sections(data)]);
}

export function detailedCsv(data: ReportData): string {
  return csv([...header(data), ...table(detailedColumns(data), data.detailed, true), ...sections(data, { waits: true })]);
}
