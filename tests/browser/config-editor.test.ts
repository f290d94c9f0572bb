// The configuration editor in headless Chromium with the real @grafana/ui: it shows the configured
// Athena and Prometheus data sources by name, and editing a field reaches onOptionsChange.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startBrowserSession, type BrowserSession } from './harness/browser.js';

let session: BrowserSession;
before(async () => {
  session = await startBrowserSession(['config-editor']);
});
after(async () => {
  await session?.close();
});

test('config editor: the chosen data sources by name, the Athena fields, edits passed on', async () => {
  const { page, errors } = await session.open('config-editor');
  await page.getByText('Athena (usage stack)').waitFor();
  await page.getByText('Amazon Managed Prometheus').waitFor();
  assert.equal(await page.getByPlaceholder('hyperpod_usage').inputValue(), 'hyperpod_usage');
  assert.ok(await page.getByText('ml-cluster-a', { exact: true }).isVisible(), 'the configured cluster is listed');
  // DuckDB's data path belongs to the DuckDB choice only.
  assert.equal(await page.getByText('Data path').count(), 0);

  await page.getByPlaceholder('hyperpod_usage').fill('usage_prod ');
  const options = JSON.parse(await page.getByTestId('options-json').innerText());
  assert.equal(options.database, 'usage_prod', 'the database is trimmed and handed to onOptionsChange');

  const shot = await session.screenshot(page, 'config-editor');
  assert.ok(existsSync(shot) && statSync(shot).size > 10_000, `screenshot ${shot} looks empty`);
  assert.deepEqual(errors, []);
});
