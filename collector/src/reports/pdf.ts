/**
 * The PDF report, drawn with pdfkit (pure JavaScript; its 14 standard fonts are built in, it
 * fetches nothing). A3 landscape, as AWS's tool, for the wide tables.
 *
 * Page 1 is a summary for finance: the header block, headline figures, GPU-hours per team per
 * day (own quota vs borrowed), cost per team (or GPU-hours per team when no price is known) and,
 * when there is room, a per-team table with a total. Then the table, one section per namespace, each starting on a new page with the header block
 * (as AWS does); rows that do not fit continue on the next page under repeated column headers.
 * Then the idle capacity, lent quota, prices and (when there are many) missing-data sections.
 *
 * Text is real text in Helvetica, so it can be searched and extracted. Helvetica covers only the
 * WinAnsi characters (Latin-1 and a few more): any other character (non-Latin letters, emoji,
 * control characters, right-to-left marks, …) is drawn as `?` (see `pdfSafe`). No Unicode font
 * is embedded: Kubernetes names are ASCII, and a font covering the scripts that matter would add
 * megabytes to the collector for names that cannot occur.
 */
import PDFDocument from 'pdfkit';
import {
  type Cell,
  type Column,
  MISSING_TITLE,
  SECTION_TITLES,
  dateTime,
  daysOf,
  detailedColumns,
  grouped,
  hasCost,
  headerLines,
  idleColumns,
  isoDate,
  lentColumns,
  waitColumns,
  priceColumns,
  reportTypeTitle,
  summaryColumns,
} from './format.js';
import type { MissingPeriod, ReportData } from './report-data.js';
import { emptyTotal, teamTotals, type TeamTotal } from './team-totals.js';

type Doc = PDFKit.PDFDocument;

// A3 landscape, in points.
const PAGE_W = 1190.55;
const PAGE_H = 841.89;
const MARGIN = 32;
const CONTENT_W = PAGE_W - 2 * MARGIN;
const FOOTER_H = 18;
const BOTTOM = PAGE_H - MARGIN - FOOTER_H;

const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';

const COLOR = {
  text: '#1a202c',
  muted: '#5a6473',
  rule: '#8a94a3',
  grid: '#d5dae1',
  own: '#2c6db5',
  borrowed: '#f08a24',
  cost: '#2c6db5',
  idle: '#9aa5b4',
  card: '#f2f5f9',
  headerGrey: '#c8c8c8',
  zebra: '#f6f7f9',
  border: '#5f6670',
};

/** Teams shown one by one in the charts; the rest are added up as "Other". */
const MAX_TEAMS_PER_DAY_CHART = 10;
const MAX_TEAMS_BAR_CHART = 15;
/** Missing periods listed in the header; the rest go to a section at the end. */
const MAX_MISSING_IN_HEADER = 8;

// --- Text -------------------------------------------------------------------------------------

/** Code points Helvetica can draw through pdfkit's WinAnsi encoding. */
const WIN_ANSI_EXTRA = new Set([
  0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019, 0x201a,
  0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);

const drawable = (cp: number): boolean =>
  (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp);

/**
 * `s` with every character the standard fonts cannot draw replaced by `?` (one `?` per code
 * point, after Unicode NFC so that an accent written as two code points stays one letter). Left
 * alone, pdfkit would write such characters as garbage bytes; control characters and invisible
 * marks (e.g. right-to-left) become visible as `?` rather than reorder or hide text.
 */
export function pdfSafe(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFC')) out += drawable(ch.codePointAt(0) ?? 0) ? ch : '?';
  return out;
}

interface TextStyle {
  font?: string;
  size?: number;
  color?: string;
  align?: 'left' | 'right' | 'center';
  /** Room for the text: longer text is cut and ends with an ellipsis. With align, the box to align in. */
  width?: number;
}

/** `text` (already safe) cut to `width` points with an ellipsis, in the current font. */
function fitText(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  const ell = '\u2026';
  if (doc.widthOfString(ell) > width) return '';
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.widthOfString(text.slice(0, mid) + ell) <= width) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo).trimEnd() + ell;
}

/**
 * Draws one line of text with its baseline at `y`; never wraps and never starts a page (pdfkit
 * adds pages only when it wraps text itself).
 */
function text(doc: Doc, s: string, x: number, y: number, style: TextStyle = {}): number {
  doc.font(style.font ?? REGULAR).fontSize(style.size ?? 9).fillColor(style.color ?? COLOR.text);
  let t = pdfSafe(s);
  if (style.width !== undefined) t = fitText(doc, t, style.width);
  const w = doc.widthOfString(t);
  let left = x;
  if (style.align === 'right') left = x + (style.width ?? 0) - w;
  else if (style.align === 'center') left = x + ((style.width ?? 0) - w) / 2;
  if (t !== '') doc.text(t, left, y, { lineBreak: false, baseline: 'alphabetic' });
  return w;
}

function widthOf(doc: Doc, s: string, font: string, size: number): number {
  return doc.font(font).fontSize(size).widthOfString(pdfSafe(s));
}

/** Baseline that centres a line of `size` points in a box from `top`, `height` high. */
const middle = (top: number, height: number, size: number): number => top + height / 2 + size * 0.36;

function rule(doc: Doc, y: number): void {
  doc.moveTo(MARGIN, y).lineTo(PAGE_W - MARGIN, y).lineWidth(0.8).strokeColor(COLOR.rule).stroke();
}

/** Greedy word wrap of comma-separated items into lines at most `width` wide. */
function wrapItems(doc: Doc, items: string[], width: number, font: string, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const candidate = line === '' ? item : `${line}, ${item}`;
    if (line !== '' && widthOf(doc, candidate, font, size) > width) {
      lines.push(`${line},`);
      line = item;
    } else line = candidate;
  }
  if (line !== '') lines.push(line);
  return lines;
}

// --- Header block -----------------------------------------------------------------------------

const missingText = (p: MissingPeriod): string => `${dateTime(p.start)} to ${dateTime(p.end)}`;

/** The header block as in the CSV (AWS's PDF layout); returns the y below it. */
function drawHeader(doc: Doc, data: ReportData, namespace: string | undefined): number {
  const [title = '', cluster = '', ...rest] = headerLines(data.request);
  let y = MARGIN + 16;
  text(doc, title, MARGIN, y, { font: BOLD, size: 16, align: 'center', width: CONTENT_W });
  y += 18;
  text(doc, cluster, MARGIN, y, { font: BOLD, size: 12, align: 'center', width: CONTENT_W });
  y += 9;
  rule(doc, y);
  y += 4;
  const lines = [...rest];
  if (namespace !== undefined && !data.request.namespace) lines.push(`Namespace: ${namespace}`);
  for (const line of lines) {
    y += 14;
    text(doc, line, MARGIN, y, { size: 10, width: CONTENT_W });
  }
  if (data.missing.length > 0) {
    const shown = data.missing.slice(0, MAX_MISSING_IN_HEADER).map(missingText);
    const more = data.missing.length - shown.length;
    if (more > 0) shown.push(`... and ${more} more (listed at the end of the report)`);
    const wrapped = wrapItems(doc, shown, CONTENT_W - 140, REGULAR, 10);
    wrapped.forEach((line, i) => {
      y += 14;
      if (i === 0) text(doc, `${MISSING_TITLE}:`, MARGIN, y, { size: 10, font: BOLD, color: '#b7410e' });
      text(doc, line, MARGIN + 140, y, { size: 10, width: CONTENT_W - 140 });
    });
  }
  y += 8;
  rule(doc, y);
  return y + 10;
}

/** A one-line header for pages that continue a section. */
function drawContinuation(doc: Doc, data: ReportData, title: string): number {
  const y = MARGIN + 12;
  const r = data.request;
  text(doc, `Amazon SageMaker HyperPod  |  Cluster Name: ${r.clusterName}  |  ${reportTypeTitle(r)}  |  ${r.startDate} to ${r.endDate}`, MARGIN, y, {
    size: 9,
    color: COLOR.muted,
    width: CONTENT_W * 0.6,
  });
  text(doc, `${title} (continued)`, MARGIN + CONTENT_W * 0.6, y, { size: 9, font: BOLD, align: 'right', width: CONTENT_W * 0.4 });
  rule(doc, y + 6);
  return y + 16;
}

// --- Tables -----------------------------------------------------------------------------------

const ROW_H = 15;
const GROUP_H = 16;
const HEAD_LINE = 9.5;
const CELL_PAD = 3.5;

function columnWidths<R>(cols: Column<R>[], stretch: boolean, room: number): number[] {
  const base = cols.map((c) => c.width);
  const total = base.reduce((a, b) => a + b, 0);
  const flex = cols.reduce((a, c) => a + (c.flex ?? 0), 0);
  const extra = room - total;
  if (flex === 0 || (!stretch && extra > 0)) return base;
  return cols.map((c, i) => Math.max(30, (base[i] ?? 0) + (extra * (c.flex ?? 0)) / flex));
}

function cellString(cell: Cell): { s: string; numeric: boolean } {
  if (cell === null) return { s: '', numeric: true };
  if (typeof cell === 'number') return { s: grouped(cell), numeric: true };
  if ('formatted' in cell) return { s: cell.formatted, numeric: true };
  return { s: cell.text, numeric: false };
}

interface TableOptions {
  groups: boolean;
  /** Widen the `flex` columns to fill the room (else the table keeps its natural width when it fits). */
  stretch: boolean;
  /** Starts a new page and returns the y where the table continues. */
  newPage: () => number;
  /** Left edge and room; the page's content area by default. */
  x?: number;
  room?: number;
  /** Font size of the rows. */
  size?: number;
  /** Row indices drawn in bold (e.g. a total). */
  bold?: (index: number) => boolean;
}

const headHeight = <R>(cols: Column<R>[], groups: boolean): number =>
  (groups ? GROUP_H : 0) + Math.max(...cols.map((c) => c.pdfHeader.length)) * HEAD_LINE + 8;

function drawTableHead<R>(doc: Doc, cols: Column<R>[], widths: number[], x0: number, y: number, groups: boolean): number {
  const tableW = widths.reduce((a, b) => a + b, 0);
  if (groups) {
    doc.rect(x0, y, tableW, GROUP_H).fill('#000000');
    let x = x0;
    for (let i = 0; i < cols.length; ) {
      const group = cols[i]?.group ?? '';
      let span = 0;
      let j = i;
      while (j < cols.length && cols[j]?.group === group && (group !== '' || j === i)) span += widths[j++] ?? 0;
      if (group !== '') text(doc, group, x, middle(y, GROUP_H, 9), { font: BOLD, size: 9, color: '#ffffff', align: 'center', width: span });
      x += span;
      i = j;
    }
    y += GROUP_H;
  }
  const h = headHeight(cols, false);
  let x = x0;
  cols.forEach((c, i) => {
    const w = widths[i] ?? 0;
    doc.rect(x, y, w, h).lineWidth(0.5).fillAndStroke(COLOR.headerGrey, COLOR.border);
    const top = y + (h - c.pdfHeader.length * HEAD_LINE) / 2;
    c.pdfHeader.forEach((line, k) => {
      text(doc, line, x + 2, top + (k + 1) * HEAD_LINE - 2.2, { font: BOLD, size: 8, align: 'center', width: w - 4 });
    });
    x += w;
  });
  return y + h;
}

/** Draws a table from `y`, continuing on new pages; returns the y below it. */
function drawTable<R>(doc: Doc, cols: Column<R>[], rows: R[], y: number, opts: TableOptions): number {
  const x0 = opts.x ?? MARGIN;
  const widths = columnWidths(cols, opts.stretch, opts.room ?? CONTENT_W);
  const tableW = widths.reduce((a, b) => a + b, 0);
  const size = opts.size ?? 8;
  if (y + headHeight(cols, opts.groups) + ROW_H > BOTTOM) y = opts.newPage();
  y = drawTableHead(doc, cols, widths, x0, y, opts.groups);
  if (rows.length === 0) {
    doc.rect(x0, y, tableW, ROW_H * 1.6).lineWidth(0.5).stroke(COLOR.border);
    text(doc, 'No Results', x0, middle(y, ROW_H * 1.6, 10), { size: 10, align: 'center', width: tableW });
    return y + ROW_H * 1.6;
  }
  rows.forEach((row, r) => {
    if (y + ROW_H > BOTTOM) {
      y = drawTableHead(doc, cols, widths, x0, opts.newPage(), opts.groups);
    }
    if (r % 2 === 1) doc.rect(x0, y, tableW, ROW_H).fill(COLOR.zebra);
    const font = opts.bold?.(r) ? BOLD : REGULAR;
    let x = x0;
    cols.forEach((c, i) => {
      const w = widths[i] ?? 0;
      doc.rect(x, y, w, ROW_H).lineWidth(0.5).stroke(COLOR.border);
      const { s, numeric } = cellString(c.cell(row));
      text(doc, s, x + CELL_PAD, middle(y, ROW_H, size), { font, size, width: w - 2 * CELL_PAD, align: numeric ? 'right' : 'left' });
      x += w;
    });
    y += ROW_H;
  });
  return y;
}

// --- Page 1: figures and charts ---------------------------------------------------------------

function addTotal(into: TeamTotal, t: TeamTotal): void {
  into.own += t.own;
  into.borrowed += t.borrowed;
  into.vcpu += t.vcpu;
  into.neuron += t.neuron;
  into.cost += t.cost;
  into.priced ||= t.priced;
  into.idleShare += t.idleShare;
  into.shared ||= t.shared;
  t.days.forEach((d, i) => {
    const o = into.days[i];
    if (o) {
      o.own += d.own;
      o.borrowed += d.borrowed;
    }
  });
}

/** The `max` largest by `key`, and the others added up into one "Other (n teams)" entry. */
function topAndOther(teams: TeamTotal[], key: (t: TeamTotal) => number, max: number): TeamTotal[] {
  const sorted = [...teams].sort((a, b) => key(b) - key(a) || (a.team < b.team ? -1 : a.team > b.team ? 1 : 0));
  if (sorted.length <= max + 1) return sorted;
  const rest = sorted.slice(max);
  const other = { ...emptyTotal(`Other (${rest.length} teams)`, rest[0]?.days.length ?? 0), other: true };
  for (const t of rest) addTotal(other, t);
  return [...sorted.slice(0, max), other];
}

/** A round number at least `x` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten), for axis scales. */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/** Tick step for an axis from 0 to about `max`, about `n` ticks. */
function niceStep(max: number, n: number): number {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** Axis numbers: no decimals from 10 up, else up to 2. */
function axisNumber(x: number): string {
  if (x >= 10 || Number.isInteger(x)) return grouped(x, 0);
  return grouped(x, 2).replace(/\.?0+$/, '');
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function drawCards(doc: Doc, data: ReportData, y: number): number {
  const own = data.teamDays.reduce((a, t) => a + t.ownGpuHours, 0);
  const borrowed = data.teamDays.reduce((a, t) => a + t.borrowedGpuHours, 0);
  const gpu = own + borrowed;
  const vcpu = data.teamDays.reduce((a, t) => a + t.vcpuHours, 0);
  const neuron = data.teamDays.reduce((a, t) => a + t.neuronCoreHours, 0);
  const priced = data.teamDays.filter((t) => t.costUsd !== null);
  const cost = priced.reduce((a, t) => a + (t.costUsd ?? 0), 0);
  const idleCosts = data.idle.filter((r) => r.costUsd !== null);
  const idleCost = idleCosts.reduce((a, r) => a + (r.costUsd ?? 0), 0);
  const pct = (x: number): string => (gpu > 0 ? `${Math.round((100 * x) / gpu)}%` : '0%');
  const cards: Array<[string, string, string]> = [
    ['GPU-hours, own quota', grouped(own), `${pct(own)} of ${grouped(gpu)} GPU-hours used`],
    ['GPU-hours, borrowed', grouped(borrowed), `${pct(borrowed)}, from other teams' idle quota`],
    ['vCPU-hours', grouped(vcpu), 'all teams, own and borrowed'],
    ['NeuronCore-hours', grouped(neuron), 'all teams, own and borrowed'],
    hasCost(data)
      ? ['Total cost (USD)', `$${grouped(cost)}`, priced.length < data.teamDays.length ? 'excludes usage without a known price' : 'at the unit prices listed at the end']
      : ['Total cost (USD)', 'n/a', 'no unit prices configured'],
    idleCosts.length > 0
      ? ['Idle capacity cost (USD)', `$${grouped(idleCost)}`, data.idleSharing === 'none' ? 'capacity nobody held; not charged to teams' : `capacity nobody held; shared by ${data.idleSharing}`]
      : ['Idle capacity cost (USD)', 'n/a', data.idle.length > 0 ? 'no unit prices configured' : 'no idle capacity reported'],
  ];
  const gap = 12;
  const w = (CONTENT_W - gap * (cards.length - 1)) / cards.length;
  const h = 62;
  cards.forEach(([label, value, sub], i) => {
    const x = MARGIN + i * (w + gap);
    doc.rect(x, y, w, h).fill(COLOR.card);
    doc.rect(x, y, 3, h).fill(i === 1 ? COLOR.borrowed : COLOR.own);
    text(doc, label, x + 12, y + 16, { size: 9, color: COLOR.muted, width: w - 18 });
    text(doc, value, x + 12, y + 39, { font: BOLD, size: 19, width: w - 18 });
    text(doc, sub, x + 12, y + 54, { size: 7.5, color: COLOR.muted, width: w - 18 });
  });
  return y + h;
}

function legend(doc: Doc, items: Array<[string, string]>, x: number, y: number): number {
  for (const [color, label] of items) {
    doc.rect(x, y - 7.5, 9, 9).fill(color);
    x += 13 + text(doc, label, x + 13, y, { size: 8.5 }) + 14;
  }
  return x;
}

function chartTitle(doc: Doc, box: Box, title: string, subtitle: string): void {
  text(doc, title, box.x, box.y + 12, { font: BOLD, size: 12, width: box.w });
  text(doc, subtitle, box.x, box.y + 26, { size: 8.5, color: COLOR.muted, width: box.w });
}

function noData(doc: Doc, box: Box, message: string): void {
  const h = Math.min(box.h - 44, 140);
  doc.rect(box.x, box.y + 44, box.w, h).lineWidth(0.5).stroke(COLOR.grid);
  text(doc, message, box.x, middle(box.y + 44, h, 11), { size: 11, color: COLOR.muted, align: 'center', width: box.w });
}

/**
 * GPU-hours per team per day: one row of bars per team (the largest 10, the rest as "Other"),
 * a bar per day, own quota at the bottom and borrowed on top, the same scale in every row.
 */
function drawDailyChart(doc: Doc, data: ReportData, box: Box): void {
  const days = daysOf(data.request);
  const teams = teamTotals(data, days).filter((t) => t.own + t.borrowed > 0);
  const shown = topAndOther(teams, (t) => t.own + t.borrowed, MAX_TEAMS_PER_DAY_CHART);
  const idleTeams = new Set(data.teamDays.map((t) => t.team)).size - teams.length;
  chartTitle(
    doc,
    box,
    'GPU-hours per team per day',
    `One row per team, largest first; a bar per day (UTC), own quota at the bottom, borrowed on top; same scale in every row.` +
      (idleTeams > 0 ? ` ${idleTeams} team${idleTeams > 1 ? 's' : ''} without GPU usage not shown.` : ''),
  );
  if (shown.length === 0) {
    noData(doc, box, 'No GPU usage in this period');
    return;
  }
  legend(doc, [[COLOR.own, 'Own quota'], [COLOR.borrowed, 'Borrowed']], box.x, box.y + 41);
  const labelW = 128;
  const scaleW = 30;
  const totalW = 96;
  const plotX = box.x + labelW + scaleW;
  const plotW = box.w - labelW - scaleW - totalW;
  const top = box.y + 56;
  const axisH = 34;
  const stripsH = box.h - (top - box.y) - axisH;
  const pitch = Math.min(120, stripsH / shown.length);
  const gap = Math.min(8, pitch * 0.22);
  const innerH = pitch - gap;
  const peak = Math.max(...shown.flatMap((t) => t.days.map((d) => d.own + d.borrowed)));
  const yMax = niceCeil(peak);
  const slot = plotW / days.length;
  const barW = Math.min(slot * 0.72, 46);
  const labelSize = Math.max(6.5, Math.min(9.5, innerH * 0.45));

  shown.forEach((t, s) => {
    const y0 = top + s * pitch;
    const base = y0 + innerH;
    // Guides: the scale's top and the baseline.
    doc.moveTo(plotX, y0).lineTo(plotX + plotW, y0).lineWidth(0.4).dash(2, { space: 2 }).stroke(COLOR.grid);
    doc.undash();
    doc.moveTo(plotX, base).lineTo(plotX + plotW, base).lineWidth(0.6).stroke(COLOR.rule);
    doc.moveTo(plotX, y0).lineTo(plotX, base).lineWidth(0.6).stroke(COLOR.rule);
    const other = t.other === true;
    text(doc, t.team, box.x, middle(y0, innerH, labelSize), {
      size: labelSize,
      font: other ? REGULAR : BOLD,
      color: other ? COLOR.muted : COLOR.text,
      align: 'right',
      width: labelW - 8,
    });
    if (innerH >= 16) {
      text(doc, axisNumber(yMax), plotX - scaleW, y0 + 5, { size: 6.5, color: COLOR.muted, align: 'right', width: scaleW - 3 });
      text(doc, '0', plotX - scaleW, base, { size: 6.5, color: COLOR.muted, align: 'right', width: scaleW - 3 });
    } else if (s === 0) {
      text(doc, axisNumber(yMax), plotX - scaleW, y0 + 5, { size: 6.5, color: COLOR.muted, align: 'right', width: scaleW - 3 });
    }
    t.days.forEach((d, i) => {
      const x = plotX + i * slot + (slot - barW) / 2;
      const hOwn = (d.own / yMax) * innerH;
      const hBor = (d.borrowed / yMax) * innerH;
      if (hOwn > 0) doc.rect(x, base - hOwn, barW, hOwn).fill(COLOR.own);
      if (hBor > 0) doc.rect(x, base - hOwn - hBor, barW, hBor).fill(COLOR.borrowed);
    });
    const totalX = plotX + plotW + 8;
    const one = innerH < 20;
    text(doc, `${grouped(t.own + t.borrowed)} h`, totalX, one ? middle(y0, innerH, 8) : y0 + innerH / 2 - 1, {
      font: BOLD,
      size: 8,
      width: totalW - 8,
    });
    if (!one) text(doc, `${grouped(t.borrowed)} borrowed`, totalX, y0 + innerH / 2 + 9, { size: 7, color: COLOR.muted, width: totalW - 8 });
  });

  // The day axis, with as many labels as fit.
  const axisY = top + shown.length * pitch - gap;
  const label = (d: string): string => (days.length <= 7 ? d : d.slice(5));
  const labelWidth = widthOf(doc, label(days[0] ?? ''), REGULAR, 7.5) + 6;
  const step = Math.max(1, Math.ceil(labelWidth / slot));
  days.forEach((d, i) => {
    if (i % step !== 0) return;
    const cx = plotX + (i + 0.5) * slot;
    doc.moveTo(cx, axisY).lineTo(cx, axisY + 3).lineWidth(0.6).stroke(COLOR.rule);
    text(doc, label(d), cx - 40, axisY + 12, { size: 7.5, color: COLOR.muted, align: 'center', width: 80 });
  });
  text(doc, `Day (UTC)${days.length > 7 ? `, ${days[0]?.slice(0, 4) ?? ''}` : ''}`, plotX, axisY + 26, {
    size: 8.5,
    color: COLOR.muted,
    align: 'center',
    width: plotW,
  });
  text(doc, 'GPU-hours', plotX + plotW + 8, top - 5, { size: 7.5, color: COLOR.muted, width: totalW - 8 });
  text(doc, 'GPU-hours per day', plotX - scaleW - 2, top - 5, { size: 7.5, color: COLOR.muted });
}

interface Bar {
  label: string;
  a: number;
  b: number;
  idle: boolean;
  other: boolean;
}

/** Chart 2's bars: cost per team and idle capacity, or GPU-hours per team when no price is known. */
function teamBars(data: ReportData): Bar[] {
  const byCost = hasCost(data);
  const key = byCost ? (t: TeamTotal) => t.cost : (t: TeamTotal) => t.own + t.borrowed;
  const shown = topAndOther(teamTotals(data, []).filter((t) => key(t) > 0), key, MAX_TEAMS_BAR_CHART);
  const bars = shown.map((t) => ({ label: t.team, a: byCost ? t.cost : t.own, b: byCost ? 0 : t.borrowed, idle: false, other: t.other === true }));
  const idleCost = data.idle.reduce((a, r) => a + (r.costUsd ?? 0), 0);
  if (byCost && idleCost > 0) bars.push({ label: 'Idle capacity', a: idleCost, b: 0, idle: true, other: false });
  return bars;
}

const BAR_CHART_TOP = 56;
const BAR_CHART_AXIS = 34;
const BAR_PITCH = 30;

/** Cost per team (horizontal bars), or GPU-hours per team (own vs borrowed) when no price is known. */
function drawTeamChart(doc: Doc, data: ReportData, bars: Bar[], box: Box): void {
  const byCost = hasCost(data);
  if (byCost) chartTitle(doc, box, 'Cost per team (USD)', 'Hours used at the unit prices listed at the end, largest first.');
  else chartTitle(doc, box, 'GPU-hours per team', 'Whole period, largest first. No unit prices configured, so no cost.');
  if (bars.length === 0) {
    noData(doc, box, byCost ? 'No cost in this period' : 'No GPU usage in this period');
    return;
  }
  if (byCost) {
    const items: Array<[string, string]> = [[COLOR.cost, 'Team cost']];
    if (bars.some((b) => b.idle)) items.push([COLOR.idle, 'Idle capacity (nobody held it)']);
    legend(doc, items, box.x, box.y + 41);
  } else legend(doc, [[COLOR.own, 'Own quota'], [COLOR.borrowed, 'Borrowed']], box.x, box.y + 41);
  const labelW = 120;
  const valueW = 78;
  const plotX = box.x + labelW;
  const plotW = box.w - labelW - valueW;
  const top = box.y + BAR_CHART_TOP;
  const plotH = box.h - BAR_CHART_TOP - BAR_CHART_AXIS;
  const pitch = Math.min(BAR_PITCH, plotH / bars.length);
  const barH = pitch * 0.66;
  const max = Math.max(...bars.map((b) => b.a + b.b));
  const step = niceStep(max, 4);
  const xMax = Math.max(step, Math.ceil((max * (1 - 1e-12)) / step) * step);
  const scale = (v: number): number => (v / xMax) * plotW;
  const bottom = top + bars.length * pitch;
  for (let v = 0; v <= xMax + step / 2; v += step) {
    const x = plotX + scale(v);
    doc.moveTo(x, top).lineTo(x, bottom).lineWidth(0.4).stroke(v === 0 ? COLOR.rule : COLOR.grid);
    text(doc, byCost ? `$${axisNumber(v)}` : axisNumber(v), x - 30, bottom + 11, { size: 7.5, color: COLOR.muted, align: 'center', width: 60 });
  }
  text(doc, byCost ? 'US dollars' : 'GPU-hours', plotX, bottom + 26, { size: 8.5, color: COLOR.muted, align: 'center', width: plotW });
  const size = Math.max(6.5, Math.min(9, pitch * 0.5));
  bars.forEach((b, i) => {
    const y = top + i * pitch + (pitch - barH) / 2;
    text(doc, b.label, box.x, middle(y, barH, size), { size, align: 'right', width: labelW - 8, color: b.idle || b.other ? COLOR.muted : COLOR.text });
    const wa = scale(b.a);
    const wb = scale(b.b);
    if (wa > 0) doc.rect(plotX, y, wa, barH).fill(b.idle ? COLOR.idle : byCost ? COLOR.cost : COLOR.own);
    if (wb > 0) doc.rect(plotX + wa, y, wb, barH).fill(COLOR.borrowed);
    const value = byCost ? `$${grouped(b.a)}` : grouped(b.a + b.b);
    text(doc, value, plotX + wa + wb + 5, middle(y, barH, Math.min(size, 8)), { size: Math.min(size, 8), width: valueW + plotW - wa - wb - 5 });
  });
}

/** The per-team table of page 1: its columns. */
function teamTableColumns(data: ReportData): Column<TeamTotal>[] {
  const cols: Column<TeamTotal>[] = [
    { group: '', header: 'Team', pdfHeader: ['Team'], width: 80, flex: 1, cell: (t) => ({ text: t.team }) },
    { group: '', header: 'GPU own', pdfHeader: ['GPU-hours', 'own quota'], width: 50, cell: (t) => t.own },
    { group: '', header: 'GPU borrowed', pdfHeader: ['GPU-hours', 'borrowed'], width: 50, cell: (t) => t.borrowed },
    { group: '', header: 'vCPU', pdfHeader: ['vCPU-', 'hours'], width: 54, cell: (t) => t.vcpu },
    { group: '', header: 'NeuronCore', pdfHeader: ['Neuron-', 'Core-hours'], width: 52, cell: (t) => t.neuron },
  ];
  if (hasCost(data)) cols.push({ group: '', header: 'Cost', pdfHeader: ['Cost', '(USD)'], width: 58, cell: (t) => (t.priced ? t.cost : null) });
  if (data.idleSharing !== 'none') {
    cols.push({ group: '', header: 'Idle share', pdfHeader: ['Idle cost', 'share (USD)'], width: 54, cell: (t) => (t.shared ? t.idleShare : null) });
  }
  return cols;
}

const TEAM_TABLE_TITLE = 32;

/**
 * Rows of the per-team table that fit in `height` (largest first, as chart 2, the rest as
 * "Other", and a total), or none when fewer than 3 teams would fit.
 */
function teamTableRows(data: ReportData, height: number): TeamTotal[] {
  const teams = teamTotals(data, []);
  if (teams.length === 0) return [];
  const fit = Math.floor((height - TEAM_TABLE_TITLE - headHeight(teamTableColumns(data), false)) / ROW_H) - 1;
  if (fit < Math.min(3, teams.length + 1)) return [];
  const byCost = hasCost(data);
  const key = (t: TeamTotal): number => (byCost ? t.cost : t.own + t.borrowed) * 1e6 + t.vcpu + t.neuron;
  const rows = teams.length <= fit ? topAndOther(teams, key, teams.length) : topAndOther(teams, key, fit - 1);
  const total = emptyTotal('Total', 0);
  for (const t of teams) addTotal(total, t);
  return [...rows, total];
}

function drawTeamTable(doc: Doc, data: ReportData, rows: TeamTotal[], box: Box): void {
  text(doc, 'Per team, whole period', box.x, box.y + 12, { font: BOLD, size: 12, width: box.w });
  const note =
    (hasCost(data) ? 'Hours used and their cost' : 'Hours used') +
    (data.idleSharing !== 'none' ? `; the idle cost share is each team's part of the idle capacity cost (shared by ${data.idleSharing}).` : '.');
  text(doc, note, box.x, box.y + 25, {
    size: 8.5,
    color: COLOR.muted,
    width: box.w,
  });
  drawTable(doc, teamTableColumns(data), rows, box.y + TEAM_TABLE_TITLE, {
    groups: false,
    stretch: true,
    x: box.x,
    room: box.w,
    newPage: () => {
      throw new Error('the per-team table does not fit on page 1');
    },
    bold: (i) => i === rows.length - 1,
  });
}

function drawOverview(doc: Doc, data: ReportData): void {
  let y = drawHeader(doc, data, undefined);
  y = drawCards(doc, data, y + 4) + 22;
  const gap = 36;
  const w1 = Math.round((CONTENT_W - gap) * 0.6);
  drawDailyChart(doc, data, { x: MARGIN, y, w: w1, h: BOTTOM - y });
  // The right column: chart 2, and below it the per-team table when there is room for it.
  const x2 = MARGIN + w1 + gap;
  const w2 = CONTENT_W - w1 - gap;
  const bars = teamBars(data);
  const chartH = bars.length === 0 ? BAR_CHART_TOP + 140 : BAR_CHART_TOP + bars.length * BAR_PITCH + BAR_CHART_AXIS;
  const tableY = y + chartH + 28;
  const rows = teamTableRows(data, BOTTOM - tableY);
  drawTeamChart(doc, data, bars, { x: x2, y, w: w2, h: rows.length > 0 ? chartH : BOTTOM - y });
  if (rows.length > 0) drawTeamTable(doc, data, rows, { x: x2, y: tableY, w: w2, h: BOTTOM - tableY });
}

// --- The document -----------------------------------------------------------------------------

function byNamespace<R extends { namespace: string }>(rows: R[]): Array<[string, R[]]> {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    const g = groups.get(r.namespace);
    if (g) g.push(r);
    else groups.set(r.namespace, [r]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function drawSections<R extends { namespace: string }>(doc: Doc, data: ReportData, cols: Column<R>[], rows: R[]): void {
  const sections = byNamespace(rows);
  if (sections.length === 0) {
    doc.addPage();
    const y = drawHeader(doc, data, data.request.namespace);
    drawTable(doc, cols, [], y, { groups: true, stretch: true, newPage: () => MARGIN });
    return;
  }
  for (const [ns, nsRows] of sections) {
    doc.addPage();
    const y = drawHeader(doc, data, ns);
    drawTable(doc, cols, nsRows, y, {
      groups: true,
      stretch: true,
      newPage: () => {
        doc.addPage();
        return drawContinuation(doc, data, `Namespace: ${ns}`);
      },
    });
  }
}

const SECTION_NOTES = {
  waits: 'Per task and day, the time it spent pending: before its first admission and after every eviction (requeue wait).',
  idle: 'Capacity of each instance type that no task held, per day.',
  lent: "Hours of a team's own (nominal) quota that other teams of its cohort used, per day.",
  prices: 'The unit prices the costs in this report are computed with.',
  missing: 'Hours without a heartbeat from the collector: the figures may be incomplete there.',
};

function drawAppendix(doc: Doc, data: ReportData): void {
  const parts: Array<(y: number) => number> = [];
  const section = <R>(title: string, note: string, cols: Column<R>[], rows: R[]) =>
    parts.push((y) => {
      if (y + 80 > BOTTOM) {
        doc.addPage();
        y = drawContinuation(doc, data, 'Appendix');
      }
      text(doc, title, MARGIN, y + 14, { font: BOLD, size: 13 });
      text(doc, note, MARGIN, y + 28, { size: 8.5, color: COLOR.muted, width: CONTENT_W });
      return drawTable(doc, cols, rows, y + 36, {
        groups: false,
        stretch: false,
        newPage: () => {
          doc.addPage();
          return drawContinuation(doc, data, title);
        },
      });
    });
  if (data.request.type === 'detailed' && data.waits.length > 0) section(SECTION_TITLES.waits, SECTION_NOTES.waits, waitColumns(), data.waits);
  if (data.idle.length > 0) section(SECTION_TITLES.idle, SECTION_NOTES.idle, idleColumns(data), data.idle);
  if (data.lent.length > 0) section(SECTION_TITLES.lent, SECTION_NOTES.lent, lentColumns(), data.lent);
  if (data.prices.length > 0) section(SECTION_TITLES.prices, SECTION_NOTES.prices, priceColumns(), data.prices);
  if (data.missing.length > MAX_MISSING_IN_HEADER) {
    const cols: Column<MissingPeriod>[] = [
      { group: '', header: 'Start', pdfHeader: ['Start (UTC)'], width: 120, cell: (p) => ({ text: dateTime(p.start) }) },
      { group: '', header: 'End', pdfHeader: ['End (UTC)'], width: 120, cell: (p) => ({ text: dateTime(p.end) }) },
    ];
    section(MISSING_TITLE, SECTION_NOTES.missing, cols, data.missing);
  }
  if (parts.length === 0) return;
  doc.addPage();
  let y = drawHeader(doc, data, undefined);
  for (const part of parts) y = part(y) + 24;
}

function drawFooters(doc: Doc, data: ReportData): void {
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    const y = PAGE_H - MARGIN + 4;
    const r = data.request;
    text(doc, `${reportTypeTitle(r)}, ${r.startDate} to ${r.endDate}, generated ${isoDate(r.generatedAt)} by HyperPod Usage for Grafana`, MARGIN, y, {
      size: 7.5,
      color: COLOR.muted,
      width: CONTENT_W - 100,
    });
    text(doc, `Page ${i + 1} of ${range.count}`, PAGE_W - MARGIN - 100, y, { size: 7.5, color: COLOR.muted, align: 'right', width: 100 });
  }
}

export async function renderPdf(data: ReportData): Promise<Uint8Array> {
  const r = data.request;
  const doc: Doc = new PDFDocument({
    size: 'A3',
    layout: 'landscape',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: pdfSafe(`${reportTypeTitle(r)}, ${r.clusterName}, ${r.startDate} to ${r.endDate}`),
      Author: 'HyperPod Usage for Grafana',
      Subject: 'Amazon SageMaker HyperPod usage',
      CreationDate: r.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
  drawOverview(doc, data);
  if (r.type === 'summary') drawSections(doc, data, summaryColumns(data), data.summary);
  else drawSections(doc, data, detailedColumns(data), data.detailed);
  drawAppendix(doc, data);
  drawFooters(doc, data);
  doc.end();
  return done;
}
