// `hpu grafana install` against the recorded contract of Grafana's HTTP APIs (support/grafana-contract.ts):
// the first run creates the folder, data sources, portable dashboards and alert rules with
// requests of the right shape; the second changes nothing; a dry run writes nothing; a change made
// in Grafana is put back and nothing else is touched; 401, 403, 404 and an old Grafana give one
// clear line. The CLI itself runs once end to end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { budgetAlertRules, COLLECTOR_ALERT_RULES, quotaAlertRules, type AlertSettings } from '@hyperpod-usage/model';
import { readAlertSettings } from '../src/grafana/alert-settings-file.js';
import { GrafanaApi } from '../src/grafana/grafana-api.js';
import { Installer, type DatasourceSpec } from '../src/grafana/installer.js';
import { GrafanaContractServer } from './support/grafana-contract.js';

const root = new URL('../../', import.meta.url).pathname;
const dashboardsDir = join(root, 'dashboards/portable');
const TOKEN = 'glsa_test_token';
const settings: AlertSettings = await readAlertSettings(join(root, 'config/alerts.yaml'));
const ruleCount = COLLECTOR_ALERT_RULES.length + quotaAlertRules(settings).length + budgetAlertRules(settings).length;
const dashboardCount = readdirSync(dashboardsDir).filter((n) => n.endsWith('.json')).length;

const DATASOURCES: DatasourceSpec[] = [
  {
    uid: 'hyperpod-usage-athena',
    name: 'Athena (HyperPod usage)',
    type: 'grafana-athena-datasource',
    access: 'proxy',
    jsonData: { authType: 'ec2_iam_role', defaultRegion: 'us-east-1', catalog: 'AwsDataCatalog', database: 'hyperpod_usage', workgroup: 'hyperpod-usage' },
  },
  { uid: 'hyperpod-usage-prometheus', name: 'Prometheus (HyperPod usage)', type: 'prometheus', access: 'proxy', url: 'http://prometheus:9090', jsonData: { httpMethod: 'POST' } },
];

/** Runs the CLI without blocking this process, which serves the contract. */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let server: GrafanaContractServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(options: { version?: string; forbidden?: string[] } = {}): Promise<GrafanaContractServer> {
  server = new GrafanaContractServer({ token: TOKEN, ...options });
  await server.start();
  return server;
}

function install(s: GrafanaContractServer, extra: { dryRun?: boolean; token?: string; datasources?: DatasourceSpec[] } = {}) {
  return new Installer({
    api: new GrafanaApi(s.url, extra.token ?? TOKEN),
    settings,
    dashboardsDir,
    athenaUid: 'hyperpod-usage-athena',
    prometheusUid: 'hyperpod-usage-prometheus',
    datasources: extra.datasources ?? DATASOURCES,
    dryRun: extra.dryRun ?? false,
  }).run();
}

describe('hpu grafana install (recorded Grafana API contract)', () => {
  it('first run creates everything with requests of the contract shape', async () => {
    const s = await start();
    const changes = await install(s);
    assert.deepEqual(s.violations, []);
    assert.equal(s.folders.get('hyperpod-usage')?.title, 'HyperPod usage');
    assert.deepEqual([...s.datasources.keys()].sort(), ['hyperpod-usage-athena', 'hyperpod-usage-prometheus']);
    assert.equal(s.dashboards.size, dashboardCount);
    for (const d of s.dashboards.values()) assert.equal(d.folderUid, 'hyperpod-usage');
    assert.equal(s.rules.size, ruleCount);
    for (const r of s.rules.values()) assert.equal(r.provenance, '', 'editable in the UI');
    assert.equal(s.groups.get('hyperpod-usage/hyperpod-usage-budget'), 3600, "the budget group runs at the settings' interval");
    assert.equal(s.groups.get('hyperpod-usage/hyperpod-usage-quota'), 60);
    assert.equal(changes.filter((c) => c.action === 'create').length, 1 + 2 + dashboardCount + ruleCount);
    // Dashboards default to the installed data sources; the variables still let users switch.
    const usage = s.dashboards.get('hpu-team-usage')?.dashboard as { templating: { list: Array<{ name: string; current?: { value: string } }> } };
    assert.equal(usage.templating.list.find((v) => v.name === 'usage')?.current?.value, 'hyperpod-usage-athena');
    const writes = s.writes();
    assert.ok(writes.every((w) => w.headers.authorization === `Bearer ${TOKEN}`));
    assert.ok(writes.filter((w) => w.path.includes('/provisioning/')).every((w) => w.headers['x-disable-provenance'] === 'true'));
    assert.ok(writes.filter((w) => w.path === '/api/dashboards/db').every((w) => (w.body as { overwrite: boolean }).overwrite === true));
  });

  it('a second run changes nothing', async () => {
    const s = await start();
    await install(s);
    const before = s.requests.length;
    const changes = await install(s);
    assert.deepEqual(s.requests.slice(before).filter((r) => r.method !== 'GET'), [], 'no writes');
    assert.ok(changes.every((c) => c.action === 'unchanged'), JSON.stringify(changes.filter((c) => c.action !== 'unchanged')));
    assert.deepEqual(s.violations, []);
  });

  it('a dry run reads and reports, and writes nothing', async () => {
    const s = await start();
    const changes = await install(s, { dryRun: true });
    assert.deepEqual(s.writes(), []);
    assert.equal(changes.filter((c) => c.action === 'create').length, 1 + 2 + dashboardCount + ruleCount + 3, 'folder, data sources, dashboards, rules and their groups');
  });

  it('puts back what was changed in Grafana, and only that', async () => {
    const s = await start();
    await install(s);
    const dashboard = s.dashboards.get('hpu-cluster-overview') as { dashboard: Record<string, unknown> };
    dashboard.dashboard.title = 'edited by hand';
    const rule = s.rules.get('hpu-team-over-nominal-quota') as Record<string, unknown>;
    rule.for = '1m';
    (s.datasources.get('hyperpod-usage-athena')?.jsonData as Record<string, unknown>).database = 'other';
    const before = s.requests.length;
    const dry = await install(s, { dryRun: true });
    assert.deepEqual(
      dry.filter((c) => c.action !== 'unchanged').map((c) => `${c.kind} ${c.id} ${c.detail ?? ''}`),
      ['data source hyperpod-usage-athena changed: jsonData', 'dashboard hpu-cluster-overview changed: title', 'alert rule hpu-team-over-nominal-quota changed: for'],
    );
    await install(s);
    const writes = s.requests.slice(before).filter((r) => r.method !== 'GET');
    assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [
      'PUT /api/datasources/uid/hyperpod-usage-athena',
      'POST /api/dashboards/db',
      'PUT /api/v1/provisioning/alert-rules/hpu-team-over-nominal-quota',
    ]);
    assert.equal(s.dashboards.get('hpu-cluster-overview')?.dashboard.title, 'Cluster overview (Athena)');
    assert.equal(s.rules.get('hpu-team-over-nominal-quota')?.for, '2h');
    assert.deepEqual(s.violations, []);
  });

  it('existing data sources are used as they are when no settings are given', async () => {
    const s = await start();
    await assert.rejects(install(s, { datasources: [] }), /data source hyperpod-usage-athena does not exist: create it, or give its settings/);
    await install(s);
    const before = s.requests.length;
    await install(s, { datasources: [] });
    assert.deepEqual(s.requests.slice(before).filter((r) => r.method !== 'GET'), []);
  });

  it('one clear line for a refused token, a missing permission, a wrong URL and an old Grafana', async () => {
    let s = await start();
    await assert.rejects(install(s, { token: 'wrong' }), /^GrafanaApiError: Grafana refused the token \(401 on GET \/api\/health\): check --token/);
    await s.stop();
    s = await start({ forbidden: ['POST /api/dashboards/db'] });
    await assert.rejects(install(s), /the token may not do this \(403 on POST \/api\/dashboards\/db: You'll need additional permissions/);
    await s.stop();
    s = await start({ version: '10.3.9' });
    await assert.rejects(install(s), /Grafana 10\.3\.9 is too old: the dashboards and the Athena data source need 10\.4\.0 or newer/);
    await s.stop();
    s = await start();
    const api = new GrafanaApi(`${s.url}/grafana`, TOKEN);
    await assert.rejects(api.request('GET', '/api/health'), /not found \(404 on GET \/api\/health\): is --url the root of a Grafana/);
    assert.throws(() => new GrafanaApi('grafana.example.com', TOKEN), /is not a URL/);
  });

  it('the CLI installs, then reports nothing to change', async () => {
    const s = await start();
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const args = ['--conditions=development', '--import', 'tsx', cli, 'grafana', 'install', '--url', s.url, '--token', TOKEN, '--alerts', join(root, 'config/alerts.yaml'), '--athena-region', 'us-east-1', '--athena-database', 'hyperpod_usage', '--prometheus-url', 'http://prometheus:9090'];
    const first = await runCli(args);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`created ${3 + dashboardCount + ruleCount}, updated 1, unchanged 2`));
    const second = await runCli([...args, '--dry-run']);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`would create 0, would update 0, unchanged ${3 + 3 + dashboardCount + ruleCount}`));
    const refused = await runCli([...args.slice(0, 8), '--token', 'nope']);
    assert.equal(refused.status, 2);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.deepEqual(s.violations, []);
  });
});
