// `npm run dashboards:generate`: writes every dashboard variant's JSON from code; `--check` fails
// when a file is stale (or hand-edited) instead of writing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { dashboardText, generateDashboards } from './build.js';

const root = new URL('../../', import.meta.url);
const check = process.argv.includes('--check');
let stale = 0;
for (const d of generateDashboards()) {
  const target = new URL(d.path, root).pathname;
  const text = dashboardText(d.json);
  if (check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error(`${d.path} is stale: run npm run dashboards:generate`);
      stale++;
    }
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${d.path}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
