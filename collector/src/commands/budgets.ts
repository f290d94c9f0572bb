/**
 * `hpu budgets`: shows and edits the alert settings file (monthly budgets per team, quota alert
 * thresholds) that the generated alert rules are built from. The app's Settings page writes the
 * same file shape (usage-model/src/budgets.ts).
 */
import { parseArgs } from 'node:util';
import { withTeamBudget, type AlertSettings } from '@hyperpod-usage/model';
import { ConfigError } from '../config.js';
import { alertSettingsText, readAlertSettings, writeAlertSettings } from '../grafana/alert-settings-file.js';

export const BUDGETS_USAGE = `Usage: hpu budgets show  [--file FILE]
       hpu budgets set   --team TEAM [--cluster NAME] [--gpu-hours N] [--cost USD] [--file FILE]
       hpu budgets unset --team TEAM [--cluster NAME] [--gpu-hours] [--cost] [--file FILE]
       hpu budgets check [--file FILE]
  Monthly (UTC calendar month) budgets per team, and the quota alert thresholds, in one file that
  \`hpu grafana install\` and \`npm run provisioning:generate\` turn into alert rules.
  --file FILE    the settings file, YAML or JSON (default ./hpu-alerts.yaml; created by set)
  --team TEAM    team name as the dashboards show it
  --cluster NAME the budget counts only this cluster's usage (default: all clusters)
  --gpu-hours N  GPU-hours per month          --cost USD  cost per month
  unset without --gpu-hours/--cost removes the team's budget entirely.`;

export const DEFAULT_SETTINGS_FILE = 'hpu-alerts.yaml';

function amount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new ConfigError(`--${flag}: expected a number above 0, got ${JSON.stringify(value)}`);
  return n;
}

function describe(settings: AlertSettings): string {
  if (settings.budgets.length === 0) return 'no budgets';
  return settings.budgets
    .map((b) => {
      const parts = [b.monthlyGpuHours !== undefined ? `${b.monthlyGpuHours} GPU-hours` : '', b.monthlyCost !== undefined ? `$${b.monthlyCost}` : ''].filter(Boolean);
      return `${b.team}${b.cluster ? ` (cluster ${b.cluster})` : ''}: ${parts.join(', ')} per month`;
    })
    .join('\n');
}

export async function budgetsCommand(args: readonly string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: 'string', default: DEFAULT_SETTINGS_FILE },
      team: { type: 'string' },
      cluster: { type: 'string' },
      'gpu-hours': { type: action === 'unset' ? 'boolean' : 'string' },
      cost: { type: action === 'unset' ? 'boolean' : 'string' },
    },
    strict: true,
  });
  const file = values.file;
  switch (action) {
    case 'show':
    case 'check': {
      const settings = await readAlertSettings(file);
      console.log(action === 'show' ? alertSettingsText(settings, file).trimEnd() : `${file}: valid; ${describe(settings)}`);
      return;
    }
    case 'set':
    case 'unset': {
      if (!values.team) throw new ConfigError('--team is required');
      const settings = await readAlertSettings(file, { missingIsDefault: true });
      const change =
        action === 'set'
          ? { monthlyGpuHours: amount(values['gpu-hours'] as string | undefined, 'gpu-hours'), monthlyCost: amount(values.cost as string | undefined, 'cost') }
          : values['gpu-hours'] || values.cost
            ? { monthlyGpuHours: values['gpu-hours'] ? null : undefined, monthlyCost: values.cost ? null : undefined }
            : { monthlyGpuHours: null, monthlyCost: null };
      if (action === 'set' && change.monthlyGpuHours === undefined && change.monthlyCost === undefined) throw new ConfigError('set needs --gpu-hours or --cost');
      const next = withTeamBudget(settings, { team: values.team, ...(values.cluster ? { cluster: values.cluster } : {}), ...change });
      await writeAlertSettings(file, next);
      console.log(`${file}: ${describe(next)}`);
      return;
    }
    default:
      throw new ConfigError(`unknown action ${JSON.stringify(action ?? '')}: use show, set, unset or check`);
  }
}
