/**
 * What a usage report contains, independent of its format. The `report` command fills it from
 * the rollup tables (through Athena or DuckDB); the CSV and PDF writers turn it into files.
 */
export type ReportType = 'summary' | 'detailed';
export type ReportFormat = 'csv' | 'pdf';

export interface ReportRequest {
  type: ReportType;
  format: ReportFormat;
  /** UTC days, YYYY-MM-DD, both included. */
  startDate: string;
  endDate: string;
  clusterName: string;
  namespace?: string;
  /** Detailed reports only. */
  task?: string;
  /** When the report was made (printed as "Report Date Generated"). */
  generatedAt: Date;
}

export interface Split {
  total: number;
  /** Within the team's own (nominal) quota. */
  allocated: number;
  borrowed: number;
}

/** One line of AWS's summary report, plus cost. */
export interface SummaryRow {
  reportDate: string;
  namespace: string;
  team: string;
  instanceType: string;
  neuronCore: Split;
  gpu: Split;
  vcpu: Split;
  /** Cost of the hours at the instance type's unit price; null when no price is known. */
  costUsd: number | null;
  /** The team's share of idle capacity cost, when idle cost is shared; null otherwise. */
  idleShareUsd: number | null;
}

export interface Held {
  hours: number;
  /** Units held during the period. */
  count: number;
}

/** One line of AWS's detailed report (a continuous interval of a task within a day), plus cost. */
export interface DetailedRow {
  reportDate: string;
  /** Epoch ms (UTC). */
  periodStart: number;
  periodEnd: number;
  namespace: string;
  team: string;
  task: string;
  instanceType: string;
  status: string;
  neuronCore: Held;
  gpu: Held;
  vcpu: Held;
  priorityClass: string;
  costUsd: number | null;
}

/** A task's wait for quota on a day (task_daily): before its first admission and after evictions. */
export interface WaitRow {
  reportDate: string;
  namespace: string;
  team: string;
  task: string;
  status: string;
  preemptions: number;
  /** Seconds of the day spent pending, all together. */
  pendingSeconds: number;
  /** The part of them after an eviction or preemption (requeue wait). */
  requeueWaitSeconds: number;
}

/** Capacity of an instance type that nobody held, per day. */
export interface IdleRow {
  reportDate: string;
  instanceType: string;
  gpuHours: number;
  vcpuHours: number;
  neuronCoreHours: number;
  costUsd: number | null;
}

/** A team's nominal quota that other teams of its cohort used, per day. */
export interface LentRow {
  reportDate: string;
  namespace: string;
  team: string;
  instanceType: string;
  gpuHours: number;
  vcpuHours: number;
  neuronCoreHours: number;
}

/** Per team and day, for the charts. */
export interface TeamDay {
  reportDate: string;
  team: string;
  ownGpuHours: number;
  borrowedGpuHours: number;
  vcpuHours: number;
  neuronCoreHours: number;
  costUsd: number | null;
  /** The team's share of idle capacity cost that day, when idle cost is shared; null otherwise. */
  idleShareUsd: number | null;
}

/** Hours of the report range without a heartbeat: the numbers may be incomplete there. */
export interface MissingPeriod {
  /** Epoch ms (UTC), start included. */
  start: number;
  /** Epoch ms (UTC), end excluded. */
  end: number;
}

export interface PriceUsed {
  instanceType: string;
  unitResource: 'gpu' | 'neuron_device' | 'cpu';
  unitPricePerHour: number;
  source: string;
}

export interface ReportData {
  request: ReportRequest;
  summary: SummaryRow[];
  detailed: DetailedRow[];
  /** Detailed reports only: tasks that waited for quota, per day. */
  waits: WaitRow[];
  idle: IdleRow[];
  lent: LentRow[];
  teamDays: TeamDay[];
  missing: MissingPeriod[];
  prices: PriceUsed[];
  currency: 'USD';
  /** How idle cost is shared among teams, if at all. */
  idleSharing: 'quota' | 'usage' | 'none';
}
