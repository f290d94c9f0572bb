// The live quota alert rules, played through promtool on series shaped like the collector's quota
// gauges. Every situation that must not fire is here next to the ones that must; the expected
// alerts and their summaries were worked out by hand from the series.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { QUOTA_METRICS, parseAlertSettings, prometheusAlertingRule, quotaAlertRules } from '@hyperpod-usage/model';

const settings = parseAlertSettings({ quota: { overNominalFor: '30m', atBorrowingLimitFor: '10m', pendingWhileLentFor: '15m', resources: ['gpu'] } });
const rules = quotaAlertRules(settings).map((r) => prometheusAlertingRule(r, { variant: 'portable' }));
const ruleOf = (uid: string) => rules.find((r) => r.alert === uid) as (typeof rules)[number];

const { borrowed, borrowingLimit, lent, workloads } = QUOTA_METRICS;
const quotaLabels = (team: string, extra: { resource?: string; flavor?: string } = {}) => {
  const flavor = extra.flavor ?? 'p5';
  return `cluster="c1",team="${team}",cluster_queue="${team}-cq",cohort="shared",flavor="${flavor}",instance_type="ml.${flavor}.48xlarge",resource="${extra.resource ?? 'gpu'}"`;
};
const series = (metric: { name: string }, labels: string, values: string) => ({ series: `${metric.name}{${labels}}`, values });
const pending = (team: string, values: string) => ({ series: `${workloads.name}{cluster="c1",team="${team}",cluster_queue="${team}-cq",state="pending"}`, values });

/** The alert promtool should report: its labels, and the annotations with the summary written out. */
function expected(uid: string, labels: Record<string, string>, summary: string) {
  const rule = ruleOf(uid);
  const annotations = { ...rule.annotations, summary, dashboard_url: `/d/hpu-team-usage?var-cluster=${labels.cluster}&var-team=${labels.team}` };
  return { exp_labels: { ...labels, ...rule.labels }, exp_annotations: annotations };
}
const flavorLabels = (team: string, flavor = 'p5') => ({ cluster: 'c1', team, cluster_queue: `${team}-cq`, flavor, instance_type: `ml.${flavor}.48xlarge`, resource: 'gpu' });

const TESTS = [
  {
    name: 'nothing that must fire: within quota, brief borrowing, CPU borrowing, no limit, pending without lending, lending without pending',
    input_series: [
      // a: uses its quota, never more; its limit is 4.
      series(borrowed, quotaLabels('a'), '0x120'),
      series(borrowingLimit, quotaLabels('a'), '4x120'),
      // b: borrows 2 GPUs for 20 minutes (shorter than 30m), then stops.
      series(borrowed, quotaLabels('b'), '0x10 2x20 0x90'),
      // c: borrows CPUs only (not an alerting resource) for two hours.
      series(borrowed, quotaLabels('c', { resource: 'cpu' }), '16x120'),
      series(borrowingLimit, quotaLabels('c', { resource: 'cpu' }), '16x120'),
      // d: a limit of 0 (no borrowing allowed) and no borrowing: must not count as "at the limit".
      series(borrowed, quotaLabels('d'), '0x120'),
      series(borrowingLimit, quotaLabels('d'), '0x120'),
      // e: has pending workloads, but lends nothing.
      series(lent, quotaLabels('e'), '0x120'),
      pending('e', '3x120'),
      // f: lends 4 GPUs, but has nothing pending.
      series(lent, quotaLabels('f'), '4x120'),
      pending('f', '0x120'),
      // g: pending while lending, but only for 10 minutes (shorter than 15m).
      series(lent, quotaLabels('g'), '0x10 4x10 0x100'),
      pending('g', '2x120'),
    ],
    alert_rule_test: rules.flatMap((r) => ['25m', '60m', '119m'].map((t) => ({ eval_time: t, alertname: r.alert, exp_alerts: [] }))),
  },
  {
    // Borrowing 3 GPUs from 10m: the condition holds from 10m, so the alert fires once 30m have passed, at 40m.
    name: 'a team borrows above its nominal quota for longer than 30m',
    input_series: [series(borrowed, quotaLabels('a'), '0x9 3x110')],
    alert_rule_test: [
      { eval_time: '39m', alertname: 'hpu-team-over-nominal-quota', exp_alerts: [] },
      {
        eval_time: '41m',
        alertname: 'hpu-team-over-nominal-quota',
        exp_alerts: [expected('hpu-team-over-nominal-quota', flavorLabels('a'), 'Team a on c1 uses 3 gpu above its nominal quota of ml.p5.48xlarge for more than 30m.')],
      },
    ],
  },
  {
    // a reaches its limit of 8 at 20m on p5 and stays; on p4d it borrows 2 of 8 (not at the limit);
    // on trn1 it has no limit series at all (unlimited), so it is never "at the limit" there.
    name: 'a team at its borrowing limit on one flavor, below it on another, unlimited on a third',
    input_series: [
      series(borrowed, quotaLabels('a'), '0x9 4x10 8x100'),
      series(borrowingLimit, quotaLabels('a'), '8x120'),
      series(borrowed, quotaLabels('a', { flavor: 'p4d' }), '2x120'),
      series(borrowingLimit, quotaLabels('a', { flavor: 'p4d' }), '8x120'),
      series(borrowed, quotaLabels('a', { flavor: 'trn1' }), '32x120'),
    ],
    alert_rule_test: [
      { eval_time: '29m', alertname: 'hpu-team-at-borrowing-limit', exp_alerts: [] },
      {
        eval_time: '31m',
        alertname: 'hpu-team-at-borrowing-limit',
        exp_alerts: [expected('hpu-team-at-borrowing-limit', flavorLabels('a'), 'Team a on c1 borrows 100% of its gpu borrowing limit on ml.p5.48xlarge (alert from 100%) for more than 10m.')],
      },
    ],
  },
  {
    // b lends 6 GPUs from 5m and has 2 workloads pending from 10m: both hold from 10m, fires at 25m.
    name: "a team's workloads wait while its quota is lent",
    input_series: [series(lent, quotaLabels('b'), '0x4 6x100'), pending('b', '0x9 2x100')],
    alert_rule_test: [
      { eval_time: '24m', alertname: 'hpu-team-pending-while-lent', exp_alerts: [] },
      {
        eval_time: '26m',
        alertname: 'hpu-team-pending-while-lent',
        exp_alerts: [
          expected('hpu-team-pending-while-lent', { cluster: 'c1', team: 'b', resource: 'gpu' }, 'Team b on c1 has pending workloads while 6 gpu of its nominal quota is lent to other teams, for more than 15m.'),
        ],
      },
    ],
  },
];

describe('live quota alert rules (promtool test rules)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpu-quota-alerts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fire exactly in the hand-worked situations, with the team, the amount and the dashboard', (t) => {
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: [{ name: 'quota', interval: '1m', rules }] }, { lineWidth: 0 }));
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests: TESTS.map(({ name, ...test }) => ({ name, interval: '1m', ...test })) }, { lineWidth: 0 }));
    const result = spawnSync('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
    assert.notEqual((result.error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT', 'promtool is not installed; .ci/run installs it');
    t.diagnostic(result.stdout);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('every rule fires in some situation, and the test notices a rule that would fire too early', () => {
    const fired = new Set(TESTS.flatMap((g) => g.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    assert.deepEqual([...fired].sort(), rules.map((r) => r.alert).sort());
    // The same tests against a rule with no `for`: promtool must report the difference.
    const hasty = rules.map((r) => ({ ...r, for: '0s' }));
    writeFileSync(join(dir, 'hasty.yaml'), stringify({ groups: [{ name: 'quota', interval: '1m', rules: hasty }] }, { lineWidth: 0 }));
    writeFileSync(join(dir, 'hasty-tests.yaml'), stringify({ rule_files: ['hasty.yaml'], evaluation_interval: '1m', tests: TESTS.slice(1).map(({ name, ...test }) => ({ name, interval: '1m', ...test })) }, { lineWidth: 0 }));
    const result = spawnSync('promtool', ['test', 'rules', 'hasty-tests.yaml'], { cwd: dir, encoding: 'utf8' });
    assert.equal(result.status, 1, result.stdout);
  });

  it('take their durations, resources and limit ratio from the settings', () => {
    const custom = quotaAlertRules(parseAlertSettings({ quota: { overNominalFor: '4h', borrowingLimitRatio: 0.9, resources: ['gpu', 'cpu'] } }));
    const over = custom.find((r) => r.uid === 'hpu-team-over-nominal-quota');
    assert.equal(over?.for, '4h');
    assert.match(over?.expr ?? '', /resource=~"gpu\|cpu"/);
    assert.match(custom.find((r) => r.uid === 'hpu-team-at-borrowing-limit')?.expr ?? '', />= 0\.9$/);
  });
});
