/**
 * `hpu report`: AWS's usage reports (summary or detailed, CSV or PDF) from the rollups, with the
 * flags of AWS's run.py, written to a local folder or s3://. Cost, idle and lent are added when
 * known; AWS's known defects are fixed (see collector/src/reports/README.md).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { assertClusterName, DAY_MS, type Relations } from '@hyperpod-usage/model';
import { ConfigError, parseIsoDay } from '../config.js';
import { parseS3Url } from '../engine/s3-prefix.js';
import { createLogger } from '../log.js';
import { buildReportData, type IdleSharing } from '../reports/build-report.js';
import { renderReport } from '../reports/index.js';
import type { ReportRequest } from '../reports/report-data.js';
import { ENGINE_OPTIONS, ENGINE_USAGE, openEngine, type OpenedEngine } from './engine-options.js';

export const REPORT_USAGE = `Usage: hpu report [options]          (AWS run.py's flags, plus --engine)
  --start-date YYYY-MM-DD     first day (UTC)                                    (required)
  --end-date YYYY-MM-DD       last day, included                                 (required)
  --type summary|detailed                                                        (required)
  --format csv|pdf                                                               (required)
  --cluster-name NAME         the HyperPod cluster the report is about           (required)
  --namespace NS              only this namespace
  --task NAME                 only this task (detailed reports)
  --output-report-location L  a local folder or s3://bucket/prefix               (required)
  --share-idle none|quota|usage   share idle capacity cost among teams (default none)
${ENGINE_USAGE}
  --database-name, --database-workgroup-name   AWS's names for --database and --workgroup`;


function reportRequest(values: Record<string, string | undefined>, now: Date): ReportRequest {
  for (const flag of ['start-date', 'end-date', 'type', 'format', 'cluster-name', 'output-report-location']) {
    if (!values[flag]) throw new ConfigError(`--${flag} is required`);
  }
  const startDate = values['start-date'] as string;
  const endDate = values['end-date'] as string;
  parseIsoDay(startDate, 'start-date');
  parseIsoDay(endDate, 'end-date');
  if (endDate < startDate) throw new ConfigError(`--end-date ${endDate} is before --start-date ${startDate}`);
  const type = values.type;
  if (type !== 'summary' && type !== 'detailed') throw new ConfigError(`--type: expected summary or detailed, got ${JSON.stringify(type)}`);
  const format = values.format;
  if (format !== 'csv' && format !== 'pdf') throw new ConfigError(`--format: expected csv or pdf, got ${JSON.stringify(format)}`);
  // AWS's tool sends this to Athena and fails there: a summary has no task column.
  if (type === 'summary' && values.task) throw new ConfigError('--task applies to detailed reports only: a summary report has no task column');
  let clusterName: string;
  try {
    clusterName = assertClusterName(values['cluster-name'] as string);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return {
    type,
    format,
    startDate,
    endDate,
    clusterName,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values.task ? { task: values.task } : {}),
    generatedAt: now,
  };
}

/**
 * The relations a report reads. On DuckDB the heartbeats come from the folders of the report's
 * days only: a view over every raw file reads every file's footer (about 26 s with 30 days kept).
 */
export function reportRelations(opened: Pick<OpenedEngine, 'relations' | 'rawRelationsFor'>, request: Pick<ReportRequest, 'startDate' | 'endDate'>): Relations {
  if (!opened.rawRelationsFor) return opened.relations;
  const firstDay = Date.parse(`${request.startDate}T00:00:00Z`);
  const lastDay = Date.parse(`${request.endDate}T00:00:00Z`);
  return { ...opened.relations, heartdub: opened.rawRelationsFor(firstDay, lastDay + DAY_MS).heartdub };
}

export async function report(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...ENGINE_OPTIONS,
      'start-date': { type: 'string' },
      'end-date': { type: 'string' },
      type: { type: 'string' },
      format: { type: 'string' },
      'cluster-name': { type: 'string' },
      namespace: { type: 'string' },
      task: { type: 'string' },
      'output-report-location': { type: 'string' },
      'share-idle': { type: 'string', default: 'none' },
      'database-name': { type: 'string' },
      'database-workgroup-name': { type: 'string' },
    },
    strict: true,
  });
  const request = reportRequest(values, new Date());
  const sharing = values['share-idle'] as IdleSharing;
  if (!['none', 'quota', 'usage'].includes(sharing)) throw new ConfigError('--share-idle: expected none, quota or usage');
  const log = createLogger({ level: 'warn' });
  const opened = await openEngine(
    {
      ...values,
      ...(values['database-name'] ? { database: values['database-name'] } : {}),
      ...(values['database-workgroup-name'] ? { workgroup: values['database-workgroup-name'] } : {}),
    },
    log,
    // The report reads rollups, and raw heartbeats only for its own days (below).
    { rawViews: false },
  );
  try {
    const data = await buildReportData({ request, engine: opened.engine, relations: reportRelations(opened, request), idleSharing: sharing });
    const rendered = await renderReport(data);
    const location = values['output-report-location'] as string;
    let where: string;
    if (location.startsWith('s3://')) {
      const { bucket, prefix } = parseS3Url(location.endsWith('/') ? location : `${location}/`);
      const s3 = new S3Client(opened.region ? { region: opened.region } : {});
      try {
        const key = `${prefix}${rendered.fileName}`;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: rendered.body, ContentType: rendered.contentType }));
        where = `s3://${bucket}/${key}`;
      } finally {
        s3.destroy();
      }
    } else {
      const folder = resolve(location);
      await mkdir(folder, { recursive: true });
      where = join(folder, rendered.fileName);
      await writeFile(where, rendered.body);
    }
    console.log(
      `Wrote ${where}: ${request.type} report, ${request.startDate} to ${request.endDate}, ` +
        `${request.type === 'summary' ? data.summary.length : data.detailed.length} rows${data.missing.length ? `, ${data.missing.length} missing-data period(s)` : ''}.`,
    );
  } finally {
    await opened.close();
  }
}
