// What `hpu demo` writes for Grafana: the generated dashboards of both variants and the alert
// rules, byte for byte what the generators produce, and links to the local dashboards over the
// demo's range.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeDemoGrafanaFiles } from '../src/grafana/demo-files.js';

const root = new URL('../../', import.meta.url).pathname;

describe('hpu demo: Grafana files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpu-demo-grafana-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the generated dashboards and writes the alert rules, and links the local dashboards over the range', async () => {
    const { written, urls } = await writeDemoGrafanaFiles(dir, { from: Date.parse('2025-04-16T00:00:00Z'), to: Date.parse('2025-04-17T00:00:00Z') });
    assert.deepEqual(readdirSync(join(dir, 'dashboards/local')).sort(), ['cluster-overview.json', 'team-efficiency.json', 'team-usage.json']);
    assert.equal(readFileSync(join(dir, 'dashboards/portable/team-usage.json'), 'utf8'), readFileSync(join(root, 'dashboards/portable/team-usage.json'), 'utf8'));
    assert.deepEqual(readdirSync(join(dir, 'alerting')).sort(), ['budgets.yaml', 'collector-health.yaml', 'hyperpod-usage-rules.yaml', 'quota.yaml']);
    assert.equal(readFileSync(join(dir, 'alerting/quota.yaml'), 'utf8'), readFileSync(join(root, 'provisioning/alerting/quota.yaml'), 'utf8'));
    assert.equal(written.length, 6 + 4);
    assert.ok(urls[0]?.startsWith('http://localhost:3000/d/hpu-team-usage-local?from=2025-04-16T00:00:00.000Z&to=2025-04-17T00:00:00.000Z'), urls[0]);
  });
});
