/**
 * Reads and writes the alert settings file (budgets and quota alert thresholds; schema in
 * usage-model/src/budgets.ts). YAML or JSON by extension; both read the same shape.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { AlertSettingsError, DEFAULT_ALERT_SETTINGS, parseAlertSettings, type AlertSettings } from '@hyperpod-usage/model';

/** The example settings the generated provisioning files are built from. */
export const EXAMPLE_ALERT_SETTINGS_FILE = 'config/alerts.yaml';

export async function readAlertSettings(path: string, options: { missingIsDefault?: boolean } = {}): Promise<AlertSettings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && options.missingIsDefault) return parseAlertSettings(DEFAULT_ALERT_SETTINGS);
    throw new AlertSettingsError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (e) {
    throw new AlertSettingsError(`${path}: not valid YAML or JSON (${String((e as Error).message).split('\n')[0]})`);
  }
  try {
    return parseAlertSettings(document ?? {});
  } catch (e) {
    if (e instanceof AlertSettingsError) throw new AlertSettingsError(`${path}: ${e.message}`);
    throw e;
  }
}

const HEADER = `# HyperPod usage alert settings: monthly budgets per team and the thresholds of the live quota
# alerts. Written by \`hpu budgets set\` and the app's Settings page; docs/alerts.md describes every key.
`;

export function alertSettingsText(settings: AlertSettings, path: string): string {
  return path.endsWith('.json') ? `${JSON.stringify(settings, null, 2)}\n` : HEADER + stringify(settings, { lineWidth: 0 });
}

/** Writes through a temporary file, so a reader never sees half a file. */
export async function writeAlertSettings(path: string, settings: AlertSettings): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, alertSettingsText(parseAlertSettings(settings), path));
  await rename(temporary, path);
}
