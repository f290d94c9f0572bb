/**
 * Fills a ReportData from the rollup tables: the report's rows, cost at the unit prices the
 * aggregation recorded, idle capacity and its cost (shared among teams if asked), lent quota,
 * per-team daily figures for the charts, and the hours without data.
 */
import {
  chargedUnitHours,
  DAY_MS,
  HOUR_MS,
  detailedRowsSql,
  heartbeatHoursSql,
  idleRowsSql,
  instanceSpec,
  pricesSql,
  summaryRowsSql,
  teamQuotaRowsSql,
  waitRowsSql,
  type ChargeableHours,
  type Relations,
  type ReportScope,
} from '@hyperpod-usage/model';
import type { Cell, QueryEngine, ResultRow } from '../engine/query-engine.js';
import type { DetailedRow, IdleRow, LentRow, MissingPeriod, PriceUsed, ReportData, ReportRequest, SummaryRow, TeamDay, WaitRow } from './report-data.js';

export type IdleSharing = ReportData['idleSharing'];

export interface BuildReportOptions {
  request: ReportRequest;
  engine: QueryEngine;
  relations: Relations;
  idleSharing: IdleSharing;
}

const num = (c: Cell | undefined): number => (typeof c === 'number' ? c : Number(c ?? 0) || 0);
const str = (c: Cell | undefined): string => (c === null || c === undefined ? '' : String(c));
const dayOf = (date: string): number => Date.parse(`${date}T00:00:00Z`);

type Hours = ChargeableHours;

/** Cost of hours on an instance type at its unit price; null without a price. */
function costOf(prices: ReadonlyMap<string, PriceUsed>, instanceType: string, hours: Hours): number | null {
  const price = prices.get(instanceType);
  if (!price) return null;
  const units = chargedUnitHours(price.unitResource, hours, instanceSpec(instanceType)?.neuronCoresPerDevice ?? 0);
  return units === undefined ? null : units * price.unitPricePerHour;
}

/** Runs of hours without a heartbeat, from the first day to the end of the range or now. */
export function missingPeriods(presentHours: ReadonlySet<number>, firstDay: number, lastDay: number, now: number): MissingPeriod[] {
  const end = Math.min(lastDay + DAY_MS, Math.floor(now / HOUR_MS) * HOUR_MS);
  const periods: MissingPeriod[] = [];
  for (let h = firstDay; h < end; h += HOUR_MS) {
    if (presentHours.has(h)) continue;
    const last = periods[periods.length - 1];
    if (last && last.end === h) last.end = h + HOUR_MS;
    else periods.push({ start: h, end: h + HOUR_MS });
  }
  return periods;
}

function unitBasis(price: PriceUsed | undefined, row: ResultRow, kind: 'nominal' | 'used'): number {
  const resource = price?.unitResource === 'cpu' ? 'vcpu' : price?.unitResource === 'neuron_device' ? 'neuron_device' : 'gpu';
  return num(row[`${kind}_${resource}_hours`]);
}

export async function buildReportData(options: BuildReportOptions): Promise<ReportData> {
  const { request, engine, relations, idleSharing } = options;
  const scope: ReportScope = {
    relations,
    firstDay: dayOf(request.startDate),
    lastDay: dayOf(request.endDate),
    cluster: request.clusterName,
    ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
    ...(request.task !== undefined ? { task: request.task } : {}),
  };
  const q = async (sql: string) => (await engine.query(sql)).rows;

  const prices: PriceUsed[] = (await q(pricesSql(relations))).map((r) => ({
    instanceType: str(r.instance_type),
    unitResource: str(r.unit_resource) as PriceUsed['unitResource'],
    unitPricePerHour: num(r.unit_price_per_hour),
    source: str(r.source),
  }));
  const priceOf = new Map(prices.map((p) => [p.instanceType, p]));

  const summary: SummaryRow[] = (await q(summaryRowsSql(scope))).map((r) => {
    const split = (name: string) => ({
      total: num(r[`total_${name}_utilization_hours`]),
      allocated: num(r[`allocated_${name}_utilization_hours`]),
      borrowed: num(r[`borrowed_${name}_utilization_hours`]),
    });
    const row = {
      reportDate: str(r.report_date),
      namespace: str(r.namespace),
      team: str(r.team),
      instanceType: str(r.instance_type),
      neuronCore: split('neuron_core'),
      gpu: split('gpu'),
      vcpu: split('vcpu'),
    };
    return {
      ...row,
      costUsd: costOf(priceOf, row.instanceType, { gpu: row.gpu.total, vcpu: row.vcpu.total, neuronCore: row.neuronCore.total }),
      idleShareUsd: null,
    };
  });

  const detailed: DetailedRow[] =
    request.type === 'detailed'
      ? (await q(detailedRowsSql(scope))).map((r) => {
          const held = (name: string) => ({ hours: num(r[`utilized_${name}_hours`]), count: num(r[`utilized_${name}_count`]) });
          const row = {
            reportDate: str(r.report_date),
            periodStart: num(r.period_start),
            periodEnd: num(r.period_end),
            namespace: str(r.namespace),
            team: str(r.team),
            task: str(r.task_name),
            instanceType: str(r.instance),
            status: str(r.status),
            neuronCore: held('neuron_core'),
            gpu: held('gpu'),
            vcpu: held('vcpu'),
            priorityClass: str(r.priority_class),
          };
          return { ...row, costUsd: costOf(priceOf, row.instanceType, { gpu: row.gpu.hours, vcpu: row.vcpu.hours, neuronCore: row.neuronCore.hours }) };
        })
      : [];

  const waits: WaitRow[] =
    request.type === 'detailed'
      ? (await q(waitRowsSql(scope))).map((r) => ({
          reportDate: str(r.report_date),
          namespace: str(r.namespace),
          team: str(r.team),
          task: str(r.task_name),
          status: str(r.status),
          preemptions: num(r.preemptions),
          pendingSeconds: num(r.pending_seconds),
          requeueWaitSeconds: num(r.requeue_wait_seconds),
        }))
      : [];

  const idle: IdleRow[] = (await q(idleRowsSql(scope))).map((r) => {
    const hours = { gpu: num(r.gpu_hours), vcpu: num(r.vcpu_hours), neuronCore: num(r.neuron_core_hours) };
    return {
      reportDate: str(r.report_date),
      instanceType: str(r.instance_type),
      gpuHours: hours.gpu,
      vcpuHours: hours.vcpu,
      neuronCoreHours: hours.neuronCore,
      costUsd: costOf(priceOf, str(r.instance_type), hours),
    };
  });

  const quotaRows = await q(teamQuotaRowsSql(scope));
  const lent: LentRow[] = quotaRows
    .filter((r) => num(r.lent_gpu_hours) + num(r.lent_vcpu_hours) + num(r.lent_neuron_core_hours) > 0)
    .map((r) => ({
      reportDate: str(r.report_date),
      namespace: str(r.namespace),
      team: str(r.team),
      instanceType: str(r.instance_type),
      gpuHours: num(r.lent_gpu_hours),
      vcpuHours: num(r.lent_vcpu_hours),
      neuronCoreHours: num(r.lent_neuron_core_hours),
    }));

  // Idle cost of a day and instance type, shared in proportion to each team's nominal quota or use of it.
  const shares = new Map<string, number>(); // day|namespace|team → USD
  if (idleSharing !== 'none') {
    for (const idleRow of idle) {
      if (idleRow.costUsd === null || idleRow.costUsd === 0) continue;
      const candidates = quotaRows.filter((r) => str(r.report_date) === idleRow.reportDate && str(r.instance_type) === idleRow.instanceType);
      const basis = candidates.map((r) => unitBasis(priceOf.get(idleRow.instanceType), r, idleSharing === 'quota' ? 'nominal' : 'used'));
      const total = basis.reduce((a, b) => a + b, 0);
      if (total <= 0) continue;
      candidates.forEach((r, i) => {
        const key = `${idleRow.reportDate}|${str(r.namespace)}|${str(r.team)}`;
        shares.set(key, (shares.get(key) ?? 0) + ((idleRow.costUsd as number) * (basis[i] as number)) / total);
      });
    }
    for (const row of summary) {
      const key = `${row.reportDate}|${row.namespace}|${row.team}`;
      row.idleShareUsd = shares.get(key) ?? 0;
      shares.delete(key);
    }
    // A team that held no capacity still carries its share of idle cost when sharing by quota.
    for (const [key, usd] of shares) {
      const [reportDate = '', namespace = '', team = ''] = key.split('|');
      const zero = { total: 0, allocated: 0, borrowed: 0 };
      summary.push({ reportDate, namespace, team, instanceType: '', neuronCore: zero, gpu: zero, vcpu: zero, costUsd: 0, idleShareUsd: usd });
    }
    summary.sort((a, b) => a.reportDate.localeCompare(b.reportDate) || a.namespace.localeCompare(b.namespace) || a.team.localeCompare(b.team));
  }

  const teamDays = new Map<string, TeamDay>();
  for (const row of summary) {
    const key = `${row.reportDate}|${row.team}`;
    const t = teamDays.get(key) ?? {
      reportDate: row.reportDate,
      team: row.team,
      ownGpuHours: 0,
      borrowedGpuHours: 0,
      vcpuHours: 0,
      neuronCoreHours: 0,
      costUsd: null,
      idleShareUsd: idleSharing === 'none' ? null : 0,
    };
    t.ownGpuHours += row.gpu.allocated;
    t.borrowedGpuHours += row.gpu.borrowed;
    t.vcpuHours += row.vcpu.total;
    t.neuronCoreHours += row.neuronCore.total;
    if (row.costUsd !== null) t.costUsd = (t.costUsd ?? 0) + row.costUsd;
    if (row.idleShareUsd !== null) t.idleShareUsd = (t.idleShareUsd ?? 0) + row.idleShareUsd;
    teamDays.set(key, t);
  }

  const present = new Set(
    (await q(heartbeatHoursSql(scope))).map((r) => Date.parse(`${str(r.year)}-${str(r.month)}-${str(r.day)}T${str(r.hour)}:00:00Z`)),
  );

  return {
    request,
    summary,
    detailed,
    waits,
    idle,
    lent,
    teamDays: [...teamDays.values()],
    missing: missingPeriods(present, scope.firstDay, scope.lastDay, request.generatedAt.getTime()),
    prices: prices.filter((p) => summary.some((s) => s.instanceType === p.instanceType) || idle.some((i) => i.instanceType === p.instanceType)),
    currency: 'USD',
    idleSharing,
  };
}
