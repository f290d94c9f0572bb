/**
 * A recorded contract of the Grafana HTTP APIs `hpu grafana install` uses (health, folders, data
 * sources by uid, dashboards/db, alerting provisioning), served from a local HTTP server with
 * Grafana's state behind it. Every request is checked for its shape — method and path, bearer
 * token, JSON content type, required body fields and their types, the provenance header on rule
 * writes — and a request outside the contract is answered as Grafana would (400/404/412) and
 * recorded as a violation, so a test fails on it rather than passing through a permissive mock.
 * GET answers carry the fields Grafana adds (ids, versions, provenance), so comparing before
 * writing has to cope with them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface ContractOptions {
  token: string;
  version?: string;
  /** `METHOD /path/prefix` answered 403 (a token without that permission). */
  forbidden?: readonly string[];
}

type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';
type Schema = Record<string, FieldType | `${FieldType}?` | `${FieldType}|${FieldType}?` | `${FieldType}|${FieldType}`>;

function typeOf(v: unknown): FieldType | 'undefined' {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as FieldType;
}

/** Missing required fields and fields of the wrong type, e.g. `title: expected string, got number`. */
export function schemaErrors(body: unknown, schema: Schema, at = ''): string[] {
  if (typeOf(body) !== 'object') return [`${at || 'body'}: expected an object, got ${typeOf(body)}`];
  const errors: string[] = [];
  for (const [field, spec] of Object.entries(schema)) {
    const optional = spec.endsWith('?');
    const types = spec.replace('?', '').split('|');
    const actual = typeOf((body as Json)[field]);
    if (actual === 'undefined') {
      if (!optional) errors.push(`${at}${field}: required`);
    } else if (!types.includes(actual)) errors.push(`${at}${field}: expected ${types.join(' or ')}, got ${actual}`);
  }
  return errors;
}

const FOLDER: Schema = { uid: 'string', title: 'string' };
const DATASOURCE: Schema = { name: 'string', type: 'string', access: 'string', uid: 'string?', url: 'string?', jsonData: 'object?', secureJsonData: 'object?' };
const DASHBOARD_POST: Schema = { dashboard: 'object', folderUid: 'string?', overwrite: 'boolean?', message: 'string?' };
const DASHBOARD: Schema = { uid: 'string', title: 'string', panels: 'array', schemaVersion: 'number', id: 'null?', templating: 'object?' };
const RULE: Schema = {
  uid: 'string?',
  title: 'string',
  condition: 'string',
  data: 'array',
  folderUID: 'string',
  ruleGroup: 'string',
  orgID: 'number',
  for: 'string',
  noDataState: 'string',
  execErrState: 'string',
  labels: 'object?',
  annotations: 'object?',
  isPaused: 'boolean?',
};
const RULE_QUERY: Schema = { refId: 'string', datasourceUid: 'string', model: 'object', relativeTimeRange: 'object?' };
const RULE_GROUP: Schema = { title: 'string?', interval: 'number', rules: 'array' };
const NO_DATA = ['NoData', 'Alerting', 'OK', 'KeepLast'];
const EXEC_ERR = ['Error', 'Alerting', 'OK', 'KeepLast'];

export class GrafanaContractServer {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly folders = new Map<string, Json>();
  readonly datasources = new Map<string, Json>();
  readonly dashboards = new Map<string, { dashboard: Json; folderUid: string; version: number }>();
  readonly rules = new Map<string, Json>();
  readonly groups = new Map<string, number>();
  private server: Server | undefined;
  private nextId = 1;
  url = '';

  constructor(private readonly options: ContractOptions) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // fetch keeps connections alive; close() alone would wait for them.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests that change state. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] as string;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let body: unknown;
    if (raw !== '') {
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        this.violations.push(`${method} ${path}: body without Content-Type application/json`);
        return send(415, { message: 'Unsupported Media Type' });
      }
      try {
        body = JSON.parse(raw);
      } catch {
        this.violations.push(`${method} ${path}: body is not JSON`);
        return send(400, { message: 'bad request data' });
      }
    }
    this.requests.push({ method, path, headers: { authorization: req.headers.authorization, 'x-disable-provenance': req.headers['x-disable-provenance'] as string | undefined }, body });
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return send(401, { message: 'invalid API key', messageId: 'auth.unauthorized' });
    if ((this.options.forbidden ?? []).some((f) => `${method} ${path}`.startsWith(f))) return send(403, { message: 'You\'ll need additional permissions to perform this action.' });
    const bad = (errors: string[]) => {
      this.violations.push(...errors.map((e) => `${method} ${path}: ${e}`));
      return send(400, { message: errors.join('; ') });
    };
    let m: RegExpExecArray | null;

    if (method === 'GET' && path === '/api/health') return send(200, { database: 'ok', version: this.options.version ?? '12.4.0', commit: 'test' });

    if ((m = /^\/api\/folders\/([^/]+)$/.exec(path))) {
      const uid = decodeURIComponent(m[1] as string);
      const folder = this.folders.get(uid);
      if (method === 'GET') return folder ? send(200, folder) : send(404, { message: 'folder not found', status: 'not-found' });
      if (method === 'PUT') {
        const errors = schemaErrors(body, { title: 'string', overwrite: 'boolean?', version: 'number?' });
        if (errors.length) return bad(errors);
        if (!folder) return send(404, { message: 'folder not found' });
        folder.title = (body as Json).title;
        return send(200, folder);
      }
    }
    if (method === 'POST' && path === '/api/folders') {
      const errors = schemaErrors(body, FOLDER);
      if (errors.length) return bad(errors);
      const { uid, title } = body as { uid: string; title: string };
      if (this.folders.has(uid)) return send(409, { message: 'a folder with the same uid already exists' });
      const folder = { id: this.nextId++, uid, title, url: `/dashboards/f/${uid}/`, version: 1 };
      this.folders.set(uid, folder);
      return send(200, folder);
    }

    if ((m = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path))) {
      const uid = decodeURIComponent(m[1] as string);
      const ds = this.datasources.get(uid);
      if (method === 'GET') return ds ? send(200, ds) : send(404, { message: 'Data source not found' });
      if (method === 'PUT') {
        const errors = schemaErrors(body, DATASOURCE);
        if (errors.length) return bad(errors);
        if (!ds) return send(404, { message: 'Data source not found' });
        const updated: Json = { ...ds, ...(body as Json), id: ds.id, uid, version: (ds.version as number) + 1 };
        this.datasources.set(uid, updated);
        return send(200, { datasource: updated, id: ds.id, message: 'Datasource updated', name: updated.name });
      }
    }
    if (method === 'POST' && path === '/api/datasources') {
      const errors = schemaErrors(body, DATASOURCE);
      if (errors.length) return bad(errors);
      const ds = body as Json;
      const uid = (ds.uid as string | undefined) ?? `gen${this.nextId}`;
      if (this.datasources.has(uid) || [...this.datasources.values()].some((d) => d.name === ds.name)) return send(409, { message: 'data source with the same name or uid already exists' });
      const stored: Json = { id: this.nextId++, orgId: 1, basicAuth: false, isDefault: false, readOnly: false, version: 1, url: '', jsonData: {}, ...ds, uid };
      this.datasources.set(uid, stored);
      return send(200, { datasource: stored, id: stored.id, message: 'Datasource added', name: stored.name });
    }

    if ((m = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(path)) && method === 'GET') {
      const d = this.dashboards.get(decodeURIComponent(m[1] as string));
      if (!d) return send(404, { message: 'Dashboard not found' });
      return send(200, { dashboard: { ...d.dashboard, version: d.version }, meta: { folderUid: d.folderUid, provisioned: false, canSave: true } });
    }
    if (method === 'POST' && path === '/api/dashboards/db') {
      const errors = schemaErrors(body, DASHBOARD_POST);
      if (!errors.length) errors.push(...schemaErrors((body as Json).dashboard, DASHBOARD, 'dashboard.'));
      const post = body as { dashboard: Json; folderUid?: string; overwrite?: boolean };
      if (!errors.length && post.folderUid && !this.folders.has(post.folderUid)) errors.push(`folderUid ${post.folderUid}: no such folder`);
      if (errors.length) return bad(errors);
      const uid = post.dashboard.uid as string;
      const existing = this.dashboards.get(uid);
      if (existing && post.overwrite !== true) return send(412, { message: 'The dashboard has been changed by someone else', status: 'version-mismatch' });
      const id = (existing?.dashboard.id as number | undefined) ?? this.nextId++;
      const version = (existing?.version ?? 0) + 1;
      this.dashboards.set(uid, { dashboard: { ...post.dashboard, id }, folderUid: post.folderUid ?? '', version });
      return send(200, { id, uid, url: `/d/${uid}`, status: 'success', version });
    }

    if ((m = /^\/api\/v1\/provisioning\/alert-rules\/([^/]+)$/.exec(path))) {
      const uid = decodeURIComponent(m[1] as string);
      const rule = this.rules.get(uid);
      if (method === 'GET') return rule ? send(200, rule) : send(404, { message: 'rule not found' });
      if (method === 'PUT') {
        const errors = this.ruleErrors(body, req);
        if (errors.length) return bad(errors);
        if (!rule) return send(404, { message: 'rule not found' });
        const updated = { ...rule, ...(body as Json), uid, id: rule.id, updated: new Date().toISOString(), provenance: '' };
        this.rules.set(uid, updated);
        return send(200, updated);
      }
    }
    if (method === 'POST' && path === '/api/v1/provisioning/alert-rules') {
      const errors = this.ruleErrors(body, req);
      if (errors.length) return bad(errors);
      const rule = body as Json;
      const uid = (rule.uid as string | undefined) ?? `gen${this.nextId}`;
      if (this.rules.has(uid)) return send(409, { message: 'a rule with this uid exists' });
      const stored = { id: this.nextId++, keep_firing_for: '0s', notification_settings: null, record: null, ...rule, uid, updated: new Date().toISOString(), provenance: '' };
      this.rules.set(uid, stored);
      const key = `${rule.folderUID as string}/${rule.ruleGroup as string}`;
      if (!this.groups.has(key)) this.groups.set(key, 60);
      return send(201, stored);
    }
    if ((m = /^\/api\/v1\/provisioning\/folder\/([^/]+)\/rule-groups\/([^/]+)$/.exec(path))) {
      const key = `${decodeURIComponent(m[1] as string)}/${decodeURIComponent(m[2] as string)}`;
      const rulesOf = () => [...this.rules.values()].filter((r) => `${r.folderUID as string}/${r.ruleGroup as string}` === key);
      if (method === 'GET') {
        const interval = this.groups.get(key);
        return interval === undefined ? send(404, { message: 'rule group not found' }) : send(200, { title: m[2], folderUid: m[1], interval, rules: rulesOf() });
      }
      if (method === 'PUT') {
        const errors = schemaErrors(body, RULE_GROUP);
        if (req.headers['x-disable-provenance'] !== 'true') errors.push('X-Disable-Provenance: true is missing (rules would be locked in the UI)');
        const group = body as { interval: number; rules: Json[] };
        if (!errors.length && (group.interval < 10 || group.interval % 10 !== 0)) errors.push(`interval ${group.interval}: must be a multiple of 10 seconds`);
        // A group PUT replaces the group's rules: leaving one out deletes it.
        if (!errors.length && group.rules.length !== rulesOf().length) errors.push(`rules: ${group.rules.length} given, the group has ${rulesOf().length} (the missing ones would be deleted)`);
        if (errors.length) return bad(errors);
        this.groups.set(key, group.interval);
        return send(200, { title: m[2], folderUid: m[1], interval: group.interval, rules: rulesOf() });
      }
    }

    this.violations.push(`${method} ${path}: not part of the contract`);
    return send(404, { message: 'Not found' });
  }

  private ruleErrors(body: unknown, req: IncomingMessage): string[] {
    const errors = schemaErrors(body, RULE);
    if (req.headers['x-disable-provenance'] !== 'true') errors.push('X-Disable-Provenance: true is missing (rules would be locked in the UI)');
    if (errors.length) return errors;
    const rule = body as { condition: string; data: Json[]; folderUID: string; noDataState: string; execErrState: string; for: string };
    rule.data.forEach((q, i) => errors.push(...schemaErrors(q, RULE_QUERY, `data[${i}].`)));
    if (!rule.data.some((q) => q.refId === rule.condition)) errors.push(`condition ${rule.condition}: no query has that refId`);
    if (!this.folders.has(rule.folderUID)) errors.push(`folderUID ${rule.folderUID}: no such folder`);
    if (!NO_DATA.includes(rule.noDataState)) errors.push(`noDataState ${rule.noDataState}: not one of ${NO_DATA.join(', ')}`);
    if (!EXEC_ERR.includes(rule.execErrState)) errors.push(`execErrState ${rule.execErrState}: not one of ${EXEC_ERR.join(', ')}`);
    if (!/^\d+[smhd]$/.test(rule.for)) errors.push(`for ${rule.for}: not a duration`);
    for (const q of rule.data) {
      if (q.datasourceUid !== '__expr__' && !this.datasources.has(q.datasourceUid as string)) errors.push(`data ${q.refId as string}: data source ${q.datasourceUid as string} does not exist`);
    }
    return errors;
  }
}
