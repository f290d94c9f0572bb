/**
 * Per-team totals over a report, from its per-team daily figures: what the PDF's first page and
 * the demo's table show.
 */
import type { ReportData } from './report-data.js';

export interface TeamTotal {
  team: string;
  own: number;
  borrowed: number;
  vcpu: number;
  neuron: number;
  cost: number;
  /** Some of its hours have a price. */
  priced: boolean;
  idleShare: number;
  shared: boolean;
  /** The "Other (n teams)" entry. */
  other?: boolean;
  /** Per day (index into the report's days). */
  days: Array<{ own: number; borrowed: number }>;
}

export const teamLabel = (team: string): string => (team === '' ? '(no team)' : team);

export const emptyTotal = (team: string, days: number): TeamTotal => ({
  team,
  own: 0,
  borrowed: 0,
  vcpu: 0,
  neuron: 0,
  cost: 0,
  priced: false,
  idleShare: 0,
  shared: false,
  days: Array.from({ length: days }, () => ({ own: 0, borrowed: 0 })),
});

/** Per team over the report: hours, cost and idle cost share from `teamDays`. */
export function teamTotals(data: ReportData, days: string[]): TeamTotal[] {
  const index = new Map(days.map((d, i) => [d, i]));
  const byTeam = new Map<string, TeamTotal>();
  const get = (team: string): TeamTotal => {
    let t = byTeam.get(team);
    if (!t) byTeam.set(team, (t = emptyTotal(teamLabel(team), days.length)));
    return t;
  };
  for (const td of data.teamDays) {
    const t = get(td.team);
    t.own += td.ownGpuHours;
    t.borrowed += td.borrowedGpuHours;
    t.vcpu += td.vcpuHours;
    t.neuron += td.neuronCoreHours;
    if (td.costUsd !== null) {
      t.cost += td.costUsd;
      t.priced = true;
    }
    if (td.idleShareUsd !== null) {
      t.idleShare += td.idleShareUsd;
      t.shared = true;
    }
    const day = t.days[index.get(td.reportDate) ?? -1];
    if (day) {
      day.own += td.ownGpuHours;
      day.borrowed += td.borrowedGpuHours;
    }
  }
  return [...byTeam.values()];
}

