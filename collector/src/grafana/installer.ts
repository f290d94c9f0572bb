/**
 * Installs the portable dashboards, the alert rules and (optionally) their data sources into a
 * running Grafana through its HTTP API — the way in for Amazon Managed Grafana, which has no file
 * provisioning and cannot load the app plugin.
 *
 * Idempotent: every object is read first and written only when what we would write differs from
 * what is there (compared on the fields we set; Grafana adds its own). A dry run does the reads
 * and reports the writes it would make.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { durationSeconds, type AlertSettings } from '@hyperpod-usage/model';
import { budgetAlertGroup, collectorAlertGroup, quotaAlertGroup } from './alert-files.js';
import { GRAFANA_FOLDER, type AlertGroup, type GrafanaAlertRule } from './alert-provisioning.js';
import { GrafanaApiError, type GrafanaApi } from './grafana-api.js';

/** Oldest Grafana the dashboards (schema v1, `sqlstring` variables) and the Athena plugin support. */
export const MIN_GRAFANA_VERSION = '10.4.0';

export interface DatasourceSpec {
  uid: string;
  name: string;
  type: string;
  access: 'proxy';
  url?: string;
  jsonData: Record<string, unknown>;
}

export interface InstallOptions {
  api: GrafanaApi;
  settings: AlertSettings;
  /** Folder of the portable dashboard JSON (dashboards/portable). */
  dashboardsDir: string;
  /** Uid of the Athena data source the budget rules query (created when `athena` is given). */
  athenaUid?: string;
  prometheusUid?: string;
  /** Data sources to create or update; absent: they must exist already under their uid. */
  datasources: readonly DatasourceSpec[];
  dryRun: boolean;
}

export type ChangeAction = 'create' | 'update' | 'unchanged';

export interface Change {
  action: ChangeAction;
  kind: 'folder' | 'data source' | 'dashboard' | 'alert rule' | 'rule group';
  id: string;
  detail?: string;
}

/** True when every field of `wanted` is in `actual` with the same value (arrays compared whole). */
export function containsAll(actual: unknown, wanted: unknown): boolean {
  if (wanted === null || typeof wanted !== 'object') return actual === wanted;
  if (Array.isArray(wanted)) return Array.isArray(actual) && actual.length === wanted.length && wanted.every((w, i) => containsAll(actual[i], w));
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  return Object.entries(wanted as Record<string, unknown>).every(([k, v]) => v === undefined || containsAll((actual as Record<string, unknown>)[k], v));
}

/** The first top-level fields that differ, for the dry-run report. */
function differingFields(actual: Record<string, unknown>, wanted: Record<string, unknown>): string {
  const fields = Object.keys(wanted).filter((k) => !containsAll(actual[k], wanted[k]));
  return fields.length ? `changed: ${fields.slice(0, 6).join(', ')}` : '';
}

function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (/^(\d+)\.(\d+)\.(\d+)/.exec(v) ?? ['', '0', '0', '0']).slice(1).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] as number) !== (y[i] as number)) return (x[i] as number) - (y[i] as number);
  return 0;
}

export async function checkGrafanaVersion(api: GrafanaApi): Promise<string> {
  const { body } = await api.request<{ version?: string; database?: string }>('GET', '/api/health');
  const version = body?.version;
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+/.test(version)) throw new GrafanaApiError('/api/health did not report a Grafana version: is --url a Grafana?', 0);
  if (compareVersions(version, MIN_GRAFANA_VERSION) < 0) {
    throw new GrafanaApiError(`Grafana ${version} is too old: the dashboards and the Athena data source need ${MIN_GRAFANA_VERSION} or newer (on Amazon Managed Grafana, update the workspace)`, 0);
  }
  return version;
}

export async function readPortableDashboards(dir: string): Promise<Array<Record<string, unknown>>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    throw new GrafanaApiError(`no dashboards in ${dir}: run npm run dashboards:generate, or give --dashboards`, 0);
  }
  if (names.length === 0) throw new GrafanaApiError(`no dashboards in ${dir}: run npm run dashboards:generate, or give --dashboards`, 0);
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as Record<string, unknown>));
}

/** Points the dashboard's data source variables at the installed data sources (users can still switch). */
export function withDefaultDatasources(dashboard: Record<string, unknown>, defaults: Record<string, string | undefined>): Record<string, unknown> {
  const templating = dashboard.templating as { list: Array<Record<string, unknown>> } | undefined;
  if (!templating) return dashboard;
  const list = templating.list.map((v) => {
    const uid = v.type === 'datasource' ? defaults[v.name as string] : undefined;
    return uid ? { ...v, current: { text: uid, value: uid } } : v;
  });
  return { ...dashboard, templating: { ...templating, list } };
}

type Json = Record<string, unknown>;

export class Installer {
  readonly changes: Change[] = [];
  constructor(private readonly options: InstallOptions) {}

  private record(change: Change): void {
    this.changes.push(change);
  }

  private get api(): GrafanaApi {
    return this.options.api;
  }

  async run(): Promise<Change[]> {
    await checkGrafanaVersion(this.api);
    await this.folder();
    for (const ds of this.options.datasources) await this.datasource(ds);
    for (const uid of [this.options.athenaUid, this.options.prometheusUid]) if (uid && !this.options.datasources.some((d) => d.uid === uid)) await this.existingDatasource(uid);
    const dashboards = await readPortableDashboards(this.options.dashboardsDir);
    for (const d of dashboards) await this.dashboard(withDefaultDatasources(d, { usage: this.options.athenaUid, prometheus: this.options.prometheusUid }));
    for (const group of this.alertGroups()) await this.ruleGroup(group);
    return this.changes;
  }

  alertGroups(): AlertGroup[] {
    const { settings, prometheusUid, athenaUid } = this.options;
    const groups: AlertGroup[] = [];
    if (prometheusUid) groups.push(collectorAlertGroup({ prometheusUid, variant: 'portable' }), quotaAlertGroup(settings, { prometheusUid, variant: 'portable' }));
    if (athenaUid) {
      const budget = budgetAlertGroup(settings, { athenaUid, variant: 'portable' });
      if (budget.rules.length > 0) groups.push(budget);
    }
    return groups;
  }

  private async folder(): Promise<void> {
    const { status, body } = await this.api.request<Json>('GET', `/api/folders/${GRAFANA_FOLDER.uid}`, undefined, { accept: [404] });
    if (status === 404) {
      this.record({ action: 'create', kind: 'folder', id: GRAFANA_FOLDER.uid });
      if (!this.options.dryRun) await this.api.request('POST', '/api/folders', { uid: GRAFANA_FOLDER.uid, title: GRAFANA_FOLDER.title });
    } else if (body.title !== GRAFANA_FOLDER.title) {
      this.record({ action: 'update', kind: 'folder', id: GRAFANA_FOLDER.uid, detail: `title ${JSON.stringify(body.title)}` });
      if (!this.options.dryRun) await this.api.request('PUT', `/api/folders/${GRAFANA_FOLDER.uid}`, { title: GRAFANA_FOLDER.title, overwrite: true });
    } else this.record({ action: 'unchanged', kind: 'folder', id: GRAFANA_FOLDER.uid });
  }

  private async datasource(ds: DatasourceSpec): Promise<void> {
    const { status, body } = await this.api.request<Json>('GET', `/api/datasources/uid/${encodeURIComponent(ds.uid)}`, undefined, { accept: [404] });
    if (status === 404) {
      this.record({ action: 'create', kind: 'data source', id: ds.uid });
      if (!this.options.dryRun) await this.api.request('POST', '/api/datasources', ds);
      return;
    }
    if (body.type !== ds.type) throw new GrafanaApiError(`data source ${ds.uid} exists with type ${String(body.type)}, not ${ds.type}: pick another uid`, 0);
    if (containsAll(body, ds)) {
      this.record({ action: 'unchanged', kind: 'data source', id: ds.uid });
      return;
    }
    this.record({ action: 'update', kind: 'data source', id: ds.uid, detail: differingFields(body, ds as unknown as Json) });
    // PUT replaces the data source: keep what Grafana holds (secure fields stay as they are).
    if (!this.options.dryRun) await this.api.request('PUT', `/api/datasources/uid/${encodeURIComponent(ds.uid)}`, { ...body, ...ds, jsonData: { ...(body.jsonData as Json), ...ds.jsonData } });
  }

  private async existingDatasource(uid: string): Promise<void> {
    const { status } = await this.api.request<Json>('GET', `/api/datasources/uid/${encodeURIComponent(uid)}`, undefined, { accept: [404] });
    if (status === 404) throw new GrafanaApiError(`data source ${uid} does not exist: create it, or give its settings (--athena-region/--athena-database, --prometheus-url)`, 404);
  }

  private async dashboard(dashboard: Json): Promise<void> {
    const uid = dashboard.uid as string;
    const { status, body } = await this.api.request<{ dashboard: Json; meta: Json }>('GET', `/api/dashboards/uid/${encodeURIComponent(uid)}`, undefined, { accept: [404] });
    const wanted = { ...dashboard };
    delete wanted.id;
    if (status !== 404) {
      const sameFolder = body.meta?.folderUid === GRAFANA_FOLDER.uid;
      if (sameFolder && containsAll(body.dashboard, wanted)) {
        this.record({ action: 'unchanged', kind: 'dashboard', id: uid });
        return;
      }
      this.record({ action: 'update', kind: 'dashboard', id: uid, detail: sameFolder ? differingFields(body.dashboard, wanted) : 'moved into the folder' });
    } else this.record({ action: 'create', kind: 'dashboard', id: uid });
    if (!this.options.dryRun) {
      await this.api.request('POST', '/api/dashboards/db', { dashboard: { ...wanted, id: null }, folderUid: GRAFANA_FOLDER.uid, overwrite: true, message: 'hpu grafana install' });
    }
  }

  private async ruleGroup(group: AlertGroup): Promise<void> {
    for (const rule of group.rules) await this.rule(rule, group);
    // The evaluation interval belongs to the group: set it once its rules exist.
    const path = `/api/v1/provisioning/folder/${GRAFANA_FOLDER.uid}/rule-groups/${encodeURIComponent(group.name)}`;
    const seconds = durationSeconds(group.interval);
    const { status, body } = await this.api.request<Json>('GET', path, undefined, { accept: [404] });
    if (status !== 404 && body.interval === seconds) {
      this.record({ action: 'unchanged', kind: 'rule group', id: group.name });
      return;
    }
    if (status === 404) {
      // Only a dry run gets here: otherwise the rules above have just created the group.
      if (!this.options.dryRun) throw new GrafanaApiError(`rule group ${group.name} is missing after its rules were created`, 404);
      this.record({ action: 'create', kind: 'rule group', id: group.name, detail: `every ${group.interval}` });
      return;
    }
    this.record({ action: 'update', kind: 'rule group', id: group.name, detail: `every ${group.interval}` });
    if (!this.options.dryRun) {
      await this.api.request('PUT', path, { title: group.name, interval: seconds, rules: (body.rules as unknown[] | undefined) ?? [] }, { headers: { 'X-Disable-Provenance': 'true' } });
    }
  }

  private async rule(rule: GrafanaAlertRule, group: AlertGroup): Promise<void> {
    const wanted = { ...rule, folderUID: GRAFANA_FOLDER.uid, ruleGroup: group.name, orgID: 1 };
    const path = `/api/v1/provisioning/alert-rules/${encodeURIComponent(rule.uid)}`;
    const { status, body } = await this.api.request<Json>('GET', path, undefined, { accept: [404] });
    // Without the header, rules created through the API are locked against edits in the UI.
    const headers = { 'X-Disable-Provenance': 'true' };
    if (status === 404) {
      this.record({ action: 'create', kind: 'alert rule', id: rule.uid });
      if (!this.options.dryRun) await this.api.request('POST', '/api/v1/provisioning/alert-rules', wanted, { headers });
    } else if (containsAll(body, wanted)) {
      this.record({ action: 'unchanged', kind: 'alert rule', id: rule.uid });
    } else {
      this.record({ action: 'update', kind: 'alert rule', id: rule.uid, detail: differingFields(body, wanted) });
      if (!this.options.dryRun) await this.api.request('PUT', path, wanted, { headers });
    }
  }
}

export function summarize(changes: readonly Change[], dryRun: boolean): string {
  const lines = changes.filter((c) => c.action !== 'unchanged').map((c) => `  ${dryRun ? `would ${c.action}` : `${c.action}d`} ${c.kind} ${c.id}${c.detail ? ` (${c.detail})` : ''}`);
  const count = (a: ChangeAction) => changes.filter((c) => c.action === a).length;
  const total = `${dryRun ? 'would create' : 'created'} ${count('create')}, ${dryRun ? 'would update' : 'updated'} ${count('update')}, unchanged ${count('unchanged')}`;
  return [...lines, total].join('\n');
}
