// The app's bundled dashboards are written by dashboards/src; this proves every usage target and
// variable in them is a query this data source compiles, so the two sides agree on the shape.
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import type { DataSourceInstanceSettings } from '@grafana/data';
import type { DataSourceSrv, TemplateSrv } from '@grafana/runtime';
import { UsageDataSource } from './datasource';
import type { UsageDataQuery, UsageDataSourceOptions } from './types';

const dir = join(__dirname, '..', 'dashboards');
const dashboards = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(dir, f), 'utf8')) }));

const templates = {
  getVariables: () => [
    { name: 'cluster', current: { value: ['demo'] } },
    { name: 'team', current: { value: '$__all' } },
    { name: 'instance_type', current: { value: ['ml.g5.8xlarge'] } },
  ],
  replace: (text: string) => text,
} as unknown as TemplateSrv;

const ds = new UsageDataSource(
  {
    uid: 'usage',
    type: 'hyperpod-usage-datasource',
    jsonData: { sqlDatasource: { uid: 'duck', type: 'motherduck-duckdb-datasource' }, dataPath: '/data' },
  } as DataSourceInstanceSettings<UsageDataSourceOptions>,
  { get: jest.fn() } as unknown as Pick<DataSourceSrv, 'get'>,
  templates,
);

function usageTargets(json: { panels?: Array<{ targets?: UsageDataQuery[]; panels?: unknown[] }> }): UsageDataQuery[] {
  const panels = (json.panels ?? []).flatMap((p) => [p, ...((p.panels as typeof json.panels) ?? [])]);
  return panels.flatMap((p) => p.targets ?? []).filter((t) => (t.datasource as { type?: string } | undefined)?.type === 'hyperpod-usage-datasource');
}

describe.each(dashboards)('bundled dashboard $file', ({ json }) => {
  it('has usage panels, each compiled by the data source', () => {
    const targets = usageTargets(json);
    expect(targets.length).toBeGreaterThan(0);
    const lookup = (name: string) => {
      const v = (templates.getVariables() as Array<{ name: string; current: { value: string | string[] } }>).find((x) => x.name === name);
      if (!v) return undefined;
      const values = ([] as string[]).concat(v.current.value);
      return values.includes('$__all') ? { values: [], all: true } : { values, all: false };
    };
    const scope = ds.scope({ from: Date.UTC(2025, 3, 16), to: Date.UTC(2025, 3, 17) }, lookup, 500);
    for (const target of targets) {
      expect(target.usage).toBeDefined();
      const { compiled } = ds.compileTarget(target, scope, lookup);
      expect(compiled.sql).toMatch(/^(WITH|SELECT)/);
      expect(compiled.sql).toContain("read_parquet(");
    }
  });

  it('lists template variables the data source can answer', () => {
    const usageVariables = (json.templating?.list ?? []).filter((v: { datasource?: { type?: string } }) => v.datasource?.type === 'hyperpod-usage-datasource');
    for (const variable of usageVariables) {
      expect(['cluster', 'team', 'namespace', 'task', 'priority_class', 'instance_type']).toContain(variable.query.dimension);
    }
  });
});
