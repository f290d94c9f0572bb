/**
 * File names as AWS's report tool makes them (`run.py`):
 * `<type>-report-<start>[-<end>][-<namespace>][-<task>].<csv|pdf>`, the end date only when the
 * range is longer than one day, e.g. `summary-report-2025-03-25.csv`,
 * `summary-report-2025-03-25-2025-03-31-ml-team-a.csv`, `detailed-report-2025-03-25-inference-job-2.csv`.
 *
 * The namespace and task come from Kubernetes or from whoever asked for the report, so each part
 * is made safe, by this rule:
 * - A part is kept as it is when it is at most 100 characters of `A-Z a-z 0-9 . _ -`, with no `..`
 *   and no `.` at either end (every Kubernetes name is: DNS labels and subdomains are lowercase
 *   letters, digits, `-` and `.`, starting and ending with a letter or digit).
 * - Otherwise, after Unicode NFC: each run of other characters (`/`, `\`, spaces, control
 *   characters, quotes, right-to-left marks, non-Latin letters, …) becomes one `_`, each run of
 *   dots becomes one `.`, the part is cut to 100 characters, and `~` plus 8 hex digits of the
 *   SHA-256 of the original part are appended, so that two different names cannot end up with
 *   the same file name (`ml/team` and `ml team` would both read `ml_team`).
 * So the name has no path separator, no `..` (not even with the `.` of the extension, as the
 * hash never ends with a dot), no control or invisible character, stays within
 * 255 bytes (the usual file-name limit) and reads like the original.
 */
import { createHash } from 'node:crypto';
import type { ReportRequest } from './report-data.js';

const MAX_PART = 100;
const ORDINARY = /^[A-Za-z0-9._-]+$/;

/** One part of a file name, made safe by the rule above. Exported for tests. */
export function safeFileNamePart(part: string): string {
  if (part.length <= MAX_PART && ORDINARY.test(part) && !part.includes('..') && !part.startsWith('.') && !part.endsWith('.')) {
    return part;
  }
  const readable = part
    .normalize('NFC')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .slice(0, MAX_PART);
  const hash = createHash('sha256').update(part, 'utf8').digest('hex').slice(0, 8);
  return `${readable}~${hash}`;
}

export function reportFileName(request: ReportRequest): string {
  // Dates are YYYY-MM-DD, so they compare as strings; AWS adds the end date when (end - start).days + 1 > 1.
  const parts = [`${request.type}-report`, request.startDate];
  if (request.endDate > request.startDate) parts.push(request.endDate);
  // AWS adds them when they are set and not empty.
  if (request.namespace) parts.push(request.namespace);
  if (request.task) parts.push(request.task);
  const [first, ...rest] = parts;
  return `${first}-${rest.map(safeFileNamePart).join('-')}.${request.format}`;
}
