/**
 * Formatting shared by the CSV and PDF writers: numbers, dates, the header block and the
 * columns of the report tables. The writers differ only in how they put these on the page.
 */
import type {
  DetailedRow,
  IdleRow,
  LentRow,
  PriceUsed,
  ReportData,
  ReportRequest,
  SummaryRow,
  WaitRow,
} from './report-data.js';

/**
 * `x` with exactly `decimals` decimals, rounded half away from zero on the value's
 * 15-significant-digit decimal form (as spreadsheets do), so that 8.025 prints 8.03 whichever
 * side of 8.025 the floating-point sum landed. AWS's tool (Python `:.2f`) rounds the binary
 * value and prints 8.02 for the literal 8.025; the two differ only on such exact ties.
 * Never prints `-0.00`; prints '' for NaN or infinity (an empty cell rather than "NaN").
 */
export function fixed(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return '';
  const scale = 10 ** decimals;
  const units = Math.round(Number((Math.abs(x) * scale).toPrecision(15)));
  if (units === 0) return (0).toFixed(decimals);
  return ((x < 0 ? -units : units) / scale).toFixed(decimals);
}

/** `fixed` with thousands separators (1,152.00), for the PDF. */
export function grouped(x: number, decimals = 2): string {
  const s = fixed(x, decimals);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return `${m[1] ?? ''}${(m[2] ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

/**
 * A unit price: at least two decimals, up to six (prices per GPU-hour such as 0.7653 must not
 * be rounded to cents).
 */
export function price(x: number): string {
  const s = fixed(x, 6);
  return s.replace(/(\.\d\d\d*?)0+$/, '$1');
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as AWS prints missing-data periods. */
export function dateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** `YYYY-MM-DD` in UTC. */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The days of the report range, both ends included (UTC, YYYY-MM-DD). */
export function daysOf(request: ReportRequest): string[] {
  const start = Date.parse(`${request.startDate}T00:00:00Z`);
  const end = Date.parse(`${request.endDate}T00:00:00Z`);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return [request.startDate];
  const days: string[] = [];
  // A report covers days, not years: cap the axis so a wrong range cannot exhaust memory.
  for (let t = start; t <= end && days.length < 1000; t += 86_400_000) days.push(isoDate(new Date(t)));
  return days;
}

export function reportTypeTitle(request: ReportRequest): string {
  return request.type === 'summary' ? 'Summary Utilization Report' : 'Detailed Utilization Report';
}

/**
 * The header block as AWS prints it, line by line. Fixes AWS's "Report Date Generated", which
 * shows the end date of the range: ours is the day the report was made (`generatedAt`, UTC).
 */
export function headerLines(request: ReportRequest): string[] {
  const lines = [
    'Amazon SageMaker HyperPod',
    `Cluster Name: ${request.clusterName}`,
    `Report Type: ${reportTypeTitle(request)}`,
    `Report Date Generated: ${isoDate(request.generatedAt)}`,
    `Report Date Range (UTC): ${request.startDate} to ${request.endDate}`,
  ];
  if (request.namespace) lines.push(`Namespace: ${request.namespace}`);
  if (request.task) lines.push(`Task: ${request.task}`);
  return lines;
}

/** AWS spells it "Missing data periods" in the summary and "Missing Data Periods" in the detailed CSV; we use the latter in both. */
export const MISSING_TITLE = 'Missing Data Periods';

export function missingLines(data: ReportData): string[] {
  return data.missing.map((p) => `${dateTime(p.start)} to ${dateTime(p.end)}`);
}

/**
 * A table cell: text (a name, from outside: quoted and neutralised in the CSV), a number (we
 * format it with two decimals), a number we formatted already (written as is), or nothing.
 */
export type Cell = { text: string } | { formatted: string } | number | null;

export interface Column<R> {
  /** The group header above this column ('' for none); a group's label sits over its first column. */
  group: string;
  /** The column header, exactly as AWS writes it in the CSV. */
  header: string;
  /** The header in the PDF, one entry per line (at most 3). */
  pdfHeader: string[];
  /** Width in points in the PDF; text columns with `flex` share the room left over. */
  width: number;
  flex?: number;
  cell: (row: R) => Cell;
}

const TOTAL_H = ['Total', 'utilization', '(hours)'];
const ALLOC_H = ['Allocated', 'utilization', '(hours)'];
const BORROW_H = ['Borrowed', 'utilization', '(hours)'];
const COUNT_H = ['Total', 'utilization', '(count)'];

export const hasCost = (data: ReportData): boolean => data.prices.length > 0;
const hasIdleShare = (data: ReportData): boolean => data.idleSharing !== 'none';

function costColumns<R extends { costUsd: number | null }>(data: ReportData): Column<R>[] {
  if (!hasCost(data)) return [];
  return [{ group: 'Cost', header: 'Cost (USD)', pdfHeader: ['Cost', '(USD)'], width: 62, cell: (r) => r.costUsd }];
}

/** AWS's 13 summary columns, then Cost (USD) when prices are known and Idle Cost Share (USD) when idle cost is shared. */
export function summaryColumns(data: ReportData): Column<SummaryRow>[] {
  const cols: Column<SummaryRow>[] = [
    { group: '', header: 'Date', pdfHeader: ['Date'], width: 56, cell: (r) => ({ text: r.reportDate }) },
    { group: '', header: 'Namespace', pdfHeader: ['Namespace'], width: 90, flex: 3, cell: (r) => ({ text: r.namespace }) },
    { group: '', header: 'Team', pdfHeader: ['Team'], width: 80, flex: 2, cell: (r) => ({ text: r.team }) },
    { group: 'Instance', header: 'Type', pdfHeader: ['Type'], width: 80, cell: (r) => ({ text: r.instanceType }) },
  ];
  for (const [group, key] of [['NeuronCore', 'neuronCore'], ['GPU', 'gpu'], ['vCPU', 'vcpu']] as const) {
    cols.push(
      { group, header: 'Total utilization (hours)', pdfHeader: TOTAL_H, width: 56, cell: (r) => r[key].total },
      { group, header: 'Allocated utilization (hours)', pdfHeader: ALLOC_H, width: 56, cell: (r) => r[key].allocated },
      { group, header: 'Borrowed utilization (hours)', pdfHeader: BORROW_H, width: 56, cell: (r) => r[key].borrowed },
    );
  }
  cols.push(...costColumns<SummaryRow>(data));
  if (hasIdleShare(data)) {
    cols.push({
      group: 'Cost',
      header: 'Idle Cost Share (USD)',
      pdfHeader: ['Idle cost', 'share', '(USD)'],
      width: 62,
      cell: (r) => r.idleShareUsd,
    });
  }
  return cols;
}

/**
 * AWS's 15 detailed columns, then Cost (USD) when prices are known. The group labels sit over
 * their columns (AWS's group row is two columns short and shifted two columns left).
 */
export function detailedColumns(data: ReportData): Column<DetailedRow>[] {
  const cols: Column<DetailedRow>[] = [
    { group: '', header: 'Date', pdfHeader: ['Date'], width: 56, cell: (r) => ({ text: r.reportDate }) },
    { group: '', header: 'Period Start', pdfHeader: ['Period', 'Start'], width: 88, cell: (r) => ({ text: periodTime(r.periodStart) }) },
    { group: '', header: 'Period End', pdfHeader: ['Period', 'End'], width: 88, cell: (r) => ({ text: periodTime(r.periodEnd) }) },
    { group: '', header: 'Namespace', pdfHeader: ['Namespace'], width: 80, flex: 3, cell: (r) => ({ text: r.namespace }) },
    { group: '', header: 'Team', pdfHeader: ['Team'], width: 64, flex: 2, cell: (r) => ({ text: r.team }) },
    { group: '', header: 'Task', pdfHeader: ['Task'], width: 100, flex: 5, cell: (r) => ({ text: r.task }) },
    { group: '', header: 'Instance', pdfHeader: ['Instance'], width: 76, cell: (r) => ({ text: r.instanceType }) },
    { group: '', header: 'Status', pdfHeader: ['Status'], width: 56, cell: (r) => ({ text: r.status }) },
  ];
  for (const [group, key] of [['NeuronCore', 'neuronCore'], ['GPU', 'gpu'], ['vCPU', 'vcpu']] as const) {
    cols.push(
      { group, header: 'Total utilization (hours)', pdfHeader: TOTAL_H, width: 52, cell: (r) => r[key].hours },
      { group, header: 'Total utilization (count)', pdfHeader: COUNT_H, width: 52, cell: (r) => r[key].count },
    );
  }
  cols.push({ group: '', header: 'Priority class', pdfHeader: ['Priority', 'Class'], width: 70, flex: 1, cell: (r) => ({ text: r.priorityClass }) });
  cols.push(...costColumns<DetailedRow>(data));
  return cols;
}

/**
 * Period Start/End as `YYYY-MM-DD HH:MM:SS` (UTC) always. AWS prints `%H:%M:%S` only, so a
 * period that runs to midnight ends "00:00:00", before it started. A full timestamp is never
 * ambiguous, keeps one format in the column (spreadsheets read it as a date-time) and sorts.
 */
function periodTime(ms: number): string {
  return dateTime(ms);
}

export function idleColumns(data: ReportData): Column<IdleRow>[] {
  const cols: Column<IdleRow>[] = [
    { group: '', header: 'Date', pdfHeader: ['Date'], width: 56, cell: (r) => ({ text: r.reportDate }) },
    { group: '', header: 'Instance Type', pdfHeader: ['Instance', 'Type'], width: 110, cell: (r) => ({ text: r.instanceType }) },
    { group: '', header: 'Idle GPU (hours)', pdfHeader: ['Idle GPU', '(hours)'], width: 70, cell: (r) => r.gpuHours },
    { group: '', header: 'Idle vCPU (hours)', pdfHeader: ['Idle vCPU', '(hours)'], width: 70, cell: (r) => r.vcpuHours },
    { group: '', header: 'Idle NeuronCore (hours)', pdfHeader: ['Idle', 'NeuronCore', '(hours)'], width: 70, cell: (r) => r.neuronCoreHours },
  ];
  cols.push(...costColumns<IdleRow>(data).map((c) => ({ ...c, group: '', header: 'Idle Cost (USD)', pdfHeader: ['Idle cost', '(USD)'] })));
  return cols;
}

export function lentColumns(): Column<LentRow>[] {
  return [
    { group: '', header: 'Date', pdfHeader: ['Date'], width: 56, cell: (r) => ({ text: r.reportDate }) },
    { group: '', header: 'Namespace', pdfHeader: ['Namespace'], width: 150, cell: (r) => ({ text: r.namespace }) },
    { group: '', header: 'Team', pdfHeader: ['Team'], width: 120, cell: (r) => ({ text: r.team }) },
    { group: '', header: 'Instance Type', pdfHeader: ['Instance', 'Type'], width: 110, cell: (r) => ({ text: r.instanceType }) },
    { group: '', header: 'Lent GPU (hours)', pdfHeader: ['Lent GPU', '(hours)'], width: 70, cell: (r) => r.gpuHours },
    { group: '', header: 'Lent vCPU (hours)', pdfHeader: ['Lent vCPU', '(hours)'], width: 70, cell: (r) => r.vcpuHours },
    { group: '', header: 'Lent NeuronCore (hours)', pdfHeader: ['Lent', 'NeuronCore', '(hours)'], width: 70, cell: (r) => r.neuronCoreHours },
  ];
}

const UNIT_LABEL: Record<PriceUsed['unitResource'], string> = { gpu: 'GPU', neuron_device: 'Neuron device', cpu: 'vCPU' };

export function priceColumns(): Column<PriceUsed>[] {
  return [
    { group: '', header: 'Instance Type', pdfHeader: ['Instance', 'Type'], width: 110, cell: (r) => ({ text: r.instanceType }) },
    { group: '', header: 'Unit', pdfHeader: ['Unit'], width: 80, cell: (r) => ({ text: UNIT_LABEL[r.unitResource] ?? r.unitResource }) },
    // Up to six decimals (see `price`), not two.
    { group: '', header: 'Price per Unit-Hour (USD)', pdfHeader: ['Price per', 'unit-hour', '(USD)'], width: 80, cell: (r) => ({ formatted: price(r.unitPricePerHour) }) },
    { group: '', header: 'Source', pdfHeader: ['Source'], width: 300, cell: (r) => ({ text: r.source }) },
  ];
}

/** Seconds as hours, minutes and seconds (`2:29:30`), the way a wait reads. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function waitColumns(): Column<WaitRow>[] {
  return [
    { group: '', header: 'Date', pdfHeader: ['Date'], width: 56, cell: (r) => ({ text: r.reportDate }) },
    { group: '', header: 'Namespace', pdfHeader: ['Namespace'], width: 130, cell: (r) => ({ text: r.namespace }) },
    { group: '', header: 'Team', pdfHeader: ['Team'], width: 100, cell: (r) => ({ text: r.team }) },
    { group: '', header: 'Task', pdfHeader: ['Task'], width: 170, cell: (r) => ({ text: r.task }) },
    { group: '', header: 'Status', pdfHeader: ['Status', '(end of day)'], width: 60, cell: (r) => ({ text: r.status }) },
    { group: '', header: 'Preemptions', pdfHeader: ['Preemp-', 'tions'], width: 50, cell: (r) => ({ formatted: String(r.preemptions) }) },
    { group: '', header: 'Pending (h:mm:ss)', pdfHeader: ['Pending', '(h:mm:ss)'], width: 60, cell: (r) => ({ formatted: duration(r.pendingSeconds) }) },
    { group: '', header: 'Requeue Wait (h:mm:ss)', pdfHeader: ['Requeue wait', '(h:mm:ss)'], width: 70, cell: (r) => ({ formatted: duration(r.requeueWaitSeconds) }) },
  ];
}

export const SECTION_TITLES = { idle: 'Idle capacity', lent: 'Lent quota', prices: 'Prices', waits: 'Waiting for quota' } as const;
