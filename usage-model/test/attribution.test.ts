import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apportionLent, splitOwnBorrowed } from '../src/attribution.js';

test('usage up to the nominal quota is own, the rest borrowed', () => {
  assert.deepEqual(splitOwnBorrowed(6, 4), { own: 4, borrowed: 2 });
  assert.deepEqual(splitOwnBorrowed(3, 4), { own: 3, borrowed: 0 });
  assert.deepEqual(splitOwnBorrowed(0, 0), { own: 0, borrowed: 0 });
});

test('borrowing is spread over the lenders by what each can spare', () => {
  // Team A uses 8 of 4 (borrows 4). B uses 1 of 4 (spares 3), C uses 0 of 2 (spares 2).
  // 4 borrowed over 5 spare: B lends 4·3/5 = 2.4, C lends 4·2/5 = 1.6, A lends nothing.
  const lent = apportionLent(
    [
      { nominal: 4, usage: 8, lendingLimit: null },
      { nominal: 4, usage: 1, lendingLimit: null },
      { nominal: 2, usage: 0, lendingLimit: null },
    ],
    4,
  );
  assert.deepEqual(lent.map((x) => Math.round(x * 1e9) / 1e9), [0, 2.4, 1.6]);
});

test('a lending limit caps what a team can lend', () => {
  // B spares 3 but may lend only 1; C spares 2. 2 borrowed over 3 lendable: B 2/3, C 4/3.
  const lent = apportionLent(
    [
      { nominal: 4, usage: 1, lendingLimit: 1 },
      { nominal: 2, usage: 0, lendingLimit: null },
    ],
    2,
  );
  assert.deepEqual(lent.map((x) => Math.round(x * 1e9) / 1e9), [0.666666667, 1.333333333]);
});

test('nobody lends more than they can spare, and nothing when nobody borrows', () => {
  assert.deepEqual(apportionLent([{ nominal: 2, usage: 0, lendingLimit: null }], 5), [2]);
  assert.deepEqual(apportionLent([{ nominal: 2, usage: 0, lendingLimit: null }], 0), [0]);
});
