import { FieldType, toDataFrame } from '@grafana/data';
import { frameRows, sumBy, total } from './rows';

describe('frameRows', () => {
  it('reads a long table row by row', () => {
    const frame = toDataFrame({ refId: 'A', fields: [{ name: 'team', type: FieldType.string, values: ['a', 'b'] }, { name: 'hours', type: FieldType.number, values: [1.5, 2] }] });
    expect(frameRows([frame])).toEqual([{ team: 'a', hours: 1.5 }, { team: 'b', hours: 2 }]);
  });

  it('turns a wide time series (one field per series, groups in labels) back into one row per time and group', () => {
    const frame = toDataFrame({
      refId: 'A',
      fields: [
        { name: 'time', type: FieldType.time, values: [0, 3_600_000] },
        { name: 'hours', type: FieldType.number, values: [1, 2], labels: { team: 'a' } },
        { name: 'own_hours', type: FieldType.number, values: [1, 1], labels: { team: 'a' } },
        { name: 'hours', type: FieldType.number, values: [null, 4], labels: { team: 'b' } },
      ],
    });
    const rows = frameRows([frame]);
    expect(rows).toEqual([
      { time: 0, team: 'a', hours: 1, own_hours: 1 },
      { time: 3_600_000, team: 'a', hours: 2, own_hours: 1 },
      { time: 3_600_000, team: 'b', hours: 4 },
    ]);
    expect(total(rows, 'hours')).toBe(7);
    expect(sumBy(rows, ['team'], ['hours'])).toEqual([{ team: 'b', hours: 4 }, { team: 'a', hours: 3 }]);
  });

  it('says no data (null), not zero, when no row has the measure', () => {
    expect(total([{ team: 'a' }], 'hours')).toBeNull();
  });
});
