// Writes the generated Grafana and Prometheus provisioning files from code and config/alerts.yaml;
// `--check` fails when one is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { EXAMPLE_ALERT_SETTINGS_FILE, readAlertSettings } from '../collector/src/grafana/alert-settings-file.js';
import { generatedProvisioningFiles } from '../collector/src/grafana/generated-files.js';

const root = new URL('../', import.meta.url);
const settings = await readAlertSettings(new URL(EXAMPLE_ALERT_SETTINGS_FILE, root).pathname);
const check = process.argv.includes('--check');
let stale = 0;
for (const file of generatedProvisioningFiles(settings)) {
  const target = new URL(file.path, root);
  if (check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // A missing file is stale too.
    }
    if (current !== file.content) {
      console.error(`${file.path} is stale: run npm run provisioning:generate`);
      stale++;
    }
  } else {
    writeFileSync(target, file.content);
    console.log(`wrote ${file.path}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
