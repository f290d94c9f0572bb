import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regionOfBillingCode } from '../src/aws-regions.js';
import { DEFAULT_PRICES, effectivePrices, type InstancePrice, type PriceSource } from '../src/pricing.js';

const price = (instanceType: string, pricePerHour: number, source: PriceSource, region = 'us-east-1'): InstancePrice => ({
  instanceType,
  region,
  pricePerHour,
  currency: 'USD',
  source,
  reference: `${source} test`,
  asOf: '2026-11-01',
});

const chosen = (prices: InstancePrice[]) => prices.map((p) => [p.instanceType, p.pricePerHour, p.source]);

test('an override beats a CUR rate, which beats the price list, which beats a default', () => {
  const defaults = [price('ml.g5.8xlarge', 3.06, 'default'), price('ml.p4d.24xlarge', 25.91, 'default')];
  const priceList = [price('ml.g5.8xlarge', 3.1, 'price-list'), price('ml.p4d.24xlarge', 26, 'price-list'), price('ml.p5.48xlarge', 40, 'price-list')];
  const cur = [price('ml.p4d.24xlarge', 20, 'cur'), price('ml.p5.48xlarge', 30, 'cur')];
  const overrides = [price('ml.p5.48xlarge', 35, 'override')];
  // The order of the sets does not matter across sources.
  for (const sets of [
    [defaults, priceList, cur, overrides],
    [overrides, cur, priceList, defaults],
  ]) {
    assert.deepEqual(chosen(effectivePrices('us-east-1', ...sets)), [
      ['ml.g5.8xlarge', 3.1, 'price-list'],
      ['ml.p4d.24xlarge', 20, 'cur'],
      ['ml.p5.48xlarge', 35, 'override'],
    ]);
  }
});

test('between prices of the same source the later one wins, so a --price flag beats the price file', () => {
  const fromFile = [price('ml.p5.48xlarge', 35, 'override'), price('ml.trn1.32xlarge', 20, 'override')];
  const fromFlags = [price('ml.p5.48xlarge', 33, 'override')];
  assert.deepEqual(chosen(effectivePrices('us-east-1', fromFile, fromFlags)), [
    ['ml.p5.48xlarge', 33, 'override'],
    ['ml.trn1.32xlarge', 20, 'override'],
  ]);
});

test('only the prices of the region asked for apply', () => {
  const prices = effectivePrices('us-west-2', DEFAULT_PRICES, [price('ml.p5.48xlarge', 40, 'price-list', 'us-east-1')]);
  assert.deepEqual(chosen(prices), [['ml.p4d.24xlarge', 25.91001756, 'default']]);
});

test('every default names its usage type and date, and no instance type has two in one region', () => {
  const seen = new Set<string>();
  for (const p of DEFAULT_PRICES) {
    assert.equal(p.source, 'default');
    assert.match(p.reference, /AWS Price List.*usage type [A-Z0-9]+-Cluster:ml\./, p.instanceType);
    assert.match(p.asOf, /^\d{4}-\d\d-\d\d$/);
    const key = `${p.region} ${p.instanceType}`;
    assert.ok(!seen.has(key), `two defaults for ${key}`);
    seen.add(key);
  }
});

test('billing codes map to their regions, and an unlisted code to nothing', () => {
  assert.equal(regionOfBillingCode('USE1'), 'us-east-1');
  assert.equal(regionOfBillingCode('USW2'), 'us-west-2');
  assert.equal(regionOfBillingCode('EU'), 'eu-west-1');
  assert.equal(regionOfBillingCode('APS3'), 'ap-south-1');
  assert.equal(regionOfBillingCode('APS4'), 'ap-southeast-3');
  assert.equal(regionOfBillingCode('XXX9'), undefined);
  assert.equal(regionOfBillingCode('toString'), undefined);
});
