// Grafana's runtime services as the test pages need them: a data source registry with a fixed set
// of instances (the ones a user would have configured), installed with @grafana/runtime's setters.
import type { DataSourceApi, DataSourceInstanceSettings, DataSourcePluginMeta, DataSourceRef, PluginType } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv, type GetDataSourceListFilters } from '@grafana/runtime';

export interface StubDataSource {
  uid: string;
  type: string;
  name: string;
  /** The instance `get()` resolves to; pages that only pick data sources can leave it out. */
  api?: DataSourceApi;
}

function instanceSettings({ uid, type, name }: StubDataSource, id: number): DataSourceInstanceSettings {
  const meta = {
    id: type,
    name,
    type: 'datasource' as PluginType,
    module: '',
    baseUrl: '',
    metrics: true,
    info: {
      author: { name: 'stub' },
      description: '',
      links: [],
      logos: { small: '/public/img/logo.svg', large: '/public/img/logo.svg' },
      screenshots: [],
      updated: '',
      version: '',
    },
  } as DataSourcePluginMeta;
  return { id, uid, type, name, meta, readOnly: false, jsonData: {}, access: 'proxy' };
}

class StubDataSourceSrv implements DataSourceSrv {
  private readonly settings: DataSourceInstanceSettings[];

  constructor(private readonly sources: readonly StubDataSource[]) {
    this.settings = sources.map(instanceSettings);
  }

  private find(ref?: DataSourceRef | string | null): StubDataSource | undefined {
    if (ref == null) return undefined;
    const uid = typeof ref === 'string' ? ref : ref.uid;
    return this.sources.find((s) => s.uid === uid || s.name === uid);
  }

  async get(ref?: DataSourceRef | string | null): Promise<DataSourceApi> {
    const source = this.find(ref);
    if (!source?.api) throw new Error(`Data source ${JSON.stringify(ref)} was not found`);
    return source.api;
  }

  getList(filters: GetDataSourceListFilters = {}): DataSourceInstanceSettings[] {
    const types = filters.type === undefined ? undefined : ([] as string[]).concat(filters.type);
    return this.settings.filter((s) => (!types || types.includes(s.type)) && (!filters.filter || filters.filter(s)));
  }

  getInstanceSettings(ref?: DataSourceRef | string | null): DataSourceInstanceSettings | undefined {
    const source = this.find(ref);
    return source && this.settings.find((s) => s.uid === source.uid);
  }

  reload(): void {}

  registerRuntimeDataSource(): void {
    throw new Error('runtime data sources are not part of the test pages');
  }
}

export function installDataSources(sources: readonly StubDataSource[]): void {
  setDataSourceSrv(new StubDataSourceSrv(sources));
}
