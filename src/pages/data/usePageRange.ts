/**
 * The page's time range, kept in the URL as Grafana keeps a dashboard's (`from`/`to`: epoch ms or
 * relative expressions such as `now-7d`), so a link or a reload shows the same numbers.
 */
import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { dateMath, dateTime, isDateTime, type TimeRange } from '@grafana/data';

const DEFAULT_FROM = 'now-7d';
const DEFAULT_TO = 'now';

function parse(text: string, roundUp: boolean): ReturnType<typeof dateTime> | undefined {
  if (/^\d+$/.test(text)) return dateTime(Number(text));
  const parsed = dateMath.parse(text, roundUp, 'utc');
  return parsed && parsed.isValid() ? parsed : undefined;
}

export function usePageRange(): { range: TimeRange; setRange: (range: TimeRange) => void; key: string; params: URLSearchParams; setParam: (name: string, value: string | undefined) => void } {
  const [params, setParams] = useSearchParams();
  const rawFrom = params.get('from') ?? DEFAULT_FROM;
  const rawTo = params.get('to') ?? DEFAULT_TO;
  const range = useMemo<TimeRange>(() => {
    const from = parse(rawFrom, false) ?? (parse(DEFAULT_FROM, false) as ReturnType<typeof dateTime>);
    const to = parse(rawTo, true) ?? (parse(DEFAULT_TO, true) as ReturnType<typeof dateTime>);
    return { from, to, raw: { from: rawFrom, to: rawTo } };
  }, [rawFrom, rawTo]);
  const setParam = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value === undefined || value === '') next.delete(name);
    else next.set(name, value);
    setParams(next);
  };
  const setRange = (r: TimeRange) => {
    const next = new URLSearchParams(params);
    const raw = (v: TimeRange['raw']['from']) => (isDateTime(v) ? String(v.valueOf()) : String(v));
    next.set('from', raw(r.raw.from));
    next.set('to', raw(r.raw.to));
    setParams(next);
  };
  // Relative ranges are resolved once per render of the URL, not on every render.
  const key = `${range.from.valueOf()}-${range.to.valueOf()}`;
  return { range, setRange, key, params, setParam };
}
