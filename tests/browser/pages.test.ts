// The app pages, the query editor and the config editor in headless Chromium, with the real
// @grafana/ui, fed by real DuckDB over rollups the simulator and the aggregation produced for the
// task-governance walkthrough. The numbers on screen are checked against the walkthrough's
// hand-computed answers (collector/scenarios/task-governance-walkthrough.yaml, docs/attribution.md).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_PRICES, effectivePrices } from '@hyperpod-usage/model';
import { silentLogger } from '../../collector/src/log.ts';
import { resolveScenario } from '../../collector/src/simulator/builtin.ts';
import { runSimulation } from '../../collector/src/simulator/simulation.ts';
import type { DuckDbEngine } from '../../collector/src/engine/duckdb-engine.ts';
import { aggregateRun } from '../../collector/test/support/aggregation.ts';
import { buildHarness } from './support/build-harness.ts';
import { startHarnessServer, type HarnessServer } from './support/harness-server.ts';

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = new URL('screenshots/', import.meta.url).pathname;
const CLUSTER = 'walkthrough';


/** What the harness page records for the test (harness.tsx). */
interface HarnessWindow {
  __hpu: { promExprs: string[]; queries: Array<{ usage?: { resource?: string } }>; options?: { jsonData: { sqlDatasource?: unknown; dataPath?: string } } };
}

interface TeamFacts { total: number; own: number; borrowed: number; lent: number; nominal: number; unused: number }
interface Expected {
  teams: Record<string, { gpu: TeamFacts }>;
  capacity: Record<string, { gpuCapacity: number; gpuUsed: number; gpuIdle: number }>;
  tasks: Record<string, { gpuHours: number; admissions: number; preemptions: number; queueWaitSeconds: number; status: string }>;
}

/** The number a display shows ("8.03 GPU-h", "$1,234.50", "30 s"), and its last digit's place. */
function shown(text: string): { value: number; step: number } {
  const match = /-?\d[\d,]*(\.\d+)?/.exec(text.replace(/\u00a0/g, ' '));
  assert.ok(match, `no number in ${JSON.stringify(text)}`);
  const digits = match[1] ? match[1].length - 1 : 0;
  return { value: Number(match[0].replace(/,/g, '')), step: 10 ** -digits };
}

/** The display rounds the exact answer to its last digit: it must be within half of it. */
function assertShows(text: string, expected: number, what: string): void {
  const { value, step } = shown(text);
  assert.ok(Math.abs(value - expected) <= step / 2 + 1e-9, `${what}: shows ${JSON.stringify(text.trim())}, expected ${expected}`);
}

describe('app pages and editors in Chromium, on the walkthrough rollups', { timeout: 600_000 }, () => {
  const scenario = resolveScenario('task-governance-walkthrough');
  const expected = scenario.expected as unknown as Expected;
  const range = `from=${scenario.start}&to=${scenario.end}`;
  const root = mkdtempSync(join(tmpdir(), 'hpu-browser-'));
  const dataDir = join(root, 'data');
  let engine: DuckDbEngine;
  let server: HarnessServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    mkdirSync(join(root, 'empty'));
    // One after the other: the simulation runs on a scaled clock, which a busy machine would skew.
    await buildHarness(join(root, 'bundle'));
    await runSimulation({ scenario, clusterName: CLUSTER, storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
    engine = await aggregateRun(dataDir, scenario.start, scenario.end);
    server = await startHarnessServer({ bundleDir: join(root, 'bundle'), sql: engine, pageConfig: { dataPath: dataDir, emptyDataPath: join(root, 'empty'), cluster: CLUSTER } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function open(query: string, wait: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // A page that throws fails the test at once rather than at the wait's timeout.
    // Any failed request (a missing icon or font too) is a defect the last test reports.
    // Except icons Grafana's server has and @grafana/ui's package does not ship (spinner,
    // angle-double-left): no server here can answer those.
    const grafanaOnlyIcon = (url: string) => /\/public\/build\/img\/icons\/unicons\/(spinner|angle-double-left)\.svg$/.test(url);
    page.on('requestfailed', (request) => grafanaOnlyIcon(request.url()) || pageErrors.push(`${query}: request failed ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400 && !grafanaOnlyIcon(response.url())) pageErrors.push(`${query}: ${response.status()} ${response.url()}`);
    });
    const thrown = new Promise<never>((_, reject) =>
      page.on('pageerror', (error) => {
        pageErrors.push(`${query}: ${error.message}`);
        reject(new Error(`the page threw: ${error.message}`));
      }),
    );
    thrown.catch(() => undefined);
    await page.goto(`${server.url}/?${query}`);
    await Promise.race([page.locator(wait).first().waitFor({ timeout: 30_000 }), thrown]);
    return page;
  }

  const appPath = (path: string, extra = '') => `view=app&path=${encodeURIComponent(`/a/hyperpod-usage-app/${path}?${range}${extra}`)}`;
  const stat = (page: Page, title: string) => page.locator(`[data-testid="stat-${title}"]`).innerText().then((t) => t.slice(title.length));
  /** The cells of the table row that starts with `key`, as text. */
  async function row(page: Page, container: string, key: string): Promise<string[]> {
    const rowLocator = page.locator(`[data-testid="${container}"] [role="row"]`).filter({ hasText: key }).first();
    await rowLocator.waitFor();
    return rowLocator.locator('[role="cell"], [role="gridcell"]').allInnerTexts();
  }
  async function screenshot(page: Page, name: string): Promise<void> {
    await page.waitForTimeout(300); // let uPlot draw its canvas before the picture (not a test timing)
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  it('Overview: cluster hours, own vs borrowed, idle, top teams and month-to-date cost match the walkthrough', async () => {
    const before = server.statements.length;
    const page = await open(appPath('overview'), '[data-testid="top-teams"] [role="row"]');
    const teamA = expected.teams['team-a']!.gpu;
    const teamB = expected.teams['team-b']!.gpu;
    assertShows(await stat(page, 'Cluster GPU-hours'), teamA.total + teamB.total, 'cluster GPU-hours');
    assertShows(await stat(page, 'Own quota'), teamA.own + teamB.own, 'own quota');
    assertShows(await stat(page, 'Borrowed'), teamA.borrowed + teamB.borrowed, 'borrowed');
    assertShows(await stat(page, 'Idle capacity'), expected.capacity['ml.g5.8xlarge']!.gpuIdle, 'idle');
    const price = effectivePrices('us-east-1', DEFAULT_PRICES).find((p) => p.instanceType === 'ml.g5.8xlarge')!.pricePerHour;
    assertShows(await stat(page, 'Cost month to date'), (teamA.total + teamB.total) * price, 'cost month to date (1 GPU per ml.g5.8xlarge)');
    assert.match(await stat(page, 'Data up to'), /2025-04-16 13:00/);
    const a = await row(page, 'top-teams', 'team-a');
    assert.equal(a[0], 'team-a');
    [teamA.total, teamA.own, teamA.borrowed, teamA.lent, teamA.unused].forEach((v, i) => assertShows(a[i + 1]!, v, `team-a column ${i + 1}`));
    const b = await row(page, 'top-teams', 'team-b');
    [teamB.total, teamB.own, teamB.borrowed, teamB.lent, teamB.unused].forEach((v, i) => assertShows(b[i + 1]!, v, `team-b column ${i + 1}`));
    const idle = await row(page, 'idle-capacity', 'ml.g5.8xlarge');
    assertShows(idle[1]!, expected.capacity['ml.g5.8xlarge']!.gpuUsed, 'capacity used');
    assertShows(idle[2]!, expected.capacity['ml.g5.8xlarge']!.gpuIdle, 'capacity idle');
    assert.equal(server.statements.length - before, 4, 'the Overview runs its four batched statements');
    await screenshot(page, 'overview');
    await page.close();
  });

  it('Team: team-a borrowed what team-b lent, its tasks and preemptions, GPUs next to DCGM utilization', async () => {
    const page = await open(appPath('team', '&team=team-a'), '[data-testid="team-tasks"] [role="row"]');
    const a = expected.teams['team-a']!.gpu;
    const g5Price = effectivePrices('us-east-1', DEFAULT_PRICES).find((p) => p.instanceType === 'ml.g5.8xlarge')!.pricePerHour;
    assertShows(await stat(page, 'GPU-hours'), a.total, 'team-a GPU-hours');
    assertShows(await stat(page, 'Own quota'), a.own, 'team-a own');
    assertShows(await stat(page, 'Borrowed'), a.borrowed, 'team-a borrowed');
    assertShows(await stat(page, 'Quota'), a.nominal, 'team-a quota');
    assertShows(await stat(page, 'Lent to others'), a.lent, 'team-a lent');
    assertShows(await stat(page, 'Unused quota'), a.unused, 'team-a unused');
    for (const task of ['pytorchjob-a-pretrain-7f3a1', 'pytorchjob-a-eval-52be0', 'pod-a-serve-6d8f4']) {
      const cells = await row(page, 'team-tasks', task);
      assertShows(cells[3]!, expected.tasks[task]!.gpuHours, `${task} GPU-hours`);
      assertShows(cells[4]!, expected.tasks[task]!.gpuHours * g5Price, `${task} cost (1 GPU per ml.g5.8xlarge)`);
    }
    // The part-day range gets hourly bars; the legend's totals are the tasks' hours per class.
    const priority = page.locator('[data-testid="team-priority"]');
    await priority.locator('canvas').first().waitFor();
    const legend = (await priority.innerText()).split('\n');
    const totalOf = (series: string) => legend[legend.indexOf(series) + 1] ?? '';
    const t = expected.tasks;
    assertShows(totalOf('training-priority'), t['pytorchjob-a-pretrain-7f3a1']!.gpuHours + t['pytorchjob-a-eval-52be0']!.gpuHours, 'training-priority total');
    assertShows(totalOf('inference-priority'), t['pod-a-serve-6d8f4']!.gpuHours, 'inference-priority total');
    const preemptions = await page.locator('[data-testid="team-preemptions"] [role="row"]').allInnerTexts();
    assert.equal(preemptions.filter((r) => /preempted/.test(r)).length, 2, 'a-pretrain and a-eval were each preempted once');
    const clipped = await page.locator('[data-testid="team-preemptions"] [role="cell"]').evaluateAll((cells) =>
      cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent ?? ''),
    );
    assert.deepEqual(clipped, [], 'every preemption cell shows its whole text');
    await page.locator('[data-testid="allocated-vs-utilization"] canvas').first().waitFor();
    const exprs = await page.evaluate(() => (window as unknown as HarnessWindow).__hpu.promExprs);
    assert.deepEqual(exprs, ['avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{namespace=~"hyperpod-ns-team-a"})']);
    await screenshot(page, 'team-a');
    await page.close();

    const pageB = await open(appPath('team', '&team=team-b'), '[data-testid="team-tasks"] [role="row"]');
    const b = expected.teams['team-b']!.gpu;
    assertShows(await stat(pageB, 'Lent to others'), b.lent, 'team-b lent');
    assertShows(await stat(pageB, 'Unused quota'), b.unused, 'team-b unused');
    assertShows(await stat(pageB, 'GPU-hours'), b.total, 'team-b GPU-hours');
    await screenshot(pageB, 'team-b');
    await pageB.close();
  });

  it('Tasks: status, preemptions and queue wait per task; search narrows in SQL', async () => {
    const page = await open(appPath('tasks'), '[data-testid="tasks-table"] [role="row"]');
    for (const [task, facts] of Object.entries(expected.tasks)) {
      const cells = await row(page, 'tasks-table', task);
      // task, team, namespace, status, preemptions, queue wait, hours
      assert.equal(cells[3], facts.status, `${task} status`);
      assert.equal(Number(cells[4]), facts.preemptions, `${task} preemptions`);
      assertShows(cells[5]!, facts.queueWaitSeconds, `${task} queue wait (s)`);
      assertShows(cells[6]!, facts.gpuHours, `${task} GPU-hours`);
    }
    assertShows(await stat(page, 'Preemptions'), 2, 'preemptions in total');
    await screenshot(page, 'tasks');
    await page.getByRole('textbox', { name: 'Search tasks' }).fill('EVAL');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tasks-table"] [role="row"]').length === 2);
    const rows = await page.locator('[data-testid="tasks-table"] [role="row"]').allInnerTexts();
    assert.match(rows[1]!, /pytorchjob-a-eval-52be0/);
    assert.ok(server.statements.some((s) => s.refId === 'tasks' && /strpos\(lower\(.*\), lower\('EVAL'\)\)/.test(s.sql)), 'the search runs in SQL');
    await screenshot(page, 'tasks-search');
    await page.close();
  });

  it('Settings: data sources, the clusters in the tables, the price table and the budgets', async () => {
    const page = await open(appPath('settings'), '[data-testid="price-table"] [role="row"]');
    const price = effectivePrices('us-east-1', DEFAULT_PRICES).find((p) => p.instanceType === 'ml.g5.8xlarge')!;
    const cells = await row(page, 'price-table', 'ml.g5.8xlarge');
    assert.equal(cells[0], 'ml.g5.8xlarge');
    assertShows(cells[2]!, price.pricePerHour, 'instance-hour price');
    assert.match(await page.locator('[data-testid="settings-clusters"]').innerText(), new RegExp(`In the tables for this range: ${CLUSTER}`));
    assert.match(await page.locator('[data-testid="settings-datasources"]').innerText(), /DuckDB \(local rollups\) \(DuckDB\)/);
    const budget = await row(page, 'settings-budgets', 'team-a');
    assertShows(budget[2]!, 400, 'team-a monthly GPU-hours');
    await page.getByRole('button', { name: 'Test the usage data source' }).click();
    await page.getByText(/Usage data is|No usage data for|older than/).first().waitFor();
    await screenshot(page, 'settings');
    await page.close();
  });

  it('empty states: no data source chosen, stack not deployed, nothing in the range', async () => {
    const none = await open(appPath('overview').replace('view=app', 'view=app&uid=none'), '[data-testid="page-problem-not-configured"]');
    assert.match(await none.locator('[data-testid="page-problem-not-configured"]').innerText(), /Choose a usage data source[\s\S]*Read the docs/);
    await screenshot(none, 'empty-not-configured');
    await none.close();
    const undeployed = await open(`${appPath('overview')}&uid=usage-empty`, '[data-testid="page-problem-not-deployed"]');
    assert.match(await undeployed.locator('[data-testid="page-problem-not-deployed"]').innerText(), /No usage tables yet/);
    await screenshot(undeployed, 'empty-not-deployed');
    await undeployed.close();
    const unset = await open(`${appPath('tasks')}&uid=usage-unset`, '[data-testid="page-problem-datasource-incomplete"]');
    assert.match(await unset.locator('[data-testid="page-problem-datasource-incomplete"]').innerText(), /No SQL data source chosen/);
    await unset.close();
    const later = `view=app&path=${encodeURIComponent('/a/hyperpod-usage-app/overview?from=1767225600000&to=1767312000000')}`;
    const empty = await open(later, '[data-testid="page-problem-empty"]');
    assert.match(await empty.locator('[data-testid="page-problem-empty"]').innerText(), /No usage in this range/);
    await screenshot(empty, 'empty-range');
    await empty.close();
  });

  it('query editor: builds the UsageQuery, shows its compiled SQL, and the query runs on DuckDB', async () => {
    const page = await open(`view=query-editor&from=${scenario.start}&to=${scenario.end}`, 'text=Compiled SQL');
    await page.getByText('Compiled SQL', { exact: true }).first().click();
    const sql = page.locator('pre[aria-label="Compiled SQL"]');
    assert.match(await sql.innerText(), /read_parquet\('.*\/rollups\/team_hourly\//);
    await page.getByLabel('Resource').click();
    await page.getByRole('option', { name: 'vCPU', exact: true }).click();
    await page.waitForFunction(() => (window as unknown as HarnessWindow).__hpu.queries.length > 0);
    const query = await page.evaluate(() => (window as unknown as HarnessWindow).__hpu.queries.at(-1));
    assert.equal(query?.usage?.resource, 'cpu');
    assert.match(await sql.innerText(), /cpu_own_hours/);
    const resultRow = page.locator('[data-testid="query-result"] [role="row"]').filter({ hasText: 'team-a' }).first();
    await resultRow.waitFor();
    const cells = await resultRow.locator('[role="cell"], [role="gridcell"]').allInnerTexts();
    assertShows(cells[1]!, 84.3, 'team-a own vCPU-hours');
    await screenshot(page, 'query-editor');
    await page.close();
  });

  it('config editor: picking DuckDB asks for the data path and writes it to jsonData', async () => {
    const page = await open('view=config-editor', 'text=SQL data source');
    await page.locator('input').first().click();
    await page.getByText('DuckDB (local rollups)').click();
    await page.getByPlaceholder('/var/lib/grafana/usage-data').fill('/srv/usage-data');
    const options = await page.evaluate(() => (window as unknown as HarnessWindow).__hpu.options);
    assert.deepEqual(options?.jsonData.sqlDatasource, { uid: 'duckdb', type: 'motherduck-duckdb-datasource' });
    assert.equal(options?.jsonData.dataPath, '/srv/usage-data');
    await screenshot(page, 'config-editor');
    await page.close();
  });

  it('no page threw and every request was answered', () => {
    assert.deepEqual(pageErrors, []);
  });
});
