// Writes the generated Grafana provisioning files; `--check` fails when one is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { COLLECTOR_ALERT_RULES } from '@hyperpod-usage/model';
import { COLLECTOR_ALERTS_FILE, collectorAlertsFile } from '../collector/src/grafana/alert-provisioning.js';

const target = new URL(`../${COLLECTOR_ALERTS_FILE}`, import.meta.url);
const fresh = collectorAlertsFile(COLLECTOR_ALERT_RULES);
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== fresh) {
    console.error(`${COLLECTOR_ALERTS_FILE} is stale: run npm run provisioning:generate`);
    process.exit(1);
  }
} else {
  writeFileSync(target, fresh);
  console.log(`wrote ${COLLECTOR_ALERTS_FILE}`);
}
