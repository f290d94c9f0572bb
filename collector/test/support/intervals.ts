/**
 * Reading admitted intervals back from written records (through the same SQL the aggregation
 * uses) and comparing them with what the simulator says happened.
 */
import { heldCtes, podIntervalCtes, horizonCtes, workloadIntervalCtes, withClause } from '@hyperpod-usage/model';
import { DuckDbEngine } from '../../src/engine/duckdb-engine.js';
import type { ClusterSimulator } from '../../src/simulator/engine.js';

export interface Interval {
  task: string;
  start: string;
  end: string | null;
  stated: boolean;
}

const RELATIONS = { workload: 'workload', pod: 'pod', node: 'node', clusterqueue: 'clusterqueue', heartdub: 'heartdub' };
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export async function readIntervals(dataDir: string, start: number, end: number): Promise<{ workloads: Interval[]; pods: Interval[] }> {
  const engine = await DuckDbEngine.open(dataDir);
  try {
    const options = { relations: RELATIONS, range: { start, end }, clusters: [] };
    const workloads = await engine.query(
      `${withClause([...horizonCtes(options), ...workloadIntervalCtes(options)])}
       SELECT task_name, start_at, end_at, end_stated FROM workload_intervals ORDER BY task_name, start_at`,
    );
    const pods = await engine.query(
      `${withClause([...horizonCtes(options), ...podIntervalCtes(options)])}
       SELECT task_name, start_at, end_at, end_stated FROM pod_intervals ORDER BY task_name, start_at`,
    );
    const map = (r: Record<string, unknown>): Interval => ({
      task: String(r.task_name),
      start: iso(r.start_at as number) as string,
      end: iso(r.end_at as number | null),
      stated: r.end_stated === true,
    });
    return { workloads: workloads.rows.map(map), pods: pods.rows.map(map) };
  } finally {
    await engine.close();
  }
}

/** Admitted intervals per the simulator (what really happened), open ones closed at `end`. */
export function trueWorkloadIntervals(simulator: ClusterSimulator): Array<Omit<Interval, 'stated'>> {
  return simulator
    .workloadTruths()
    .flatMap((w) => w.admissions.map((a) => ({ task: w.name, start: iso(a.start) as string, end: iso(a.end) })))
    .sort((a, b) => a.task.localeCompare(b.task) || a.start.localeCompare(b.start));
}

/** Held intervals of pods outside Kueue per the simulator, by task (owner). */
export function truePodIntervals(simulator: ClusterSimulator): Array<Omit<Interval, 'stated'>> {
  return simulator
    .podTruths()
    .flatMap((p) => p.intervals.map((i) => ({ task: p.task, start: iso(i.start) as string, end: iso(i.end) })))
    .sort((a, b) => a.task.localeCompare(b.task) || a.start.localeCompare(b.start));
}

/** Resource-hours per team read back from the records. */
export async function teamHours(dataDir: string, start: number, end: number): Promise<Record<string, { gpu: number; cpu: number }>> {
  const engine = await DuckDbEngine.open(dataDir);
  try {
    const { rows } = await engine.query(
      `${withClause(heldCtes({ relations: RELATIONS, range: { start, end }, clusters: [] }))}
       SELECT team, sum(gpu * hours) AS gpu, sum(cpu * hours) AS cpu FROM held_hourly GROUP BY team`,
    );
    return Object.fromEntries(rows.map((r) => [String(r.team), { gpu: Number(r.gpu), cpu: Number(r.cpu) }]));
  } finally {
    await engine.close();
  }
}
