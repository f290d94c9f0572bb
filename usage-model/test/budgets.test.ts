// The alert settings schema: defaults, strict validation with one-line errors naming the path,
// and the edits `hpu budgets set` and the Settings page make.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertSettingsError, DEFAULT_ALERT_SETTINGS, durationSeconds, parseAlertSettings, withTeamBudget } from '../src/budgets.js';

const refuses = (value: unknown, message: RegExp) =>
  assert.throws(
    () => parseAlertSettings(value),
    (e: unknown) => e instanceof AlertSettingsError && message.test(e.message) && !e.message.includes('\n'),
  );

describe('alert settings', () => {
  it('an empty document is the defaults', () => {
    assert.deepEqual(parseAlertSettings({}), DEFAULT_ALERT_SETTINGS);
    assert.deepEqual(parseAlertSettings(null), DEFAULT_ALERT_SETTINGS);
  });

  it('keeps what is given and fills the rest', () => {
    const s = parseAlertSettings({ quota: { overNominalFor: '4h' }, budgets: [{ team: 'ml-research', monthlyCost: 5000 }] });
    assert.equal(s.quota.overNominalFor, '4h');
    assert.equal(s.quota.pendingWhileLentFor, DEFAULT_ALERT_SETTINGS.quota.pendingWhileLentFor);
    assert.deepEqual(s.budgets, [{ team: 'ml-research', monthlyCost: 5000 }]);
  });

  it('refuses bad input with one line that names the setting', () => {
    refuses({ quota: { overNominalFor: 'two hours' } }, /^quota\.overNominalFor: must be a duration/);
    refuses({ quota: { overnominalFor: '2h' } }, /^quota\.overnominalFor: unknown setting/);
    refuses({ quota: { resources: ['gpus'] } }, /^quota\.resources\[0\]: unknown resource "gpus"/);
    refuses({ quota: { borrowingLimitRatio: 1.5 } }, /^quota\.borrowingLimitRatio: must be a number above 0 and at most 1/);
    refuses({ budgets: [{ team: 'a b', monthlyCost: 1 }] }, /^budgets\[0\]\.team: must be a team name/);
    refuses({ budgets: [{ team: 'a', monthlyCost: -1 }] }, /^budgets\[0\]\.monthlyCost: must be a number above 0/);
    refuses({ budgets: [{ team: 'a', monthlyCost: '100' }] }, /^budgets\[0\]\.monthlyCost/);
    refuses({ budgets: [{ team: 'a' }] }, /^budgets\[0\]: team a needs monthlyGpuHours or monthlyCost/);
    refuses({ budgets: [{ team: 'a', monthlyCost: 1 }, { team: 'a', monthlyGpuHours: 2 }] }, /^budgets: team a has two entries/);
    refuses({ budget: { evaluateEvery: '1m' } }, /^budget\.evaluateEvery: must be at least 5m/);
    refuses({ budget: { forecastAfterDays: 2.5 } }, /^budget\.forecastAfterDays/);
    refuses({ version: 2 }, /^version: must be 1/);
    refuses({ currency: 'EUR' }, /^currency: only USD/);
    refuses([], /^settings: must be a mapping/);
  });

  it('the same team may have a budget per cluster', () => {
    const s = parseAlertSettings({ budgets: [{ team: 'a', monthlyCost: 1 }, { team: 'a', cluster: 'prod', monthlyCost: 2 }] });
    assert.equal(s.budgets.length, 2);
  });

  it('sets, changes and removes one team budget without touching the others', () => {
    let s = parseAlertSettings({ budgets: [{ team: 'b', monthlyGpuHours: 10 }] });
    s = withTeamBudget(s, { team: 'a', monthlyCost: 100 });
    assert.deepEqual(s.budgets, [{ team: 'a', monthlyCost: 100 }, { team: 'b', monthlyGpuHours: 10 }]);
    s = withTeamBudget(s, { team: 'a', monthlyGpuHours: 50 });
    assert.deepEqual(s.budgets[0], { team: 'a', monthlyGpuHours: 50, monthlyCost: 100 });
    s = withTeamBudget(s, { team: 'a', monthlyGpuHours: null, monthlyCost: null });
    assert.deepEqual(s.budgets, [{ team: 'b', monthlyGpuHours: 10 }]);
    assert.throws(() => withTeamBudget(s, { team: 'b', monthlyGpuHours: 0 }), /monthlyGpuHours: must be a number above 0/);
  });

  it('durations in seconds', () => {
    assert.equal(durationSeconds('90m'), 5400);
    assert.equal(durationSeconds('2d'), 172800);
    assert.throws(() => durationSeconds('1w'), AlertSettingsError);
  });
});
