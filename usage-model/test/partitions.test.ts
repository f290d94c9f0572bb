// Partition predicates of the raw scans: which hour folders a day's read window selects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hourPartitionPredicate, hoursByDay, rawReadWindow, readFromSnapshot } from '../src/sql/partitions.js';

const at = (iso: string): number => Date.parse(iso);

describe('hourPartitionPredicate', () => {
  it("a day's read window: the day before and the day whole, the next day only at 00", () => {
    const window = rawReadWindow(at('2025-06-03T00:00:00Z'), at('2025-06-04T00:00:00Z'));
    assert.equal(
      hourPartitionPredicate(window.start, window.end),
      "((year = '2025' AND month = '06' AND day = '02') OR (year = '2025' AND month = '06' AND day = '03') OR " +
        "(year = '2025' AND month = '06' AND day = '04' AND hour IN ('00')))",
    );
  });

  it('a range across midnight that starts and ends inside hours, with an alias', () => {
    assert.equal(
      hourPartitionPredicate(at('2025-12-31T22:30:00Z'), at('2026-01-01T01:10:00Z'), 'r'),
      "((r.year = '2025' AND r.month = '12' AND r.day = '31' AND r.hour IN ('22', '23')) OR " +
        "(r.year = '2026' AND r.month = '01' AND r.day = '01' AND r.hour IN ('00', '01')))",
    );
  });

  it('an empty range selects nothing; an end on the hour does not select that hour', () => {
    assert.equal(hourPartitionPredicate(at('2025-06-03T05:00:00Z'), at('2025-06-03T05:00:00Z')), 'FALSE');
    assert.deepEqual([...hoursByDay(at('2025-06-03T05:00:00Z'), at('2025-06-03T07:00:00Z')).values()], [[at('2025-06-03T05:00:00Z'), at('2025-06-03T06:00:00Z')]]);
  });
});

describe('readFromSnapshot', () => {
  const midnight = at('2025-06-03T00:00:00Z');
  const dayBefore = at('2025-06-02T00:00:00Z');
  it('reads from the hour before the last snapshot, that hour whole', () => {
    assert.equal(readFromSnapshot(midnight, midnight), at('2025-06-02T23:00:00Z'));
    assert.equal(readFromSnapshot(midnight, at('2025-06-02T21:17:42Z')), at('2025-06-02T20:00:00Z'));
  });
  it('reads the whole day before without a usable snapshot: none, after the start, older than a day, not a time', () => {
    for (const snapshot of [undefined, at('2025-06-03T00:00:01Z'), at('2025-06-01T23:59:59Z'), Number.NaN]) {
      assert.equal(readFromSnapshot(midnight, snapshot), dayBefore, String(snapshot));
    }
  });
  it('never before the day before, for a snapshot in its first hour', () => {
    assert.equal(readFromSnapshot(midnight, at('2025-06-02T00:20:00Z')), dayBefore);
  });
});
