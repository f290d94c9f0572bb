// What Grafana's index.html puts on window before any plugin code runs: @grafana/runtime builds its
// `config` from window.grafanaBootData when first imported. A viewer in org 1, dark theme, UTC,
// no feature toggles; the test pages' webpack entries load this module first.
const bootData = {
  assets: { dark: '', light: '' },
  navTree: [],
  settings: {
    appSubUrl: '',
    buildInfo: { version: '12.4.0', commit: 'test-pages', env: 'production', edition: 'Open Source', latestVersion: '', hasUpdate: false, hideVersion: true },
    datasources: {},
    featureToggles: {},
    bootTheme: 'dark',
    defaultDatasource: '',
  },
  user: { id: 1, login: 'viewer', name: 'Viewer', orgId: 1, orgName: 'Main Org.', orgRole: 'Viewer', isSignedIn: true, theme: 'dark', timezone: 'utc', weekStart: 'monday', locale: 'en-US', language: 'en-US' },
};

(window as unknown as { grafanaBootData: typeof bootData }).grafanaBootData = bootData;
export {};
