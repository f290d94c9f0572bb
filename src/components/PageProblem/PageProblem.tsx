import React from 'react';
import { Alert, LinkButton, Stack, Text } from '@grafana/ui';
import { DOCS_URL, PLUGIN_ID } from '../../constants';
import type { PageProblem as Problem } from '../../pages/data/problems';

interface Advice {
  title: string;
  next: string;
  severity: 'info' | 'warning' | 'error';
  /** Where to fix it (besides the docs). */
  fix?: { label: string; href: string };
}

function advice(problem: Problem, datasourceUid?: string): Advice {
  const appConfig = { label: 'Open the app configuration', href: `/plugins/${PLUGIN_ID}` };
  const dsConfig = datasourceUid ? { label: 'Open the usage data source', href: `/connections/datasources/edit/${encodeURIComponent(datasourceUid)}` } : appConfig;
  switch (problem.kind) {
    case 'not-configured':
      return { severity: 'info', title: 'Choose a usage data source', next: 'Create a HyperPod Usage data source under Connections, point it at Athena (or DuckDB for the local demo), then pick it in the app configuration.', fix: appConfig };
    case 'datasource-missing':
      return { severity: 'warning', title: 'The usage data source is gone', next: 'Pick another HyperPod Usage data source in the app configuration.', fix: appConfig };
    case 'datasource-incomplete':
      return { severity: 'warning', title: 'The usage data source is not set up', next: 'Finish its settings, then press Save & test: it says exactly what is missing.', fix: dsConfig };
    case 'not-deployed':
      return { severity: 'info', title: 'No usage tables yet', next: 'Deploy the stack (CloudFormation) and the collector, and let the hourly aggregation run; or run npm run demo for the local DuckDB tables. Then check the database or data path of the usage data source.', fix: dsConfig };
    case 'no-permission':
      return { severity: 'error', title: 'No permission to read the usage tables', next: "Attach the stack's GrafanaReaderPolicyArn policy to Grafana's role (on Amazon Managed Grafana, the workspace role).", fix: dsConfig };
    case 'empty':
      return { severity: 'info', title: 'No usage in this range', next: 'The tables exist but hold nothing for this range and these clusters. Widen the time range, check the cluster names of the usage data source, or check that the collector runs and the aggregation is scheduled.', fix: dsConfig };
    case 'failed':
      return { severity: 'error', title: 'The query failed', next: 'The SQL data source answered with an error; the usage data source\'s Save & test names the usual causes.', fix: dsConfig };
  }
}

/** Kinds whose message is the SQL engine's own words: advice first, those words as details. */
const ENGINE_MESSAGE = new Set<Problem['kind']>(['not-deployed', 'no-permission', 'failed']);

/** What stops a page, and what to do next, with a link to the place that fixes it and the docs. */
export function PageProblem({ problem, datasourceUid }: { problem: Problem; datasourceUid?: string }) {
  const a = advice(problem, datasourceUid);
  return (
    <Alert severity={a.severity} title={a.title} data-testid={`page-problem-${problem.kind}`}>
      <Stack direction="column" gap={1}>
        {ENGINE_MESSAGE.has(problem.kind) ? null : <Text>{problem.message}</Text>}
        <Text>{a.next}</Text>
        {ENGINE_MESSAGE.has(problem.kind) ? (
          <Text color="secondary" variant="bodySmall">
            {`Details: ${problem.message}`}
          </Text>
        ) : null}
        <Stack gap={1}>
          {a.fix ? (
            <LinkButton size="sm" href={a.fix.href} variant="secondary">
              {a.fix.label}
            </LinkButton>
          ) : null}
          <LinkButton size="sm" href={DOCS_URL} target="_blank" rel="noreferrer" variant="secondary" icon="book">
            Read the docs
          </LinkButton>
        </Stack>
      </Stack>
    </Alert>
  );
}
