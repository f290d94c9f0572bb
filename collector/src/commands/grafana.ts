/**
 * `hpu grafana install`: the portable dashboards, the alert rules and optionally their data
 * sources, into any Grafana (Amazon Managed Grafana included) through its HTTP API.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { readAlertSettings } from '../grafana/alert-settings-file.js';
import { GrafanaApi } from '../grafana/grafana-api.js';
import { Installer, summarize, type DatasourceSpec } from '../grafana/installer.js';
import { DEFAULT_SETTINGS_FILE } from './budgets.js';

const DEFAULT_DASHBOARDS_DIR = fileURLToPath(new URL('../../../dashboards/portable/', import.meta.url));

export const GRAFANA_USAGE = `Usage: hpu grafana install --url URL --token TOKEN [options]
  Installs into the Grafana at URL (service account token, Admin role): the folder "HyperPod
  usage", the portable dashboards (Athena + Prometheus), and the collector, quota and budget alert
  rules. Reads everything first and writes only what differs, so a second run changes nothing.
  --url URL                 Grafana root, e.g. https://g-abc.grafana-workspace.us-east-1.amazonaws.com
  --token TOKEN             service account token (or GRAFANA_TOKEN)
  --dry-run                 print what would change, write nothing
  --alerts FILE             alert settings: budgets and thresholds (default ./${DEFAULT_SETTINGS_FILE}; defaults if missing)
  --dashboards DIR          portable dashboard JSON (default: the checkout's dashboards/portable)
  Data sources (the rules need their uids; created or updated when their settings are given):
  --athena-uid UID          Athena data source for budget rules (default hyperpod-usage-athena)
  --athena-region REGION    create/update it: region, and
  --athena-database DB      Glue database of the stack (DatabaseName output)
  --athena-workgroup WG     Athena workgroup (WorkGroupName output; default primary)
  --athena-auth TYPE        authType: ec2_iam_role (AMG workspace role, default) or default
  --prometheus-uid UID      Prometheus data source for the live rules (default hyperpod-usage-prometheus)
  --prometheus-url URL      create/update it at this URL (an AMP workspace endpoint uses SigV4)
  --no-athena, --no-prometheus   skip that data source and the rules on it`;

export async function grafanaCommand(args: readonly string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'install') throw new ConfigError(`unknown action ${JSON.stringify(action ?? '')}: use install`);
  const { values } = parseArgs({
    args: rest,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      alerts: { type: 'string', default: DEFAULT_SETTINGS_FILE },
      dashboards: { type: 'string', default: DEFAULT_DASHBOARDS_DIR },
      'athena-uid': { type: 'string', default: 'hyperpod-usage-athena' },
      'athena-region': { type: 'string' },
      'athena-database': { type: 'string' },
      'athena-workgroup': { type: 'string', default: 'primary' },
      'athena-auth': { type: 'string', default: 'ec2_iam_role' },
      'prometheus-uid': { type: 'string', default: 'hyperpod-usage-prometheus' },
      'prometheus-url': { type: 'string' },
      'no-athena': { type: 'boolean', default: false },
      'no-prometheus': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const url = values.url;
  const token = values.token ?? process.env.GRAFANA_TOKEN;
  if (!url) throw new ConfigError('--url is required');
  if (!token) throw new ConfigError('--token (or GRAFANA_TOKEN) is required');
  if (!['ec2_iam_role', 'default'].includes(values['athena-auth'])) throw new ConfigError(`--athena-auth: use ec2_iam_role or default, got ${JSON.stringify(values['athena-auth'])}`);
  if (values['athena-region'] && !values['athena-database']) throw new ConfigError('--athena-region needs --athena-database');

  const datasources: DatasourceSpec[] = [];
  if (!values['no-athena'] && values['athena-region']) {
    datasources.push({
      uid: values['athena-uid'],
      name: 'Athena (HyperPod usage)',
      type: 'grafana-athena-datasource',
      access: 'proxy',
      jsonData: { authType: values['athena-auth'], defaultRegion: values['athena-region'], catalog: 'AwsDataCatalog', database: values['athena-database'], workgroup: values['athena-workgroup'] },
    });
  }
  if (!values['no-prometheus'] && values['prometheus-url']) {
    const promUrl = values['prometheus-url'];
    const amp = /aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com/.exec(promUrl);
    datasources.push({
      uid: values['prometheus-uid'],
      name: 'Prometheus (HyperPod usage)',
      type: 'prometheus',
      access: 'proxy',
      url: promUrl,
      jsonData: { httpMethod: 'POST', ...(amp ? { sigV4Auth: true, sigV4AuthType: values['athena-auth'], sigV4Region: amp[1] } : {}) },
    });
  }
  const installer = new Installer({
    api: new GrafanaApi(url, token),
    settings: await readAlertSettings(values.alerts, { missingIsDefault: values.alerts === DEFAULT_SETTINGS_FILE }),
    dashboardsDir: values.dashboards,
    ...(values['no-athena'] ? {} : { athenaUid: values['athena-uid'] }),
    ...(values['no-prometheus'] ? {} : { prometheusUid: values['prometheus-uid'] }),
    datasources,
    dryRun: values['dry-run'],
  });
  const changes = await installer.run();
  console.log(`${values['dry-run'] ? 'Dry run against' : 'Installed into'} ${url}:\n${summarize(changes, values['dry-run'])}`);
}
