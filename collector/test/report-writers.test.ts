// The report writers: file names, the CSV reports (parsed back with a real RFC 4180 parser and
// checked cell by cell) and the PDF report (read back with poppler's pdftotext and pdftoppm).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { detailedCsv, neutralise, summaryCsv } from '../src/reports/csv.js';
import { reportFileName, safeFileNamePart } from '../src/reports/file-name.js';
import { fixed, grouped, price } from '../src/reports/format.js';
import { renderReport } from '../src/reports/index.js';
import { pdfSafe, renderPdf } from '../src/reports/pdf.js';
import type {
  DetailedRow,
  ReportData,
  ReportRequest,
  SummaryRow,
  TeamDay,
} from '../src/reports/report-data.js';

// --- Fixtures ---------------------------------------------------------------------------------

const H = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

function request(over: Partial<ReportRequest> = {}): ReportRequest {
  return {
    type: 'summary',
    format: 'csv',
    startDate: '2025-04-16',
    endDate: '2025-04-16',
    clusterName: 'hp-cluster-prod',
    generatedAt: new Date('2025-05-02T09:30:00Z'),
    ...over,
  };
}

function summaryRow(
  reportDate: string,
  namespace: string,
  team: string,
  gpu: [number, number, number],
  vcpu: [number, number, number],
  extra: Partial<SummaryRow> = {},
): SummaryRow {
  return {
    reportDate,
    namespace,
    team,
    instanceType: 'ml.g5.8xlarge',
    neuronCore: { total: 0, allocated: 0, borrowed: 0 },
    gpu: { total: gpu[0], allocated: gpu[1], borrowed: gpu[2] },
    vcpu: { total: vcpu[0], allocated: vcpu[1], borrowed: vcpu[2] },
    costUsd: null,
    idleShareUsd: null,
    ...extra,
  };
}

function detailedRow(
  start: string,
  end: string,
  namespace: string,
  team: string,
  task: string,
  status: string,
  gpu: [number, number],
  vcpu: [number, number],
  priorityClass: string,
  costUsd: number | null = null,
): DetailedRow {
  return {
    reportDate: start.slice(0, 10),
    periodStart: at(start),
    periodEnd: at(end),
    namespace,
    team,
    task,
    instanceType: 'ml.g5.8xlarge',
    status,
    neuronCore: { hours: 0, count: 0 },
    gpu: { hours: gpu[0], count: gpu[1] },
    vcpu: { hours: vcpu[0], count: vcpu[1] },
    priorityClass,
    costUsd,
  };
}

const GPU_PRICE = 3.4;

/**
 * The task-governance walkthrough (collector/scenarios/task-governance-walkthrough.yaml, worked
 * out by hand): team A 13.041667 GPU-hours (8.025 own, 5.016667 borrowed), team B 2.983333,
 * vCPU 84.3 and 23.866667, a notebook outside Kueue, 3.975 idle GPU-hours, B lent 5.016667.
 */
function walkthrough(over: Partial<ReportData> = {}, req: Partial<ReportRequest> = {}): ReportData {
  const d = '2025-04-16';
  const priced = (over.prices ?? [1]).length > 0;
  const cost = (gpuHours: number): number | null => (priced ? gpuHours * GPU_PRICE : null);
  return {
    request: request(req),
    summary: [
      summaryRow(d, 'data-science', '', [0, 0, 0], [16, 0, 0]),
      summaryRow(d, 'hyperpod-ns-team-a', 'team-a', [13.041666667, 8.025, 5.016666667], [84.3, 84.3, 0], { costUsd: cost(13.041666667) }),
      summaryRow(d, 'hyperpod-ns-team-b', 'team-b', [2.983333333, 2.983333333, 0], [23.866666667, 23.866666667, 0], { costUsd: cost(2.983333333) }),
    ],
    detailed: [
      detailedRow('2025-04-16T08:00:00Z', '2025-04-16T09:00:30Z', 'hyperpod-ns-team-a', 'team-a', 'pytorchjob-a-pretrain-7f3a1', 'Preempted', [4.033333333, 4], [32.266666667, 32], 'training-priority', cost(4.033333333)),
      detailedRow('2025-04-16T08:01:00Z', '2025-04-16T12:01:00Z', 'data-science', '', 'notebook-0', 'Running', [0, 0], [16, 4], ''),
      detailedRow('2025-04-16T09:00:30Z', '2025-04-16T10:30:00Z', 'hyperpod-ns-team-b', 'team-b', 'pytorchjob-b-finetune-1c9d2', 'Finished', [2.983333333, 2], [23.866666667, 16], 'training-priority', cost(2.983333333)),
      detailedRow('2025-04-16T09:15:00Z', '2025-04-16T10:00:30Z', 'hyperpod-ns-team-a', 'team-a', 'pytorchjob-a-eval-52be0', 'Preempted', [1.516666667, 2], [6.066666667, 8], 'training-priority', cost(1.516666667)),
      detailedRow('2025-04-16T10:00:30Z', '2025-04-16T11:30:00Z', 'hyperpod-ns-team-a', 'team-a', 'pod-a-serve-6d8f4', 'Running', [1.491666667, 1], [5.966666667, 4], 'inference-priority', cost(1.491666667)),
      detailedRow('2025-04-16T10:30:00Z', '2025-04-16T11:30:00Z', 'hyperpod-ns-team-a', 'team-a', 'pytorchjob-a-eval-52be0', 'Finished', [2, 2], [8, 8], 'training-priority', cost(2)),
      detailedRow('2025-04-16T11:30:00Z', '2025-04-16T12:30:00Z', 'hyperpod-ns-team-a', 'team-a', 'pytorchjob-a-pretrain-7f3a1', 'Finished', [4, 4], [32, 32], 'training-priority', cost(4)),
    ],
    // Waits from task_daily: pretrain pending 09:00:30-11:30 after its preemption, eval 10:00:30-10:30,
    // serve and b-finetune 30 s before their admission.
    waits: [
      { reportDate: d, namespace: 'hyperpod-ns-team-a', team: 'team-a', task: 'pod-a-serve-6d8f4', status: 'deleted', preemptions: 0, pendingSeconds: 30, requeueWaitSeconds: 0 },
      { reportDate: d, namespace: 'hyperpod-ns-team-a', team: 'team-a', task: 'pytorchjob-a-eval-52be0', status: 'finished', preemptions: 1, pendingSeconds: 1770, requeueWaitSeconds: 1770 },
      { reportDate: d, namespace: 'hyperpod-ns-team-a', team: 'team-a', task: 'pytorchjob-a-pretrain-7f3a1', status: 'finished', preemptions: 1, pendingSeconds: 8970, requeueWaitSeconds: 8970 },
      { reportDate: d, namespace: 'hyperpod-ns-team-b', team: 'team-b', task: 'pytorchjob-b-finetune-1c9d2', status: 'finished', preemptions: 0, pendingSeconds: 30, requeueWaitSeconds: 0 },
    ],
    idle: [{ reportDate: d, instanceType: 'ml.g5.8xlarge', gpuHours: 3.975, vcpuHours: 531.833333, neuronCoreHours: 0, costUsd: cost(3.975) }],
    lent: [{ reportDate: d, namespace: 'hyperpod-ns-team-b', team: 'team-b', instanceType: 'ml.g5.8xlarge', gpuHours: 5.016666667, vcpuHours: 0, neuronCoreHours: 0 }],
    teamDays: [
      { reportDate: d, team: '', ownGpuHours: 0, borrowedGpuHours: 0, vcpuHours: 16, neuronCoreHours: 0, costUsd: null, idleShareUsd: null },
      { reportDate: d, team: 'team-a', ownGpuHours: 8.025, borrowedGpuHours: 5.016666667, vcpuHours: 84.3, neuronCoreHours: 0, costUsd: cost(13.041666667), idleShareUsd: null },
      { reportDate: d, team: 'team-b', ownGpuHours: 2.983333333, borrowedGpuHours: 0, vcpuHours: 23.866666667, neuronCoreHours: 0, costUsd: cost(2.983333333), idleShareUsd: null },
    ],
    missing: [{ start: at('2025-04-16T13:00:00Z'), end: at('2025-04-17T00:00:00Z') }],
    prices: [{ instanceType: 'ml.g5.8xlarge', unitResource: 'gpu', unitPricePerHour: GPU_PRICE, source: 'config: prices.ml.g5.8xlarge' }],
    currency: 'USD',
    idleSharing: 'none',
    ...over,
  };
}

function emptyData(req: Partial<ReportRequest> = {}): ReportData {
  return { request: request(req), summary: [], detailed: [], waits: [], idle: [], lent: [], teamDays: [], missing: [], prices: [], currency: 'USD', idleSharing: 'none' };
}

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function daysFrom(start: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => new Date(at(`${start}T00:00:00Z`) + i * 24 * H).toISOString().slice(0, 10));
}

/** `teams` teams in as many namespaces over `days` days, with prices and idle cost shared by quota. */
function multiDay(days: number, teams: number, req: Partial<ReportRequest> = {}): ReportData {
  const rnd = random(days * 100 + teams);
  const dates = daysFrom('2025-03-25', days);
  const names = Array.from({ length: teams }, (_, i) => (teams <= 4 ? ['ml-team-a', 'ml-team-b', 'ml-team-c', 'research'][i] ?? `t${i}` : `team-${String(i + 1).padStart(2, '0')}`));
  const summary: SummaryRow[] = [];
  const teamDays: TeamDay[] = [];
  const detailed: DetailedRow[] = [];
  for (const date of dates) {
    names.forEach((team, i) => {
      const weight = 1 / (i + 1);
      const own = Math.round(rnd() * 40 * weight * 1e6) / 1e6;
      const borrowed = i % 3 === 1 ? 0 : Math.round(rnd() * 20 * weight * 1e6) / 1e6;
      const gpu = own + borrowed;
      const ns = `hyperpod-ns-${team}`;
      summary.push(summaryRow(date, ns, team, [gpu, own, borrowed], [gpu * 8, own * 8, borrowed * 8], { costUsd: gpu * GPU_PRICE, idleShareUsd: (12.5 * GPU_PRICE) / teams }));
      teamDays.push({ reportDate: date, team, ownGpuHours: own, borrowedGpuHours: borrowed, vcpuHours: gpu * 8, neuronCoreHours: 0, costUsd: gpu * GPU_PRICE, idleShareUsd: (12.5 * GPU_PRICE) / teams });
      detailed.push(
        detailedRow(`${date}T02:00:00Z`, `${date}T06:30:00Z`, ns, team, `train-${team}-${date}`, 'Finished', [gpu / 2, 2], [gpu * 4, 16], 'training-priority', (gpu / 2) * GPU_PRICE),
        // Runs to midnight: the end is on the next day.
        detailedRow(`${date}T18:00:00Z`, `${new Date(at(`${date}T00:00:00Z`) + 24 * H).toISOString().slice(0, 10)}T00:00:00Z`, ns, team, `serve-${team}`, 'Running', [gpu / 2, 1], [gpu * 4, 8], 'inference-priority', (gpu / 2) * GPU_PRICE),
      );
    });
  }
  summary.sort((a, b) => (a.reportDate + a.namespace).localeCompare(b.reportDate + b.namespace));
  return {
    request: request({ startDate: dates[0], endDate: dates[dates.length - 1], ...req }),
    summary,
    detailed,
    waits: [],
    idle: dates.map((date) => ({ reportDate: date, instanceType: 'ml.g5.8xlarge', gpuHours: 12.5, vcpuHours: 100, neuronCoreHours: 0, costUsd: 12.5 * GPU_PRICE })),
    lent: dates.map((date) => ({ reportDate: date, namespace: 'hyperpod-ns-research', team: names[teams - 1] ?? '', instanceType: 'ml.g5.8xlarge', gpuHours: 3, vcpuHours: 24, neuronCoreHours: 0 })),
    teamDays,
    missing: [
      { start: at(`${dates[1]}T05:00:00Z`), end: at(`${dates[1]}T07:00:00Z`) },
      { start: at(`${dates[3]}T22:00:00Z`), end: at(`${dates[4]}T01:00:00Z`) },
    ],
    prices: [{ instanceType: 'ml.g5.8xlarge', unitResource: 'gpu', unitPricePerHour: GPU_PRICE, source: 'config: prices.ml.g5.8xlarge' }],
    currency: 'USD',
    idleSharing: 'quota',
  };
}

const HOSTILE = {
  formula: "=cmd|' /C calc'!A0",
  plus: '+SUM(A1:A9)',
  minus: '-team',
  at: '@evil',
  tab: '\tsneaky',
  cr: '\rsneaky',
  spaced: '  =1+1',
  quoted: 'team "quoted", with commas',
  semicolon: 'ns;drop table;--',
  newline: 'line1\nline2\r\nline3',
  unicode: 'チーム-α-é',
  rtl: 'team-\u202egnp.exe\u200f',
  emoji: 'gpu-🚀-team',
  long: `very-long-task-name-${'x'.repeat(300)}`,
  path: '../../etc/passwd',
};

function hostileData(req: Partial<ReportRequest> = {}): ReportData {
  const base = walkthrough({}, { clusterName: 'prod, "eu"\ncluster', namespace: HOSTILE.semicolon, task: HOSTILE.formula, ...req });
  const names = Object.values(HOSTILE);
  return {
    ...base,
    summary: names.map((name, i) =>
      summaryRow('2025-04-16', i % 2 ? name : HOSTILE.newline, name, [1 + i, 1, i], [8, 8, 0], { instanceType: i === 0 ? HOSTILE.at : 'ml.g5.8xlarge', costUsd: 1.5 }),
    ),
    detailed: names.map((name, i) => ({
      ...detailedRow('2025-04-16T08:00:00Z', '2025-04-16T09:00:00Z', HOSTILE.rtl, name, name, HOSTILE.plus, [1, 1], [8, 8], HOSTILE.minus, 3.4),
      namespace: i % 2 ? HOSTILE.unicode : HOSTILE.rtl,
    })),
    teamDays: names.map((name, i) => ({ reportDate: '2025-04-16', team: name, ownGpuHours: 1 + i, borrowedGpuHours: i % 2, vcpuHours: 8, neuronCoreHours: 0, costUsd: 3.4 * (1 + i), idleShareUsd: null })),
    lent: [{ ...(base.lent[0] as ReportData['lent'][number]), team: HOSTILE.formula, namespace: HOSTILE.cr }],
    prices: [{ instanceType: HOSTILE.at, unitResource: 'gpu', unitPricePerHour: 0.7653, source: HOSTILE.formula }],
  };
}

// --- Helpers ----------------------------------------------------------------------------------

const records = (csv: string): string[][] => parse(csv, { relax_column_count: true });

/** The records from the group header row to the end of the table (before the first empty line). */
function tableOf(rows: string[][]): { groups: string[]; headers: string[]; data: string[][] } {
  const start = rows.findIndex((r) => r[0] === 'Date' && r.length > 8);
  const g = rows[start - 1];
  assert.ok(start > 0 && g, 'no table');
  const end = rows.findIndex((r, i) => i > start && r.length === 1 && r[0] === '');
  return { groups: g, headers: rows[start] ?? [], data: rows.slice(start + 1, end < 0 ? undefined : end) };
}

function section(rows: string[][], title: string): string[][] | undefined {
  const i = rows.findIndex((r) => r.length === 1 && r[0] === title);
  if (i < 0) return undefined;
  const end = rows.findIndex((r, j) => j > i && r.length === 1 && r[0] === '');
  return rows.slice(i + 1, end < 0 ? undefined : end);
}

const SUMMARY_HEADERS = [
  'Date', 'Namespace', 'Team', 'Type',
  'Total utilization (hours)', 'Allocated utilization (hours)', 'Borrowed utilization (hours)',
  'Total utilization (hours)', 'Allocated utilization (hours)', 'Borrowed utilization (hours)',
  'Total utilization (hours)', 'Allocated utilization (hours)', 'Borrowed utilization (hours)',
];
const DETAILED_HEADERS = [
  'Date', 'Period Start', 'Period End', 'Namespace', 'Team', 'Task', 'Instance', 'Status',
  'Total utilization (hours)', 'Total utilization (count)', 'Total utilization (hours)', 'Total utilization (count)',
  'Total utilization (hours)', 'Total utilization (count)', 'Priority class',
];

// --- File names -------------------------------------------------------------------------------

describe('report file names', () => {
  it('are named as AWS names them', () => {
    assert.equal(reportFileName(request({ startDate: '2025-03-25', endDate: '2025-03-25' })), 'summary-report-2025-03-25.csv');
    assert.equal(
      reportFileName(request({ startDate: '2025-03-25', endDate: '2025-03-31', namespace: 'ml-team-a' })),
      'summary-report-2025-03-25-2025-03-31-ml-team-a.csv',
    );
    assert.equal(
      reportFileName(request({ type: 'detailed', startDate: '2025-03-25', endDate: '2025-03-25', task: 'inference-job-2' })),
      'detailed-report-2025-03-25-inference-job-2.csv',
    );
    assert.equal(
      reportFileName(request({ type: 'detailed', format: 'pdf', startDate: '2025-04-16', endDate: '2025-04-17', namespace: 'hyperpod-ns-team-a', task: 'pytorch-job-1.v2' })),
      'detailed-report-2025-04-16-2025-04-17-hyperpod-ns-team-a-pytorch-job-1.v2.pdf',
    );
    // An empty filter is no filter, as in AWS's tool.
    assert.equal(reportFileName(request({ namespace: '', task: '' })), 'summary-report-2025-04-16.csv');
  });

  it('are safe whatever the names', () => {
    for (const name of [...Object.values(HOSTILE), '..', '.', 'a.', '.a', 'a..b', 'a/b', 'a\\b', 'C:\\x', '\u0000', 'x'.repeat(2000)]) {
      const file = reportFileName(request({ type: 'detailed', namespace: name, task: name }));
      assert.match(file, /^detailed-report-2025-04-16-[A-Za-z0-9._~-]+\.csv$/, JSON.stringify(name));
      assert.ok(!file.includes('..'), file);
      assert.ok(Buffer.byteLength(file) <= 255, file);
    }
    assert.equal(safeFileNamePart('../../etc/passwd').replace(/~[0-9a-f]{8}$/, ''), '._._etc_passwd');
    assert.equal(safeFileNamePart('team "quoted", with commas').replace(/~[0-9a-f]{8}$/, ''), 'team_quoted_with_commas');
    // Names that differ only in what is replaced still get different file names.
    assert.notEqual(safeFileNamePart('ml/team'), safeFileNamePart('ml team'));
    // Ordinary Kubernetes names do not change.
    for (const name of ['hyperpod-ns-team-a', 'pytorchjob-a-pretrain-7f3a1', 'a.b-c_d', 'x'.repeat(100)]) assert.equal(safeFileNamePart(name), name);
  });
});

// --- Formatting -------------------------------------------------------------------------------

describe('report number formatting', () => {
  it('prints two decimals, ties rounded up whatever the float error', () => {
    assert.equal(fixed(13.041666667), '13.04');
    assert.equal(fixed(8.025), '8.03');
    assert.equal(fixed(13.041666667 - 5.016666667), '8.03');
    assert.equal(fixed(3.975 * 3.4), '13.52');
    assert.equal(fixed(0), '0.00');
    assert.equal(fixed(-0.001), '0.00');
    assert.equal(fixed(-1.5), '-1.50');
    assert.equal(fixed(Number.NaN), '');
    assert.equal(grouped(1234567.891), '1,234,567.89');
    assert.equal(price(3.4), '3.40');
    assert.equal(price(0.7653), '0.7653');
  });
});

// --- CSV --------------------------------------------------------------------------------------

describe('summary CSV', () => {
  it('matches the walkthrough cell by cell', () => {
    const rows = records(summaryCsv(walkthrough()));
    assert.deepEqual(rows, [
      ['Amazon SageMaker HyperPod'],
      ['Cluster Name: hp-cluster-prod'],
      ['Report Type: Summary Utilization Report'],
      ['Report Date Generated: 2025-05-02'],
      ['Report Date Range (UTC): 2025-04-16 to 2025-04-16'],
      ['Missing Data Periods'],
      ['2025-04-16 13:00:00 to 2025-04-17 00:00:00'],
      ['', '', '', 'Instance', 'NeuronCore', '', '', 'GPU', '', '', 'vCPU', '', '', 'Cost'],
      [...SUMMARY_HEADERS, 'Cost (USD)'],
      ['2025-04-16', 'data-science', '', 'ml.g5.8xlarge', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '16.00', '0.00', '0.00', ''],
      ['2025-04-16', 'hyperpod-ns-team-a', 'team-a', 'ml.g5.8xlarge', '0.00', '0.00', '0.00', '13.04', '8.03', '5.02', '84.30', '84.30', '0.00', '44.34'],
      ['2025-04-16', 'hyperpod-ns-team-b', 'team-b', 'ml.g5.8xlarge', '0.00', '0.00', '0.00', '2.98', '2.98', '0.00', '23.87', '23.87', '0.00', '10.14'],
      [''],
      ['Idle capacity'],
      ['Date', 'Instance Type', 'Idle GPU (hours)', 'Idle vCPU (hours)', 'Idle NeuronCore (hours)', 'Idle Cost (USD)'],
      ['2025-04-16', 'ml.g5.8xlarge', '3.98', '531.83', '0.00', '13.52'],
      [''],
      ['Lent quota'],
      ['Date', 'Namespace', 'Team', 'Instance Type', 'Lent GPU (hours)', 'Lent vCPU (hours)', 'Lent NeuronCore (hours)'],
      ['2025-04-16', 'hyperpod-ns-team-b', 'team-b', 'ml.g5.8xlarge', '5.02', '0.00', '0.00'],
      [''],
      ['Prices'],
      ['Instance Type', 'Unit', 'Price per Unit-Hour (USD)', 'Source'],
      ['ml.g5.8xlarge', 'GPU', '3.40', 'config: prices.ml.g5.8xlarge'],
    ]);
  });

  it('reads like AWS when there is nothing to add: same lines, bytes, CRLF, no BOM', () => {
    const data = walkthrough({ prices: [], idle: [], lent: [], missing: [] });
    const csv = summaryCsv(data);
    assert.ok(!csv.startsWith('\ufeff'));
    assert.ok(csv.endsWith('\r\n'));
    assert.equal(csv.replace(/\r\n/g, '').includes('\n'), false, 'only CRLF line ends');
    const lines = csv.split('\r\n');
    assert.equal(lines[5], ',,,Instance,NeuronCore,,,GPU,,,vCPU,,');
    assert.equal(lines[6], SUMMARY_HEADERS.join(','));
    assert.equal(lines[7], '2025-04-16,data-science,,ml.g5.8xlarge,0.00,0.00,0.00,0.00,0.00,0.00,16.00,0.00,0.00');
    assert.equal(lines[8], '2025-04-16,hyperpod-ns-team-a,team-a,ml.g5.8xlarge,0.00,0.00,0.00,13.04,8.03,5.02,84.30,84.30,0.00');
    assert.deepEqual(lines.slice(10), [''], 'ends after the table');
  });

  it('prints the day it was made as the generation date, not the end of the range', () => {
    const data = multiDay(7, 3, { generatedAt: new Date('2025-04-02T23:59:59.999Z') });
    const rows = records(summaryCsv(data));
    assert.deepEqual(rows[3], ['Report Date Generated: 2025-04-02']);
    assert.deepEqual(rows[4], ['Report Date Range (UTC): 2025-03-25 to 2025-03-31']);
  });

  it('prints the filters and every missing-data period', () => {
    const data = multiDay(7, 3, { namespace: 'hyperpod-ns-ml-team-a', task: 'train-x' });
    const rows = records(summaryCsv(data));
    assert.deepEqual(rows.slice(5, 10), [
      ['Namespace: hyperpod-ns-ml-team-a'],
      ['Task: train-x'],
      ['Missing Data Periods'],
      ['2025-03-26 05:00:00 to 2025-03-26 07:00:00'],
      ['2025-03-28 22:00:00 to 2025-03-29 01:00:00'],
    ]);
  });

  it('adds the cost columns and the sections only when they apply', () => {
    const shared = tableOf(records(summaryCsv(multiDay(7, 3))));
    assert.deepEqual(shared.headers, [...SUMMARY_HEADERS, 'Cost (USD)', 'Idle Cost Share (USD)']);
    assert.deepEqual(shared.groups.slice(13), ['Cost', '']);
    assert.equal(shared.data.length, 21);
    for (const row of shared.data) assert.equal(row[14], '14.17');

    // No price known: no cost column and no prices section, though idle hours are still listed.
    const noPrice = walkthrough({ prices: [] });
    const rows = records(summaryCsv(noPrice));
    const t = tableOf(rows);
    assert.deepEqual(t.headers, SUMMARY_HEADERS);
    assert.equal(t.groups.length, 13);
    assert.deepEqual(section(rows, 'Idle capacity')?.[0], ['Date', 'Instance Type', 'Idle GPU (hours)', 'Idle vCPU (hours)', 'Idle NeuronCore (hours)']);
    assert.equal(section(rows, 'Prices'), undefined);

    // Idle cost shared, without prices: the share column alone, under the Cost group.
    const shareOnly = tableOf(records(summaryCsv(walkthrough({ prices: [], idleSharing: 'usage' }))));
    assert.deepEqual(shareOnly.headers, [...SUMMARY_HEADERS, 'Idle Cost Share (USD)']);
    assert.equal(shareOnly.groups[13], 'Cost');
    assert.equal(shareOnly.data[1]?.[13], '');
  });

  it('says No Results and adds no section when there is nothing', () => {
    const rows = records(summaryCsv(emptyData()));
    assert.deepEqual(rows.slice(5), [['', '', '', 'Instance', 'NeuronCore', '', '', 'GPU', '', '', 'vCPU', '', ''], SUMMARY_HEADERS, ['No Results']]);
  });
});

describe('detailed CSV', () => {
  it('lines the group header up with its columns', () => {
    const t = tableOf(records(detailedCsv(walkthrough())));
    assert.deepEqual(t.headers, [...DETAILED_HEADERS, 'Cost (USD)']);
    assert.equal(t.groups.length, t.headers.length);
    assert.equal(t.groups.indexOf('NeuronCore'), t.headers.indexOf('Total utilization (hours)'));
    assert.equal(t.groups.indexOf('GPU'), 10);
    assert.equal(t.groups.indexOf('vCPU'), 12);
    assert.equal(t.groups.indexOf('Cost'), t.headers.indexOf('Cost (USD)'));
    assert.deepEqual(t.groups, ['', '', '', '', '', '', '', '', 'NeuronCore', '', 'GPU', '', 'vCPU', '', '', 'Cost']);
    // The GPU columns hold the GPU figures.
    const pretrain = t.data[0] ?? [];
    assert.deepEqual(pretrain.slice(t.groups.indexOf('GPU'), t.groups.indexOf('GPU') + 2), ['4.03', '4.00']);
    assert.deepEqual(pretrain, [
      '2025-04-16', '2025-04-16 08:00:00', '2025-04-16 09:00:30', 'hyperpod-ns-team-a', 'team-a', 'pytorchjob-a-pretrain-7f3a1',
      'ml.g5.8xlarge', 'Preempted', '0.00', '0.00', '4.03', '4.00', '32.27', '32.00', 'training-priority', '13.71',
    ]);
    assert.equal(t.data.length, 7);
    assert.equal(t.data[1]?.[15], '', 'no cost for a row without a price');
  });

  it('prints the date with period start and end, so a period to midnight ends the next day', () => {
    const t = tableOf(records(detailedCsv(multiDay(7, 2, { type: 'detailed' }))));
    const serve = t.data.find((r) => r[5] === 'serve-ml-team-a' && r[0] === '2025-03-31');
    assert.deepEqual(serve?.slice(0, 3), ['2025-03-31', '2025-03-31 18:00:00', '2025-04-01 00:00:00']);
    for (const r of t.data) {
      assert.match(r[1] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.ok((r[2] ?? '') > (r[1] ?? ''), 'a period ends after it starts');
    }
  });

  it('lists the waits for quota after the table, in h:mm:ss, and only in the detailed report', () => {
    const rows = records(detailedCsv(walkthrough({}, { type: 'detailed' })));
    assert.deepEqual(section(rows, 'Waiting for quota'), [
      ['Date', 'Namespace', 'Team', 'Task', 'Status', 'Preemptions', 'Pending (h:mm:ss)', 'Requeue Wait (h:mm:ss)'],
      ['2025-04-16', 'hyperpod-ns-team-a', 'team-a', 'pod-a-serve-6d8f4', 'deleted', '0', '0:00:30', '0:00:00'],
      ['2025-04-16', 'hyperpod-ns-team-a', 'team-a', 'pytorchjob-a-eval-52be0', 'finished', '1', '0:29:30', '0:29:30'],
      ['2025-04-16', 'hyperpod-ns-team-a', 'team-a', 'pytorchjob-a-pretrain-7f3a1', 'finished', '1', '2:29:30', '2:29:30'],
      ['2025-04-16', 'hyperpod-ns-team-b', 'team-b', 'pytorchjob-b-finetune-1c9d2', 'finished', '0', '0:00:30', '0:00:00'],
    ]);
    assert.equal(section(records(summaryCsv(walkthrough())), 'Waiting for quota'), undefined);
  });

  it('says No Results when there is nothing', () => {
    const rows = records(detailedCsv(emptyData({ type: 'detailed', task: 'nope' })));
    assert.deepEqual(rows.at(-3), ['', '', '', '', '', '', '', '', 'NeuronCore', '', 'GPU', '', 'vCPU', '', '']);
    assert.deepEqual(rows.at(-2), DETAILED_HEADERS);
    assert.deepEqual(rows.at(-1), ['No Results']);
  });
});

describe('CSV with hostile names', () => {
  const expectText = (name: string): string => neutralise(name);

  it('neutralises what a spreadsheet would run, and nothing else', () => {
    for (const s of ['=1+1', '+1', '-1', '@A1', '\t=1', '\r=1', '  =1', '\u00a0=1', '\uff1d1+1', '\uff20A1']) assert.equal(neutralise(s), `'${s}`);
    for (const s of ['', 'a=b', '1-2', 'team-a', "'quoted", ' a', 'ns;drop']) assert.equal(neutralise(s), s);
  });

  it('neutralises formulas, quotes what needs it and round-trips every name', () => {
    const data = hostileData();
    for (const csv of [summaryCsv(data), detailedCsv({ ...data, request: { ...data.request, type: 'detailed' } })]) {
      const rows = records(csv);
      // Title lines stay one field each, whatever the names hold.
      assert.deepEqual(rows[1], ['Cluster Name: prod, "eu"\ncluster']);
      assert.deepEqual(rows[5], [`Namespace: ${HOSTILE.semicolon}`]);
      assert.deepEqual(rows[6], [`Task: ${HOSTILE.formula}`]);
      const t = tableOf(rows);
      assert.equal(t.data.length, Object.keys(HOSTILE).length);
      for (const row of t.data) assert.equal(row.length, t.headers.length);
      // No cell that a spreadsheet would run, anywhere in the file.
      for (const row of rows) for (const cell of row) assert.doesNotMatch(cell, /^\s*[=+\-@]|^[\t\r]/, JSON.stringify(cell));
    }
    const t = tableOf(records(summaryCsv(data)));
    const names = Object.values(HOSTILE);
    names.forEach((name, i) => {
      const row = t.data[i] ?? [];
      assert.equal(row[2], expectText(name), `team ${JSON.stringify(name)}`);
      assert.equal(row[1], expectText(i % 2 ? name : HOSTILE.newline));
      // Numbers we write stay numbers.
      assert.equal(row[7], fixed(1 + i));
      assert.ok(Number.isFinite(Number(row[7])));
      assert.equal(row[13], '1.50');
    });
    assert.equal(t.data[0]?.[3], "'@evil");
    assert.equal(t.data[0]?.[2], `'${HOSTILE.formula}`);
    assert.equal(t.data[2]?.[2], "'-team");
    assert.equal(t.data[4]?.[2], "'\tsneaky");
    assert.equal(t.data[5]?.[2], "'\rsneaky");
    assert.equal(t.data[6]?.[2], "'  =1+1");
    assert.equal(t.data[10]?.[2], HOSTILE.unicode);
    assert.equal(t.data[11]?.[2], HOSTILE.rtl);
    const rows = records(summaryCsv(data));
    assert.deepEqual(section(rows, 'Lent quota')?.[1]?.slice(1, 3), [`'${HOSTILE.cr}`, `'${HOSTILE.formula}`]);
    assert.deepEqual(section(rows, 'Prices')?.[1], ["'@evil", 'GPU', '0.7653', `'${HOSTILE.formula}`]);
    const d = tableOf(records(detailedCsv(data)));
    assert.equal(d.data[0]?.[7], `'${HOSTILE.plus}`);
    assert.equal(d.data[0]?.[14], `'${HOSTILE.minus}`);
    assert.equal(d.data[0]?.[15], '3.40');
  });
});

describe('renderReport', () => {
  it('names the file and picks the writer', async () => {
    const csv = await renderReport(walkthrough({}, { namespace: 'hyperpod-ns-team-a' }));
    assert.equal(csv.fileName, 'summary-report-2025-04-16-hyperpod-ns-team-a.csv');
    assert.match(csv.contentType, /^text\/csv; charset=utf-8/);
    assert.equal(new TextDecoder().decode(csv.body), summaryCsv(walkthrough({}, { namespace: 'hyperpod-ns-team-a' })));
    const detailed = await renderReport(walkthrough({}, { type: 'detailed' }));
    assert.equal(new TextDecoder().decode(detailed.body), detailedCsv(walkthrough({}, { type: 'detailed' })));
    const pdf = await renderReport(walkthrough({}, { format: 'pdf', endDate: '2025-04-17' }));
    assert.equal(pdf.fileName, 'summary-report-2025-04-16-2025-04-17.pdf');
    assert.equal(pdf.contentType, 'application/pdf');
    assert.equal(Buffer.from(pdf.body.subarray(0, 5)).toString('latin1'), '%PDF-');
  });
});

// --- PDF --------------------------------------------------------------------------------------

const hasPoppler = spawnSync('pdftotext', ['-v']).status === 0 && spawnSync('pdftoppm', ['-v']).status === 0;
// CI installs poppler-utils; elsewhere the PDF checks are skipped when it is missing.
const noPoppler = !hasPoppler && !process.env.CI ? 'poppler-utils (pdftotext, pdftoppm) not installed' : false;

describe('PDF report', { skip: noPoppler }, () => {
  // HPU_REPORT_PREVIEW=<dir> keeps the PDFs and page images there, to look at them.
  const keep = process.env.HPU_REPORT_PREVIEW;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'hpu-report-pdf-'));
  if (keep) mkdirSync(keep, { recursive: true });
  after(() => {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  });

  async function write(name: string, data: ReportData): Promise<string> {
    const body = await renderPdf(data);
    assert.equal(Buffer.from(body.subarray(0, 5)).toString('latin1'), '%PDF-');
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, body);
    return file;
  }
  const pdfText = (file: string, page?: number): string =>
    execFileSync('pdftotext', ['-layout', ...(page ? ['-f', String(page), '-l', String(page)] : []), file, '-'], { encoding: 'utf8' });
  const pages = (file: string): string[] => pdfText(file).split('\f').slice(0, -1);

  /** Asserts that the strings appear in this order in `text`. */
  function inOrder(text: string, strings: string[]): void {
    let from = 0;
    for (const s of strings) {
      const i = text.indexOf(s, from);
      assert.ok(i >= 0, `${JSON.stringify(s)} not found after position ${from}`);
      from = i + s.length;
    }
  }

  /** Page 1 as an image: PNG (as a person would look at it) and PPM (to count pixels). */
  function pageImage(file: string, name: string): { png: number; pixels: number; ink: number; own: number; borrowed: number } {
    const base = join(dir, name);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, base]);
    execFileSync('pdftoppm', ['-r', '60', '-f', '1', '-l', '1', '-singlefile', file, base]);
    const ppm = readFileSync(`${base}.ppm`);
    const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString('latin1'));
    assert.ok(header, 'a binary PPM');
    const [w, h] = [Number(header[1]), Number(header[2])];
    const data = ppm.subarray(header[0].length);
    let ink = 0;
    let own = 0;
    let borrowed = 0;
    for (let p = 0; p < w * h; p++) {
      const [r, g, b] = [data[3 * p] ?? 0, data[3 * p + 1] ?? 0, data[3 * p + 2] ?? 0];
      if (r < 200 || g < 200 || b < 200) ink++;
      if (Math.abs(r - 0x2c) < 24 && Math.abs(g - 0x6d) < 24 && Math.abs(b - 0xb5) < 24) own++;
      if (Math.abs(r - 0xf0) < 24 && Math.abs(g - 0x8a) < 24 && Math.abs(b - 0x24) < 24) borrowed++;
    }
    return { png: statSync(`${base}.png`).size, pixels: w * h, ink, own, borrowed };
  }

  it('puts the header, headline figures, charts and one page per namespace in the walkthrough', async () => {
    const base = walkthrough({ idleSharing: 'quota' });
    // Idle cost 13.515 shared by nominal quota, 10 GPUs each.
    const summary = base.summary.map((r) => ({ ...r, idleShareUsd: r.team === '' ? null : 6.7575 }));
    const file = await write('walkthrough-summary', { ...base, summary });
    const all = pdfText(file);
    inOrder(all, [
      'Amazon SageMaker HyperPod',
      'Cluster Name: hp-cluster-prod',
      'Report Type: Summary Utilization Report',
      'Report Date Generated: 2025-05-02',
      'Report Date Range (UTC): 2025-04-16 to 2025-04-16',
      'Missing Data Periods:',
      '2025-04-16 13:00:00 to 2025-04-17 00:00:00',
    ]);
    const p = pages(file);
    const [first = ''] = p;
    // Headline figures: own 8.025 + 2.983 = 11.01, borrowed 5.02, vCPU 16 + 84.3 + 23.87 = 124.17,
    // cost (13.04 + 2.98) x 3.40 = 54.49 (the notebook has no price), idle 3.975 x 3.40 = 13.52.
    inOrder(first, ['GPU-hours, own quota', 'GPU-hours, borrowed', 'vCPU-hours', 'NeuronCore-hours', 'Total cost (USD)', 'Idle capacity cost (USD)']);
    inOrder(first, ['11.01', '5.02', '124.17', '0.00', '$54.49', '$13.52']);
    inOrder(first, ['69% of 16.03 GPU-hours used', '31%']);
    assert.match(first, /excludes usage without a known price/);
    assert.match(first, /shared by quota/);
    // The charts: team names, totals, legend.
    inOrder(first, ['GPU-hours per team per day', 'Cost per team (USD)']);
    assert.match(first, /Own quota/);
    assert.match(first, /Borrowed/);
    inOrder(first, ['team-a', '13.04 h', '5.02 borrowed']);
    assert.match(first, /team-b/);
    assert.match(first, /\$44\.34/);
    assert.match(first, /Idle capacity/);
    assert.match(first, /1 team without GPU usage not shown/);
    assert.doesNotMatch(first, /Namespace: /);

    // Then a page per namespace, sorted, each with the header block.
    assert.equal(p.length, 1 + 3 + 1);
    ['data-science', 'hyperpod-ns-team-a', 'hyperpod-ns-team-b'].forEach((ns, i) => {
      const page = p[i + 1] ?? '';
      inOrder(page, ['Amazon SageMaker HyperPod', 'Cluster Name: hp-cluster-prod', 'Report Date Generated: 2025-05-02', `Namespace: ${ns}`, 'NeuronCore', 'GPU', 'vCPU', 'Cost']);
      assert.equal(pdfText(file, i + 2), `${page}\f`, 'pdftotext -f N -l N reads the same page');
    });
    inOrder(p[2] ?? '', ['Namespace: hyperpod-ns-team-a', 'team-a', 'ml.g5.8xlarge', '13.04', '8.03', '5.02', '84.30', '44.34', '6.76']);
    inOrder(p[3] ?? '', ['team-b', '2.98', '2.98', '0.00', '23.87']);
    assert.match(p[2] ?? '', /Idle cost\s/);
    // The appendix: idle capacity, lent quota, prices.
    inOrder(p[4] ?? '', ['Idle capacity', '3.98', '13.52', 'Lent quota', 'team-b', '5.02', 'Prices', 'ml.g5.8xlarge', 'GPU', '3.40', 'config: prices.ml.g5.8xlarge']);
    assert.match(p[4] ?? '', /Page 5 of 5/);

    const img = pageImage(file, 'walkthrough-page1');
    assert.ok(img.png > 15_000, `page 1 PNG is ${img.png} bytes`);
    assert.ok(img.ink > img.pixels * 0.02, 'page 1 is not blank');
    assert.ok(img.own > 300, `own-quota bars drawn (${img.own} px)`);
    assert.ok(img.borrowed > 100, `borrowed bars drawn (${img.borrowed} px)`);
  });

  it('draws a detailed report over 7 days and 4 namespaces, rows continuing under repeated headers', async () => {
    const data = multiDay(7, 4, { type: 'detailed' });
    // Enough rows in one namespace to run over a page.
    const extra = Array.from({ length: 60 }, (_, i) =>
      detailedRow(`2025-03-27T${String(i % 24).padStart(2, '0')}:00:00Z`, `2025-03-27T${String(i % 24).padStart(2, '0')}:30:00Z`, 'hyperpod-ns-ml-team-b', 'ml-team-b', `sweep-${i}`, 'Finished', [0.5, 1], [4, 8], 'training-priority', 1.7),
    );
    const file = await write('multiday-detailed', { ...data, detailed: [...data.detailed, ...extra] });
    const p = pages(file);
    const starts = p.map((page, i) => [i + 1, /Namespace: (\S+)$/m.exec(page)?.[1] ?? ''] as const).filter(([, ns]) => ns !== '');
    assert.deepEqual(
      starts.map(([, ns]) => ns),
      ['hyperpod-ns-ml-team-a', 'hyperpod-ns-ml-team-b', 'hyperpod-ns-ml-team-c', 'hyperpod-ns-research'],
    );
    for (const [page] of starts) assert.match(p[page - 1] ?? '', /Amazon SageMaker HyperPod[\s\S]*Report Type: Detailed Utilization Report/);
    const continued = p.filter((page) => page.includes('Namespace: hyperpod-ns-ml-team-b (continued)'));
    assert.equal(continued.length, 1);
    inOrder(continued[0] ?? '', ['NeuronCore', 'GPU', 'vCPU', 'Period', 'Start', 'sweep-']);
    assert.match(p[0] ?? '', /Report Type: Detailed Utilization Report/);
    // Periods to midnight end on the next day.
    assert.match(p[starts[0]?.[0] ?? 0] ?? p.join(''), /2025-03-25 18:00:00\s+2025-03-26 00:00:00/);
    const all = p.join('');
    assert.match(all, /2025-03-25 18:00:00\s+2025-03-26 00:00:00/);
    assert.match(all, /Missing Data Periods: +2025-03-26 05:00:00 to 2025-03-26 07:00:00, 2025-03-28 22:00:00 to 2025-03-29 01:00:00/);
    const img = pageImage(file, 'multiday-page1');
    assert.ok(img.own > 1000 && img.borrowed > 300, JSON.stringify(img));
  });

  it('aggregates many teams into Other and stays readable over 31 days', async () => {
    const data = multiDay(31, 50);
    // A collector down every night: more missing periods than the header lists.
    const missing = daysFrom('2025-03-25', 20).map((d) => ({ start: at(`${d}T01:00:00Z`), end: at(`${d}T03:00:00Z`) }));
    const file = await write('large-summary', { ...data, missing });
    const first = pdfText(file, 1);
    inOrder(first, ['Missing Data Periods:', '2025-03-25 01:00:00 to 2025-03-25 03:00:00', '2025-04-01 01:00:00 to 2025-04-01 03:00:00', '... and 12 more']);
    assert.doesNotMatch(first, /2025-04-02 01:00:00/);
    // Page 1, 50 namespaces, then the appendix.
    const appendix = pages(file).slice(51);
    inOrder(appendix[0] ?? '', ['Missing Data Periods:', '... and 12 more', 'Idle capacity', 'Date', '2025-03-25', 'ml.g5.8xlarge', '12.50']);
    inOrder(appendix.join(''), ['Idle capacity', 'Appendix (continued)', 'Lent quota', 'Prices', 'Missing Data Periods', 'Start (UTC)', '2025-03-25 01:00:00', '2025-04-13 01:00:00', '2025-04-13 03:00:00']);
    assert.match(first, /Other \(40 teams\)/);
    assert.match(first, /Other \(35 teams\)/);
    assert.match(first, /team-01/);
    assert.doesNotMatch(first, /team-50/);
    const img = pageImage(file, 'large-page1');
    assert.ok(img.own > 2000 && img.borrowed > 500, JSON.stringify(img));
  });

  it('shows GPU-hours per team instead of cost when no price is known', async () => {
    const file = await write('walkthrough-unpriced', walkthrough({ prices: [] }));
    const first = pdfText(file, 1);
    inOrder(first, ['Total cost (USD)', 'n/a', 'no unit prices configured']);
    inOrder(first, ['GPU-hours per team per day', 'GPU-hours per team']);
    assert.doesNotMatch(first, /Cost per team/);
    inOrder(first, ['Per team, whole period', 'team-a', '8.03', '5.02', '84.30', 'team-b', '(no team)', 'Total', '11.01', '5.02', '124.17']);
    assert.doesNotMatch(pages(file).join(''), /Cost \(USD\)|\$/);
    const img = pageImage(file, 'unpriced-page1');
    assert.ok(img.own > 300 && img.borrowed > 100, JSON.stringify(img));
  });

  it('renders an empty report', async () => {
    const file = await write('empty', emptyData());
    const p = pages(file);
    assert.equal(p.length, 2);
    assert.match(p[0] ?? '', /No GPU usage in this period/);
    assert.match(p[0] ?? '', /n\/a/);
    inOrder(p[1] ?? '', ['Report Date Range (UTC): 2025-04-16 to 2025-04-16', 'GPU', 'Total', 'No Results']);
    assert.ok(pageImage(file, 'empty-page1').ink > 0);
  });

  it('does not crash on hostile or non-Latin names, and draws what it cannot as ?', async () => {
    const data = hostileData();
    for (const type of ['summary', 'detailed'] as const) {
      const file = await write(`hostile-${type}`, { ...data, request: { ...data.request, type } });
      const all = pdfText(file);
      inOrder(all, ['Cluster Name: prod, "eu"?cluster', `Namespace: ${HOSTILE.semicolon}`, `Task: ${HOSTILE.formula}`]);
      assert.match(all, /\?\?\?-\?-é/, 'non-Latin letters drawn as ?');
      assert.match(all, /gpu-\?-team/, 'an emoji is one ?');
      assert.match(all, /very-long-task-name-x+…/, 'long names cut with an ellipsis');
      assert.doesNotMatch(all, /x{200}/);
      assert.ok(pageImage(file, `hostile-${type}-page1`).ink > 0);
    }
    assert.equal(pdfSafe('team-\u202egnp.exe\u200f'), 'team-?gnp.exe?');
    assert.equal(pdfSafe('Zoë – “quoted” €5'), 'Zoë – “quoted” €5');
    assert.equal(pdfSafe('e\u0301'), 'é');
  });
});
