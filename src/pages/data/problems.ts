/** Why a page has nothing to show, sorted into what the user should do next. */
export type PageProblemKind = 'not-configured' | 'datasource-missing' | 'datasource-incomplete' | 'not-deployed' | 'no-permission' | 'empty' | 'failed';

export interface PageProblem {
  kind: PageProblemKind;
  /** One line from the data source or the page. */
  message: string;
}

/** The data source's one-line errors (UsageDataSource, explainFailure) by what fixes them. */
export function classifyFailure(message: string): PageProblem {
  if (/^No (SQL data source chosen|Athena database set|data path set)|no longer exists/.test(message)) return { kind: 'datasource-incomplete', message };
  if (/^No permission|AccessDenied|not authorized/i.test(message)) return { kind: 'no-permission', message };
  if (/^Usage tables not found|does not exist|not found|No files found|TABLE_NOT_FOUND|SCHEMA_NOT_FOUND/i.test(message)) return { kind: 'not-deployed', message };
  return { kind: 'failed', message };
}
