// The local Grafana stack: generated alert rules, provisioning files and docker-compose.yaml.
// The alert rules are checked by what they do: each is rewritten as the Prometheus rule Grafana's
// query → reduce(last) → threshold pipeline amounts to, and `promtool test rules` plays series
// through it. The expected alerts below were worked out by hand from the series, not from the code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { COLLECTOR_ALERT_RULES, COLLECTOR_METRICS, prometheusAlertingRule } from '@hyperpod-usage/model';
import { PROVISIONED_ATHENA_UID, PROVISIONED_PROMETHEUS_UID } from '../src/grafana/alert-provisioning.js';
import { EXAMPLE_ALERT_SETTINGS_FILE, readAlertSettings } from '../src/grafana/alert-settings-file.js';
import { BUDGET_ALERTS_FILE, COLLECTOR_ALERTS_FILE, PROMETHEUS_RULES_FILE, QUOTA_ALERTS_FILE, generatedProvisioningFiles } from '../src/grafana/generated-files.js';

const root = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');

function run(command: string, args: string[], cwd = root) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    assert.fail(`${command} is not installed; .ci/run installs it`);
  }
  return result;
}

const metric = (key: keyof typeof COLLECTOR_METRICS) => COLLECTOR_METRICS[key].name;
const alert = (cluster: string | undefined, severity: string, extra: Record<string, string> = {}) => ({
  exp_labels: { ...(cluster ? { cluster } : {}), severity, component: 'hyperpod-usage-collector', ...extra },
});

/** promtool unit tests: one group per situation, 1-minute samples starting at time 0. */
const PROMTOOL_TESTS = [
  {
    name: 'a healthy pair of replicas raises nothing',
    input_series: [
      { series: `${metric('leader')}{cluster="c1",instance="a"}`, values: '1x60' },
      { series: `${metric('leader')}{cluster="c1",instance="b"}`, values: '0x60' },
      // The leader uploads every minute; the standby never uploads (its gauge stays 0).
      { series: `${metric('lastUploadSuccess')}{cluster="c1",instance="a"}`, values: '0+60x60' },
      { series: `${metric('lastUploadSuccess')}{cluster="c1",instance="b"}`, values: '0x60' },
      { series: `${metric('spoolFull')}{cluster="c1",instance="a"}`, values: '0x60' },
      { series: `${metric('recordsDropped')}{cluster="c1",instance="a",table="workload"}`, values: '0x60' },
      { series: `${metric('objectsSkipped')}{cluster="c1",instance="a",kind="Pod",reason="invalid"}`, values: '0x60' },
      { series: `${metric('watchRestarts')}{cluster="c1",instance="a",kind="Pod"}`, values: '0+1x3 3x57' },
      { series: `${metric('heapUsed')}{cluster="c1",instance="a"}`, values: '100000000x60' },
      { series: `${metric('heapLimit')}{cluster="c1",instance="a"}`, values: '176000000x60' },
    ],
    alert_rule_test: COLLECTOR_ALERT_RULES.flatMap((r) => [
      { eval_time: '30m', alertname: r.uid, exp_alerts: [] },
      { eval_time: '60m', alertname: r.uid, exp_alerts: [] },
    ]),
  },
  {
    name: 'nothing scraped: the absence alert fires after 10 minutes',
    input_series: [{ series: 'up{job="other"}', values: '1x30' }],
    alert_rule_test: [
      { eval_time: '9m', alertname: 'hpu-collector-absent', exp_alerts: [] },
      { eval_time: '15m', alertname: 'hpu-collector-absent', exp_alerts: [alert(undefined, 'critical')] },
    ],
  },
  {
    name: 'the leader steps down at 11m and nobody takes over: fires from 16m',
    input_series: [
      { series: `${metric('leader')}{cluster="c1",instance="a"}`, values: '1x10 0x50' },
      { series: `${metric('leader')}{cluster="c1",instance="b"}`, values: '0x60' },
    ],
    alert_rule_test: [
      { eval_time: '15m', alertname: 'hpu-collector-no-leader', exp_alerts: [] },
      { eval_time: '20m', alertname: 'hpu-collector-no-leader', exp_alerts: [alert('c1', 'critical')] },
      { eval_time: '20m', alertname: 'hpu-collector-absent', exp_alerts: [] },
    ],
  },
  {
    name: 'both replicas claim the Lease from 11m: fires from 16m',
    input_series: [
      { series: `${metric('leader')}{cluster="c1",instance="a"}`, values: '1x60' },
      { series: `${metric('leader')}{cluster="c1",instance="b"}`, values: '0x10 1x50' },
    ],
    alert_rule_test: [
      { eval_time: '15m', alertname: 'hpu-collector-split-leadership', exp_alerts: [] },
      { eval_time: '20m', alertname: 'hpu-collector-split-leadership', exp_alerts: [alert('c1', 'warning')] },
      { eval_time: '20m', alertname: 'hpu-collector-no-leader', exp_alerts: [] },
    ],
  },
  {
    // c1 last uploads at 10m (t = 600 s): the age passes 900 s after 25m, so it fires from 31m.
    // c2 never uploads (gauge 0): the age passes 900 s after 15m, so it fires from 21m.
    name: 'uploads stop at 10m on c1 and never start on c2',
    input_series: [
      { series: `${metric('lastUploadSuccess')}{cluster="c1",instance="a"}`, values: '0+60x10 600x50' },
      { series: `${metric('lastUploadSuccess')}{cluster="c1",instance="b"}`, values: '0x60' },
      { series: `${metric('lastUploadSuccess')}{cluster="c2",instance="a"}`, values: '0x60' },
    ],
    alert_rule_test: [
      { eval_time: '20m', alertname: 'hpu-collector-uploads-stalled', exp_alerts: [] },
      { eval_time: '25m', alertname: 'hpu-collector-uploads-stalled', exp_alerts: [alert('c2', 'critical')] },
      { eval_time: '30m', alertname: 'hpu-collector-uploads-stalled', exp_alerts: [alert('c2', 'critical')] },
      { eval_time: '35m', alertname: 'hpu-collector-uploads-stalled', exp_alerts: [alert('c1', 'critical'), alert('c2', 'critical')] },
    ],
  },
  {
    // 160 of 176 MB (0.91) from 11m on replica b: pending until 15 minutes have passed, at 26m.
    name: 'a replica\'s heap near its limit from 11m: fires from 26m',
    input_series: [
      { series: `${metric('heapUsed')}{cluster="c1",instance="a"}`, values: '100000000x40' },
      { series: `${metric('heapLimit')}{cluster="c1",instance="a"}`, values: '176000000x40' },
      { series: `${metric('heapUsed')}{cluster="c1",instance="b"}`, values: '100000000x10 160000000x30' },
      { series: `${metric('heapLimit')}{cluster="c1",instance="b"}`, values: '176000000x40' },
    ],
    alert_rule_test: [
      { eval_time: '25m', alertname: 'hpu-collector-heap-near-limit', exp_alerts: [] },
      { eval_time: '26m', alertname: 'hpu-collector-heap-near-limit', exp_alerts: [alert('c1', 'warning')] },
    ],
  },
  {
    name: 'the spool fills at 11m: fires from 16m',
    input_series: [{ series: `${metric('spoolFull')}{cluster="c1",instance="a"}`, values: '0x10 1x50' }],
    alert_rule_test: [
      { eval_time: '15m', alertname: 'hpu-collector-spool-full', exp_alerts: [] },
      { eval_time: '20m', alertname: 'hpu-collector-spool-full', exp_alerts: [alert('c1', 'warning')] },
    ],
  },
  {
    // Five records dropped at 11m: in the 15-minute window until 25m, then gone from it.
    name: 'records dropped once at 11m',
    input_series: [{ series: `${metric('recordsDropped')}{cluster="c1",instance="a",table="workload"}`, values: '0x10 5x50' }],
    alert_rule_test: [
      { eval_time: '10m', alertname: 'hpu-collector-records-dropped', exp_alerts: [] },
      { eval_time: '12m', alertname: 'hpu-collector-records-dropped', exp_alerts: [alert('c1', 'critical', { table: 'workload' })] },
      { eval_time: '30m', alertname: 'hpu-collector-records-dropped', exp_alerts: [] },
    ],
  },
  {
    // Two failed flushes at 11m and 12m, then none: pending 5 minutes, firing until they leave the 10-minute window.
    name: 'flushes fail at 11m and 12m: fires from 16m to 22m',
    input_series: [{ series: `${metric('flushFailures')}{cluster="c1",instance="a"}`, values: '0x10 1 2x50' }],
    alert_rule_test: [
      { eval_time: '14m', alertname: 'hpu-collector-flushes-failing', exp_alerts: [] },
      { eval_time: '17m', alertname: 'hpu-collector-flushes-failing', exp_alerts: [alert('c1', 'critical')] },
      { eval_time: '30m', alertname: 'hpu-collector-flushes-failing', exp_alerts: [] },
    ],
  },
  {
    name: 'a spool file quarantined at 11m: reported for the following hour',
    input_series: [{ series: `${metric('spoolQuarantined')}{cluster="c1",instance="a"}`, values: '0x10 1x100' }],
    alert_rule_test: [
      { eval_time: '10m', alertname: 'hpu-collector-spool-quarantined', exp_alerts: [] },
      { eval_time: '20m', alertname: 'hpu-collector-spool-quarantined', exp_alerts: [alert('c1', 'warning')] },
      { eval_time: '80m', alertname: 'hpu-collector-spool-quarantined', exp_alerts: [] },
    ],
  },
  {
    name: 'three Pods skipped at 11m: reported for the following hour',
    input_series: [
      { series: `${metric('objectsSkipped')}{cluster="c1",instance="a",kind="Pod",reason="invalid"}`, values: '0x10 3x100' },
    ],
    alert_rule_test: [
      { eval_time: '20m', alertname: 'hpu-collector-objects-skipped', exp_alerts: [alert('c1', 'warning', { kind: 'Pod', reason: 'invalid' })] },
      { eval_time: '80m', alertname: 'hpu-collector-objects-skipped', exp_alerts: [] },
    ],
  },
  {
    // One restart a minute is 15 per 15 minutes, over the threshold of 5 for well over 15 minutes
    // by 40m; three restarts early on never are.
    name: 'the Workload watch restarts every minute, the Pod watch three times',
    input_series: [
      { series: `${metric('watchRestarts')}{cluster="c1",instance="a",kind="Workload"}`, values: '0+1x60' },
      { series: `${metric('watchRestarts')}{cluster="c1",instance="a",kind="Pod"}`, values: '0+1x3 3x57' },
    ],
    alert_rule_test: [
      { eval_time: '40m', alertname: 'hpu-collector-watch-restarts', exp_alerts: [alert('c1', 'warning', { kind: 'Workload' })] },
    ],
  },
];

describe('collector alert rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpu-alerts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the provisioning files are what the generator writes from config/alerts.yaml', async () => {
    const settings = await readAlertSettings(join(root, EXAMPLE_ALERT_SETTINGS_FILE));
    for (const file of generatedProvisioningFiles(settings)) assert.equal(read(file.path), file.content, `${file.path} is stale: run npm run provisioning:generate`);
  });

  it('fire in the hand-worked situations and stay quiet otherwise (promtool test rules)', (t) => {
    const rules = { groups: [{ name: 'hyperpod-usage-collector', interval: '1m', rules: COLLECTOR_ALERT_RULES.map((r) => ({ ...prometheusAlertingRule(r), annotations: {} })) }] };
    writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests: PROMTOOL_TESTS.map(({ name, ...test }) => ({ name, interval: '1m', ...test })) }));
    const check = run('promtool', ['check', 'rules', 'rules.yaml'], dir);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const test = run('promtool', ['test', 'rules', 'tests.yaml'], dir);
    t.diagnostic(test.stdout);
    assert.equal(test.status, 0, test.stdout + test.stderr);
  });

  it('the rule file for Amazon Managed Service for Prometheus passes promtool check rules', () => {
    const check = run('promtool', ['check', 'rules', PROMETHEUS_RULES_FILE]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, new RegExp(`SUCCESS: ${COLLECTOR_ALERT_RULES.length + 3} rules found`));
  });

  it('every rule is tested, and every rule refers to the provisioned Prometheus and its own queries', () => {
    const tested = new Set(PROMTOOL_TESTS.slice(1).flatMap((g) => g.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    assert.deepEqual([...tested].sort(), COLLECTOR_ALERT_RULES.map((r) => r.uid).sort(), 'each rule fires in at least one situation');
    const datasources = parse(read('provisioning/datasources/datasources.yaml')) as { datasources: Array<{ uid: string; type: string }> };
    assert.ok(datasources.datasources.some((d) => d.uid === PROVISIONED_PROMETHEUS_UID && d.type === 'prometheus'));
    assert.ok(datasources.datasources.some((d) => d.uid === PROVISIONED_ATHENA_UID && d.type === 'grafana-athena-datasource'));
    type File = { groups: Array<{ rules: Array<{ uid: string; condition: string; data: Array<{ refId: string; datasourceUid: string; model: { expression?: string } }> }> }> };
    const rules = [COLLECTOR_ALERTS_FILE, QUOTA_ALERTS_FILE, BUDGET_ALERTS_FILE].flatMap((f) => (parse(read(f)) as File).groups.flatMap((g) => g.rules));
    assert.equal(new Set(rules.map((r) => r.uid)).size, rules.length, 'rule uids are unique');
    for (const rule of rules) {
      const refIds = new Set(rule.data.map((d) => d.refId));
      assert.ok(refIds.has(rule.condition), `${rule.uid}: condition ${rule.condition} is one of its queries`);
      for (const d of rule.data) {
        assert.ok(['__expr__', PROVISIONED_PROMETHEUS_UID, PROVISIONED_ATHENA_UID].includes(d.datasourceUid), `${rule.uid}: unknown data source ${d.datasourceUid}`);
        if (d.model.expression) assert.ok(refIds.has(d.model.expression), `${rule.uid}: ${d.refId} reads ${d.model.expression}`);
      }
    }
  });
});

describe('docker-compose.yaml and provisioning', () => {
  it('is a valid Compose file (docker-compose config)', () => {
    const result = run('docker-compose', ['--file', 'docker-compose.yaml', 'config', '--quiet']);
    assert.equal(result.status, 0, result.stderr);
  });

  /** Build outputs the stack mounts: made by commands, not checked in. */
  const BUILD_OUTPUTS: Record<string, string> = { './dist': 'npm run build (the app plugin)', './out/demo/usage-data': 'npm run demo' };

  type Service = { image?: string; volumes?: string[]; command?: string[]; build?: { dockerfile: string }; environment?: Record<string, string> };
  const compose = () => parse(read('docker-compose.yaml')) as { services: Record<string, Service> };

  it('mounts files that exist (or build outputs) and scrapes the port the simulator serves', () => {
    for (const service of Object.values(compose().services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (source in BUILD_OUTPUTS) continue;
        if (source.startsWith('.')) assert.ok(existsSync(join(root, source)), `${volume}: ${source} exists`);
      }
    }
    const simulator = compose().services.simulator;
    assert.ok(simulator?.build && existsSync(join(root, simulator.build.dockerfile)));
    const port = simulator.command?.find((a) => a.startsWith('--metrics-port='))?.split('=')[1];
    const prometheus = parse(read('provisioning/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
      rule_files: string[];
    };
    assert.deepEqual(prometheus.scrape_configs[0]?.static_configs[0]?.targets, [`simulator:${port}`]);
    const mounted = (compose().services.prometheus?.volumes ?? []).map((v) => v.split(':')[1]);
    for (const f of prometheus.rule_files) assert.ok(mounted.includes(`/etc/prometheus/${f}`), `rule file ${f} is mounted next to prometheus.yml`);
  });

  it('runs a pinned Ubuntu Grafana with every plugin the provisioning needs, the app allowed unsigned', () => {
    const grafana = compose().services.grafana as Service;
    assert.match(grafana.image ?? '', /^grafana\/grafana-oss:\$\{GRAFANA_VERSION:-\d+\.\d+\.\d+\}-ubuntu$/);
    const env = grafana.environment ?? {};
    const preinstalled = (env.GF_PLUGINS_PREINSTALL_SYNC ?? '').split(',').map((p) => p.split('@')[0]);
    const unsigned = (env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS ?? '').split(',');
    const duckdb = (env.GF_PLUGINS_PREINSTALL_SYNC ?? '').split(',').find((p) => p.startsWith('motherduck-duckdb-datasource@')) ?? '';
    assert.match(duckdb, /^motherduck-duckdb-datasource@[^@]+@https:\/\/github\.com\/motherduckdb\/grafana-duckdb-datasource\/releases\/download\/.+\.zip$/, 'id@version@url of the release zip');
    const appMounted = (grafana.volumes ?? []).some((v) => v.startsWith('./dist:/var/lib/grafana/plugins/'));
    const available = (type: string) => ['prometheus'].includes(type) || preinstalled.includes(type) || (appMounted && type.startsWith('hyperpod-usage-'));
    const datasources = parse(read('provisioning/datasources/datasources.yaml')) as { datasources: Array<{ uid: string; type: string; jsonData?: Record<string, unknown> }> };
    for (const d of datasources.datasources) assert.ok(available(d.type), `${d.type} is installed`);
    for (const type of ['hyperpod-usage-app', 'hyperpod-usage-datasource', 'motherduck-duckdb-datasource']) assert.ok(unsigned.includes(type), `${type} may load unsigned`);
    const apps = parse(read('provisioning/plugins/app.yaml')) as { apps: Array<{ type: string; disabled: boolean }> };
    assert.deepEqual(apps.apps.map((a) => [a.type, a.disabled]), [['hyperpod-usage-app', false]]);
    // The DuckDB data path of the local dashboards and the usage data source is where the demo's data is mounted.
    const dataMount = (grafana.volumes ?? []).find((v) => v.startsWith('./out/demo/usage-data:'))?.split(':')[1];
    assert.equal(datasources.datasources.find((d) => d.type === 'hyperpod-usage-datasource')?.jsonData?.dataPath, dataMount);
    assert.ok(read('provisioning/dashboards/local/team-usage.json').includes(`read_parquet('${dataMount}/`), 'local dashboards read the mounted data');
  });

  it('provisions the local dashboards from where the generator writes them', () => {
    const providers = parse(read('provisioning/dashboards/dashboards.yaml')) as { providers: Array<{ options: { path: string }; folderUid: string }> };
    const path = providers.providers[0]?.options.path ?? '';
    assert.ok(path.startsWith('/etc/grafana/provisioning/'), 'inside the mounted provisioning folder');
    const local = join(root, 'provisioning', path.slice('/etc/grafana/provisioning/'.length));
    for (const name of ['team-usage.json', 'team-efficiency.json', 'cluster-overview.json']) assert.ok(existsSync(join(local, name)), `${name} in ${local}`);
    assert.equal(providers.providers[0]?.folderUid, 'hyperpod-usage');
  });

  it('has a Prometheus configuration promtool accepts', () => {
    const result = run('promtool', ['check', 'config', 'provisioning/prometheus/prometheus.yml']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});
