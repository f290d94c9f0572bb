/**
 * The alert settings file: monthly budgets per team and the thresholds of the live quota alerts.
 * One file (YAML or JSON, same shape) is the source for every generated alert rule; `hpu budgets`
 * and the app's Settings page write it. Validation is strict (unknown keys are refused) and every
 * error is one line that names the offending path.
 */
import { RESOURCE_KEYS, type ResourceKey } from './resources.js';

export const ALERT_SETTINGS_VERSION = 1;

export interface TeamBudget {
  team: string;
  /** Only this cluster's usage counts; absent = all clusters. */
  cluster?: string;
  /** GPU-hours per calendar month (UTC). */
  monthlyGpuHours?: number;
  /** Cost per calendar month (UTC), in the settings' currency. */
  monthlyCost?: number;
}

export interface QuotaAlertSettings {
  /** How long a team may use more than its nominal quota (borrow) before the alert fires. */
  overNominalFor: string;
  /** How long a team may sit at its borrowing limit before the alert fires. */
  atBorrowingLimitFor: string;
  /** Fraction of the borrowing limit that counts as "at the limit" (0 < x ≤ 1). */
  borrowingLimitRatio: number;
  /** How long a team's workloads may wait while its nominal quota is lent to others. */
  pendingWhileLentFor: string;
  /** Resources the quota alerts look at. */
  resources: ResourceKey[];
}

export interface BudgetAlertSettings {
  /** How often Grafana evaluates the budget rules (each run is one small Athena query per rule). */
  evaluateEvery: string;
  /** Forecasts stay quiet until this many days of the month have passed (too little data before). */
  forecastAfterDays: number;
}

export interface AlertSettings {
  version: typeof ALERT_SETTINGS_VERSION;
  currency: 'USD';
  quota: QuotaAlertSettings;
  budget: BudgetAlertSettings;
  budgets: TeamBudget[];
}

export class AlertSettingsError extends Error {
  override name = 'AlertSettingsError';
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  version: ALERT_SETTINGS_VERSION,
  currency: 'USD',
  quota: { overNominalFor: '2h', atBorrowingLimitFor: '30m', borrowingLimitRatio: 1, pendingWhileLentFor: '15m', resources: ['gpu', 'neuron_device'] },
  budget: { evaluateEvery: '1h', forecastAfterDays: 3 },
  budgets: [],
};

/** Team names as the collector derives them (namespace or ClusterQueue names, or a label value). */
export const TEAM_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/;
const CLUSTER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/;
/** Prometheus durations Grafana also accepts: a number and one unit. */
const DURATION_PATTERN = /^(\d{1,5})(s|m|h|d)$/;

const DURATION_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function durationSeconds(duration: string): number {
  const match = DURATION_PATTERN.exec(duration);
  if (!match) throw new AlertSettingsError(`invalid duration ${JSON.stringify(duration)}: use a number and s, m, h or d, e.g. 30m`);
  return Number(match[1]) * (DURATION_SECONDS[match[2] as string] as number);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string): never {
  throw new AlertSettingsError(`${path}: ${message}`);
}

function objectAt(value: unknown, path: string, allowed: readonly string[]): Json {
  if (!isObject(value)) fail(path, 'must be a mapping');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown setting (known: ${allowed.join(', ')})`);
  }
  return value;
}

function durationAt(value: unknown, path: string): string {
  if (typeof value !== 'string' || !DURATION_PATTERN.test(value)) fail(path, `must be a duration such as 30m or 2h, got ${JSON.stringify(value)}`);
  return value;
}

function positiveAt(value: unknown, path: string, max = 1e12): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) fail(path, `must be a number above 0 and at most ${max}, got ${JSON.stringify(value)}`);
  return value;
}

function quotaAt(value: unknown): QuotaAlertSettings {
  const d = DEFAULT_ALERT_SETTINGS.quota;
  if (value === undefined) return { ...d, resources: [...d.resources] };
  const q = objectAt(value, 'quota', ['overNominalFor', 'atBorrowingLimitFor', 'borrowingLimitRatio', 'pendingWhileLentFor', 'resources']);
  let resources = [...d.resources];
  if (q.resources !== undefined) {
    if (!Array.isArray(q.resources) || q.resources.length === 0) fail('quota.resources', `must be a non-empty list of ${RESOURCE_KEYS.join(', ')}`);
    resources = q.resources.map((r, i) => {
      if (typeof r !== 'string' || !(RESOURCE_KEYS as readonly string[]).includes(r)) fail(`quota.resources[${i}]`, `unknown resource ${JSON.stringify(r)} (known: ${RESOURCE_KEYS.join(', ')})`);
      return r as ResourceKey;
    });
    if (new Set(resources).size !== resources.length) fail('quota.resources', 'lists a resource twice');
  }
  const ratio = q.borrowingLimitRatio === undefined ? d.borrowingLimitRatio : positiveAt(q.borrowingLimitRatio, 'quota.borrowingLimitRatio', 1);
  return {
    overNominalFor: q.overNominalFor === undefined ? d.overNominalFor : durationAt(q.overNominalFor, 'quota.overNominalFor'),
    atBorrowingLimitFor: q.atBorrowingLimitFor === undefined ? d.atBorrowingLimitFor : durationAt(q.atBorrowingLimitFor, 'quota.atBorrowingLimitFor'),
    borrowingLimitRatio: ratio,
    pendingWhileLentFor: q.pendingWhileLentFor === undefined ? d.pendingWhileLentFor : durationAt(q.pendingWhileLentFor, 'quota.pendingWhileLentFor'),
    resources,
  };
}

function budgetSettingsAt(value: unknown): BudgetAlertSettings {
  const d = DEFAULT_ALERT_SETTINGS.budget;
  if (value === undefined) return { ...d };
  const b = objectAt(value, 'budget', ['evaluateEvery', 'forecastAfterDays']);
  let forecastAfterDays = d.forecastAfterDays;
  if (b.forecastAfterDays !== undefined) {
    if (typeof b.forecastAfterDays !== 'number' || !Number.isInteger(b.forecastAfterDays) || b.forecastAfterDays < 0 || b.forecastAfterDays > 27) {
      fail('budget.forecastAfterDays', `must be a whole number from 0 to 27, got ${JSON.stringify(b.forecastAfterDays)}`);
    }
    forecastAfterDays = b.forecastAfterDays;
  }
  const evaluateEvery = b.evaluateEvery === undefined ? d.evaluateEvery : durationAt(b.evaluateEvery, 'budget.evaluateEvery');
  if (durationSeconds(evaluateEvery) < 300) fail('budget.evaluateEvery', 'must be at least 5m: each evaluation runs an Athena query');
  return { evaluateEvery, forecastAfterDays };
}

function teamBudgetAt(value: unknown, index: number): TeamBudget {
  const path = `budgets[${index}]`;
  const b = objectAt(value, path, ['team', 'cluster', 'monthlyGpuHours', 'monthlyCost']);
  if (typeof b.team !== 'string' || !TEAM_NAME_PATTERN.test(b.team)) fail(`${path}.team`, `must be a team name (letters, digits, '.', '_', '-'; up to 63), got ${JSON.stringify(b.team)}`);
  const budget: TeamBudget = { team: b.team };
  if (b.cluster !== undefined) {
    if (typeof b.cluster !== 'string' || !CLUSTER_PATTERN.test(b.cluster)) fail(`${path}.cluster`, `must be a cluster name, got ${JSON.stringify(b.cluster)}`);
    budget.cluster = b.cluster;
  }
  if (b.monthlyGpuHours !== undefined) budget.monthlyGpuHours = positiveAt(b.monthlyGpuHours, `${path}.monthlyGpuHours`);
  if (b.monthlyCost !== undefined) budget.monthlyCost = positiveAt(b.monthlyCost, `${path}.monthlyCost`);
  if (budget.monthlyGpuHours === undefined && budget.monthlyCost === undefined) fail(path, `team ${budget.team} needs monthlyGpuHours or monthlyCost`);
  return budget;
}

/** Checks a parsed settings document (from YAML, JSON or the app's jsonData) and fills in the defaults. */
export function parseAlertSettings(value: unknown): AlertSettings {
  const root = objectAt(value ?? {}, 'settings', ['version', 'currency', 'quota', 'budget', 'budgets']);
  if (root.version !== undefined && root.version !== ALERT_SETTINGS_VERSION) fail('version', `must be ${ALERT_SETTINGS_VERSION}, got ${JSON.stringify(root.version)}`);
  if (root.currency !== undefined && root.currency !== 'USD') fail('currency', `only USD is supported (the price table's currency), got ${JSON.stringify(root.currency)}`);
  const list = root.budgets ?? [];
  if (!Array.isArray(list)) fail('budgets', 'must be a list');
  const budgets = list.map(teamBudgetAt);
  const seen = new Set<string>();
  for (const b of budgets) {
    const key = `${b.team}\u0000${b.cluster ?? ''}`;
    if (seen.has(key)) fail('budgets', `team ${b.team}${b.cluster ? ` on cluster ${b.cluster}` : ''} has two entries`);
    seen.add(key);
  }
  return { version: ALERT_SETTINGS_VERSION, currency: 'USD', quota: quotaAt(root.quota), budget: budgetSettingsAt(root.budget), budgets };
}

/**
 * Sets (or, with both amounts null, removes) one team's budget; amounts left undefined keep
 * their current value. Returns new settings; the input is not changed.
 */
export function withTeamBudget(
  settings: AlertSettings,
  change: { team: string; cluster?: string; monthlyGpuHours?: number | null; monthlyCost?: number | null },
): AlertSettings {
  const same = (b: TeamBudget) => b.team === change.team && (b.cluster ?? '') === (change.cluster ?? '');
  const current = settings.budgets.find(same);
  const next: Json = { team: change.team };
  if (change.cluster !== undefined) next.cluster = change.cluster;
  const gpu = change.monthlyGpuHours === undefined ? current?.monthlyGpuHours : change.monthlyGpuHours ?? undefined;
  const cost = change.monthlyCost === undefined ? current?.monthlyCost : change.monthlyCost ?? undefined;
  if (gpu !== undefined) next.monthlyGpuHours = gpu;
  if (cost !== undefined) next.monthlyCost = cost;
  const others = settings.budgets.filter((b) => !same(b));
  const budgets = gpu === undefined && cost === undefined ? others : [...others, next];
  budgets.sort((a, b) => String(a.team).localeCompare(String(b.team)) || String(a.cluster ?? '').localeCompare(String(b.cluster ?? '')));
  return parseAlertSettings({ ...settings, budgets });
}
