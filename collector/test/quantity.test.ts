import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuantityError, parseQuantity, parseQuantityMilli } from '../src/kube/quantity.js';

test('reads the quantity forms Kubernetes writes', () => {
  // Expected values worked out from the suffix definitions (Ki = 2^10, m = 10^-3, ...).
  assert.equal(parseQuantity('100m'), 0.1);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity(9), 9);
  assert.equal(parseQuantity('1.5'), 1.5);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('1.5Gi'), 1610612736);
  assert.equal(parseQuantity('600Mi'), 629145600);
  assert.equal(parseQuantity('500M'), 500_000_000);
  assert.equal(parseQuantity('901610m'), 901.61);
  assert.equal(parseQuantity('10513290348Ki'), 10765609316352);
  assert.equal(parseQuantity('9764575761920'), 9764575761920);
  assert.equal(parseQuantity('+4'), 4);
  // No resource amount is negative (issue 9: negative GPUs were accepted): refused like any bad quantity.
  assert.throws(() => parseQuantity('-1'), /negative quantity/);
});

test('rounds sub-milli precision up, as Kubernetes does', () => {
  assert.equal(parseQuantityMilli('5n'), 1n);
  assert.equal(parseQuantityMilli('0.1m'), 1n);
  assert.equal(parseQuantityMilli('1.0001'), 1001n);
});

test('sums exactly in milli-units where floats would drift', () => {
  const parts = ['100m', '200m', '300m'];
  const sum = parts.reduce((acc, q) => acc + parseQuantityMilli(q), 0n);
  assert.equal(sum, 600n);
  assert.notEqual(0.1 + 0.2 + 0.3, 0.6); // the reason for milli-units
});

test('rejects what Kubernetes rejects, with a short message', () => {
  for (const bad of ['', 'abc', '12ki', '0x10', '1 Gi', '1e99', 'NaN', '1.5.5', null, {}, Number.POSITIVE_INFINITY]) {
    assert.throws(() => parseQuantityMilli(bad), QuantityError, `should reject ${String(bad)}`);
  }
  const huge = 'x'.repeat(10_000);
  assert.throws(() => parseQuantityMilli(huge), (e: Error) => e.message.length < 120);
});
