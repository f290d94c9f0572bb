/**
 * The harness page's server, on 127.0.0.1: serves the bundle and runs the SQL the page's SQL data
 * source sends in real DuckDB, answering with data frames as Grafana's SQL data sources do —
 * for format time series, the long result pivoted to one field per series with its group as
 * labels (what the sqlutil long-to-wide conversion of the Athena and DuckDB plugins returns).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

export interface SqlRunner {
  query(sql: string): Promise<{ columns: string[]; rows: Array<Record<string, unknown>> }>;
}

interface FrameJson {
  refId: string;
  fields: Array<{ name: string; type: string; values: unknown[]; labels?: Record<string, string> }>;
}

export interface HarnessServer {
  url: string;
  /** Every statement the page ran, in order. */
  statements: Array<{ refId: string; sql: string; format: unknown }>;
  close(): Promise<void>;
}

function typeOf(values: unknown[]): string {
  const v = values.find((x) => x !== null && x !== undefined);
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
}

export function longFrame(refId: string, columns: string[], rows: Array<Record<string, unknown>>): FrameJson {
  return { refId, fields: columns.map((name) => { const values = rows.map((r) => r[name] ?? null); return { name, type: name === 'time' ? 'time' : typeOf(values), values }; }) };
}

/** Long to wide: one row per time, one field per (number column, string labels). */
export function wideFrame(refId: string, columns: string[], rows: Array<Record<string, unknown>>): FrameJson {
  const long = longFrame(refId, columns, rows);
  const labelColumns = long.fields.filter((f) => f.type === 'string').map((f) => f.name);
  const measures = long.fields.filter((f) => f.type === 'number').map((f) => f.name);
  const times = [...new Set(rows.map((r) => r.time as number))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const series = new Map<string, FrameJson['fields'][number]>();
  for (const row of rows) {
    const labels = Object.fromEntries(labelColumns.map((c) => [c, String(row[c] ?? '')]));
    for (const m of measures) {
      const id = JSON.stringify([m, labels]);
      let field = series.get(id);
      if (!field) series.set(id, (field = { name: m, type: 'number', values: new Array(times.length).fill(null), labels }));
      field.values[at.get(row.time as number) as number] = row[m] ?? null;
    }
  }
  return { refId, fields: [{ name: 'time', type: 'time', values: times }, ...series.values()] };
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.ttf': 'font/ttf', '.woff2': 'font/woff2', '.svg': 'image/svg+xml', '.png': 'image/png' };

const root = new URL('../../..', import.meta.url).pathname;
const fontsource = join(root, 'node_modules', '@fontsource');
const iconsDir = join(root, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');
const imgDir = join(root, 'src', 'img');

/** The font files @grafana/ui's global styles ask Grafana's public/ folder for, from @fontsource. */
const GRAFANA_FONTS: Record<string, string> = {
  'inter/Inter-Regular.woff2': 'inter/files/inter-latin-400-normal.woff2',
  'inter/Inter-Italic.woff2': 'inter/files/inter-latin-400-italic.woff2',
  'inter/Inter-Medium.woff2': 'inter/files/inter-latin-500-normal.woff2',
  'inter/Inter-MediumItalic.woff2': 'inter/files/inter-latin-500-italic.woff2',
  'roboto/L0xTDF4xlVMF-BfR8bXMIhJHg45mwgGEFl0_3vrtSM1J-gEPT5Ese6hmHSh0mQ.woff2': 'roboto-mono/files/roboto-mono-latin-400-normal.woff2',
};

/** The file a request path names inside `dir`, or undefined (also for paths that climb out). */
function fileIn(dir: string, requestPath: string): string | undefined {
  const file = normalize(join(dir, requestPath));
  return file.startsWith(dir + '/') && existsSync(file) && statSync(file).isFile() ? file : undefined;
}

/** What Grafana's server would send for a path: its fonts, @grafana/ui's icons, the plugin's images, or the bundle. */
function staticFile(bundleDir: string, path: string): string | undefined {
  const font = path.startsWith('/public/fonts/') ? GRAFANA_FONTS[path.slice('/public/fonts/'.length)] : undefined;
  if (font) return fileIn(fontsource, font);
  if (path.startsWith('/public/build/img/icons/')) return fileIn(iconsDir, path.slice('/public/build/img/icons/'.length));
  if (path.startsWith('/public/img/')) return fileIn(imgDir, path.slice('/public/img/'.length));
  return fileIn(bundleDir, path);
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHarnessServer(options: { bundleDir: string; sql: SqlRunner; pageConfig: Record<string, unknown> }): Promise<HarnessServer> {
  const statements: HarnessServer['statements'] = [];
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>HyperPod Usage harness</title></head>
<body><div id="root"></div><script>window.__HPU_CONFIG__ = ${JSON.stringify(options.pageConfig)};</script><script src="/harness.js"></script></body></html>`;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'POST' && path === '/sql') {
      const { queries } = JSON.parse(await body(req)) as { queries: Array<{ refId: string; sql: string; format: unknown }> };
      const frames: FrameJson[] = [];
      try {
        for (const q of queries) {
          statements.push(q);
          const { columns, rows } = await options.sql.query(q.sql);
          frames.push(q.format === 'time_series' && columns.includes('time') ? wideFrame(q.refId, columns, rows) : longFrame(q.refId, columns, rows));
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ frames }));
      } catch (error) {
        // The SQL data source reports a failed statement as the query's error, first line only.
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ frames: [], error: String((error as Error).message).split('\n')[0] }));
      }
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    const file = staticFile(options.bundleDir, decodeURIComponent(path));
    if (file) {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
      return;
    }
    res.writeHead(404).end();
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => res.writeHead(500).end(error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    statements,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
