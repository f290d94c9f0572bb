/**
 * What `hpu demo` adds for Grafana: copies of the generated dashboards (local and portable
 * variants) and the generated alert rules under the demo's output, and how to look at them.
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_KEYS, DASHBOARD_TITLES, dashboardUid } from '@hyperpod-usage/model';
import { EXAMPLE_ALERT_SETTINGS_FILE, readAlertSettings } from './alert-settings-file.js';
import { generatedProvisioningFiles } from './generated-files.js';

const checkout = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES = { local: 'provisioning/dashboards/local', portable: 'dashboards/portable' } as const;

export interface DemoGrafanaFiles {
  written: string[];
  /** Where to open each local dashboard over the demo's range. */
  urls: string[];
}

export async function writeDemoGrafanaFiles(dir: string, range: { from: number; to: number }): Promise<DemoGrafanaFiles> {
  const written: string[] = [];
  for (const [variant, source] of Object.entries(SOURCES)) {
    const from = join(checkout, source);
    if (!existsSync(from)) continue; // an installed package has no generated dashboards
    const target = join(dir, 'dashboards', variant);
    await mkdir(target, { recursive: true });
    for (const name of (await readdir(from)).filter((n) => n.endsWith('.json'))) {
      await copyFile(join(from, name), join(target, name));
      written.push(join(target, name));
    }
  }
  const settingsFile = join(checkout, EXAMPLE_ALERT_SETTINGS_FILE);
  const settings = await readAlertSettings(settingsFile, { missingIsDefault: true });
  await mkdir(join(dir, 'alerting'), { recursive: true });
  for (const file of generatedProvisioningFiles(settings)) {
    const target = join(dir, 'alerting', basename(file.path));
    await writeFile(target, file.content);
    written.push(target);
  }
  const iso = (t: number) => new Date(t).toISOString();
  const urls = DASHBOARD_KEYS.map((k) => `http://localhost:3000/d/${dashboardUid(k, 'local')}?from=${iso(range.from)}&to=${iso(range.to)}   ${DASHBOARD_TITLES[k]}`);
  return { written, urls };
}
