/**
 * The data contract as Markdown, generated from the schema so the document cannot drift from it
 * (docs/data-contract.md; `npm run docs:generate`).
 */
import type { Column } from './raw-schema.js';
import { RAW_TABLES, RAW_TABLE_NAMES } from './raw-schema.js';
import { ROLLUP_TABLES, ROLLUP_TABLE_NAMES } from './rollup-schema.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function columnTable(columns: readonly Column[], showUpstream: boolean): string[] {
  const head = showUpstream ? ['| column | type | AWS | description |', '|---|---|---|---|'] : ['| column | type | description |', '|---|---|---|'];
  return [
    ...head,
    ...columns.map((c) =>
      showUpstream
        ? `| \`${c.name}\` | ${c.type} | ${c.upstream ? '✓' : ''} | ${cell(c.description)} |`
        : `| \`${c.name}\` | ${c.type} | ${cell(c.description)} |`,
    ),
  ];
}

export function dataContractMarkdown(): string {
  const lines: string[] = [
    '<!-- Generated from usage-model/src/*-schema.ts by `npm run docs:generate`; do not edit by hand. -->',
    '# Data contract',
    '',
    'Raw usage records are Snappy-compressed Parquet files under',
    '`raw/<table>/year=YYYY/month=MM/day=DD/hour=HH/cluster=<name>/` (heartbeats too, unlike AWS\'s layout: see `heartdub`),',
    "partitioned by the record's UTC `timestamp`. Every column of AWS's `sagemaker-hyperpod-usage-report` raw",
    'tables keeps its name and type (marked ✓); our columns follow. Rollups are written by `hpu aggregate` under',
    'their location, partitioned by `year/month/day/cluster`.',
    '',
    '## Raw tables',
    '',
  ];
  for (const name of RAW_TABLE_NAMES) {
    const t = RAW_TABLES[name];
    lines.push(`### \`${name}\``, '', t.description, '', `Partitions: ${t.partitionKeys.map((k) => `\`${k}\``).join(', ')}.`, '');
    lines.push(...columnTable(t.columns, t.upstream), '');
  }
  lines.push('## Rollup tables', '');
  for (const name of ROLLUP_TABLE_NAMES) {
    const t = ROLLUP_TABLES[name];
    const partitions = t.partitionKeys.length ? `Partitions: ${t.partitionKeys.map((k) => `\`${k}\``).join(', ')}.` : 'Not partitioned.';
    lines.push(`### \`${name}\``, '', t.description, '', `Location: \`${t.location}/\`. ${partitions}`, '');
    lines.push(...columnTable(t.columns, false), '');
  }
  return lines.join('\n');
}
