import { ConfigError, effectiveMaxBodySize, getBool, getMap, getNumber, getString, section, type Config, type ConfigTree } from './config/load.ts';
import { adminUiFrom, type AdminUiSettings } from './admin/settings.ts';
import { csvLoaderFrom, proxiesFrom, staticResourcesFrom, type CsvLoaderSettings, type ProxySettings, type StaticResourceSettings } from './services/config.ts';
import type { MemoryReleaseSettings } from './memory-release.ts';

// Typed settings: the one place that reads the configuration tree (RESTHeart keys + docrest's own
// `cors` and `docrest` sections). Stages receive Settings, never the raw tree.

export type EtagPolicy = 'REQUIRED' | 'REQUIRED_FOR_DELETE' | 'OPTIONAL';
export type Representation = 'STANDARD' | 'HAL' | 'SHAL';

export interface Mount {
  what: string;
  where: string;
}

export interface CorsSettings {
  enabled: boolean;
  allowOrigin: string; // 'echo' | '*' | an origin
  allowCredentials: boolean;
  exposeHeaders: string;
  allowMethods: string;
  allowHeaders: string;
  varyOrigin: boolean;
  maxAge: number | null;
}

/** CONFIG.md aggregationSecurity (API.md §9.1) */
export interface AggregationSecurity {
  enabled: boolean;
  stageBlacklist: string[];
  operatorBlacklist: string[];
  allowCrossDatabaseOperations: boolean;
  allowJavaScriptExecution: boolean;
  /** the users and ACL collections: no aggregation reads or writes them, whatever the settings above */
  guarded: Array<{ db: string; coll: string }>;
}

export interface Settings {
  host: string;
  port: number;
  dataDir: string;
  workers: number;
  connectionString: string | null;
  maxBodySize: number;
  /** request body limit of multipart uploads to file buckets (docrest.max-file-size; ≤ 0 = unlimited) */
  maxFileSize: number;
  forceGzip: boolean;
  xPoweredBy: boolean;
  mongoUri: string;
  mounts: Mount[];
  instanceBaseUrl: string | null;
  defaultRepresentation: Representation;
  defaultPagesize: number;
  /** ms a query may run (mongo.query-time-limit, else docrest.default-time-limit) */
  queryTimeLimit: number;
  /** ms an aggregation may run (mongo.aggregation-time-limit, else docrest.default-time-limit) */
  aggregationTimeLimit: number;
  /** mongo.aggregation-check-operators: `avars` may hold no `$` keys */
  aggregationCheckOperators: boolean;
  aggregationSecurity: AggregationSecurity;
  /** ms an embedded-engine transaction may stay open (docrest.transaction-lifetime-limit, in seconds) */
  transactionLifetimeMs: number;
  /** docrest.change-streams (README, Change streams) */
  changeStreams: ChangeStreamSettings;
  /** docrest.memory-release: when an idle server gives memory back (memory-release.ts) */
  memoryRelease: MemoryReleaseSettings;
  maxPagesize: number;
  etagPolicy: { db: EtagPolicy; coll: EtagPolicy; doc: EtagPolicy };
  filterBlacklist: string[] | null;
  ping: { enabled: boolean; msg: string; extended: boolean };
  healthEnabled: boolean;
  cors: CorsSettings;
  logLevel: string;
  /** addresses/CIDR ranges whose X-Forwarded-Proto is believed (docrest.trusted-proxies) */
  trustedProxies: string[];
  metrics: MetricsSettings;
  /** docrest.admin-ui (README, Admin UI) */
  adminUi: AdminUiSettings;
  /** static-resources, proxies, csvLoader (README, Static resources, Proxies, CSV import) */
  staticResources: StaticResourceSettings[];
  proxies: ProxySettings[];
  csvLoader: CsvLoaderSettings;
}

/** RESTHeart's `metrics` service and `requestsMetricsCollector` (README, Metrics) */
export interface MetricsSettings {
  enabled: boolean;
  uri: string;
  /** metrics.missing-registry-status-code: 404, or 200 with an empty body */
  missingRegistryStatus: 200 | 404;
  /** path templates whose requests are timed; null: the collector is off */
  include: string[] | null;
  exclude: string[];
}

export interface ChangeStreamSettings {
  /** the embedded engine's change log: entries older than this many ms, or beyond the newest maxEntries, are trimmed */
  retentionMs: number;
  retentionEntries: number;
  /** bytes of events waiting to be sent to one client before it is disconnected */
  clientBufferBytes: number;
  /** ms between SSE heartbeat comments (and WebSocket pings) */
  heartbeatMs: number;
}

type Tree = ConfigTree;

const str = getString;
const num = getNumber;
const bool = getBool;

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

function policy(v: unknown, d: EtagPolicy): EtagPolicy {
  const s = String(v ?? '').toUpperCase();
  return s === 'REQUIRED' || s === 'REQUIRED_FOR_DELETE' || s === 'OPTIONAL' ? s : d;
}

function representation(v: unknown): Representation {
  const s = String(v ?? '').toUpperCase();
  if (s === 'HAL') return 'HAL';
  if (s === 'SHAL' || s === 'PLAIN_JSON' || s === 'PJ') return 'SHAL';
  return 'STANDARD';
}

function joinHeaders(base: string, extra: unknown): string {
  const more = list(extra);
  return more.length ? [base, ...more].join(', ') : base;
}

/** RESTHeart's 0 means no limit; docrest still stops a request at its own safety limit (30 s). */
function timeLimit(configured: number, docrest: Tree): number {
  return configured > 0 ? configured : Math.max(1, num(docrest, 'default-time-limit', 30_000));
}

/** RESTHeart refuses to start when a blacklisted name does not start with `$`. */
function operatorNames(s: Tree, key: string, dflt: string[]): string[] {
  const names = s[key] === undefined || s[key] === null ? dflt : list(s[key]);
  const bad = names.find((n) => !n.startsWith('$'));
  if (bad !== undefined) throw new ConfigError(`aggregationSecurity.${key}: every name must start with '$': ${bad}`);
  return names;
}

function aggregationSecurity(s: Tree, realm: Tree, acl: Tree): AggregationSecurity {
  return {
    enabled: bool(s, 'enabled', true),
    stageBlacklist: operatorNames(s, 'stageBlacklist', ['$out', '$merge', '$lookup', '$graphLookup', '$unionWith']),
    operatorBlacklist: operatorNames(s, 'operatorBlacklist', ['$where', '$function', '$accumulator']),
    allowCrossDatabaseOperations: bool(s, 'allowCrossDatabaseOperations', false),
    allowJavaScriptExecution: bool(s, 'allowJavaScriptExecution', false),
    guarded: [
      { db: str(realm, 'users-db', 'restheart')!, coll: str(realm, 'users-collection', 'users')! },
      { db: str(acl, 'acl-db', 'restheart')!, coll: str(acl, 'acl-collection', 'acl')! },
    ],
  };
}

function changeStreamSettings(s: Tree): ChangeStreamSettings {
  return {
    retentionMs: Math.max(1, num(s, 'log-retention', 86_400)) * 1000,
    retentionEntries: Math.max(1, Math.floor(num(s, 'log-max-entries', 1_000_000))),
    clientBufferBytes: Math.max(1024, num(s, 'client-buffer', 4_194_304)),
    heartbeatMs: Math.max(0.01, num(s, 'heartbeat', 15)) * 1000,
  };
}

function memoryReleaseSettings(s: Tree): MemoryReleaseSettings {
  return {
    idleMs: Math.max(0, num(s, 'idle-seconds', 30)) * 1000,
    minGrowthBytes: Math.max(0, num(s, 'min-growth', 33_554_432)),
  };
}

export function settingsFrom(cfg: Config): Settings {
  const sec = (name: string) => section(cfg, name);
  const listener = sec('http-listener');
  const core = sec('core');
  const mongo = sec('mongo');
  const docrest = sec('docrest');
  const cors = sec('cors');
  const etag: Tree = getMap(mongo, 'etag-check-policy', {} as Tree);
  const fob = sec('filterOperatorsBlacklist');
  const ping = sec('ping');
  const mounts = Array.isArray(mongo['mongo-mounts'])
    ? (mongo['mongo-mounts'] as Tree[]).map((m) => ({ what: String(m.what ?? ''), where: String(m.where ?? '') }))
    : [{ what: '/restheart', where: '/' }];
  const maxAge = cors['max-age'];
  return {
    host: str(listener, 'host', 'localhost'),
    port: num(listener, 'port', 8080),
    dataDir: str(docrest, 'data-dir', './data'),
    workers: Math.max(1, Math.floor(num(docrest, 'workers', 1))),
    transactionLifetimeMs: Math.max(0.001, num(docrest, 'transaction-lifetime-limit', 60)) * 1000,
    changeStreams: changeStreamSettings(getMap(docrest, 'change-streams', {} as Tree)),
    memoryRelease: memoryReleaseSettings(getMap(docrest, 'memory-release', {} as Tree)),
    connectionString: explicitConnectionString(sec('mclient'), docrest),
    maxBodySize: effectiveMaxBodySize(cfg),
    maxFileSize: num(docrest, 'max-file-size', 4_294_967_296) > 0 ? num(docrest, 'max-file-size', 4_294_967_296) : Number.MAX_SAFE_INTEGER,
    forceGzip: bool(core, 'force-gzip-encoding', false),
    xPoweredBy: bool(sec('xPoweredBy'), 'enabled', true),
    mongoUri: str(mongo, 'uri', '/'),
    mounts,
    instanceBaseUrl: str(mongo, 'instance-base-url', null),
    defaultRepresentation: representation(mongo['default-representation-format']),
    defaultPagesize: num(mongo, 'default-pagesize', 100),
    queryTimeLimit: timeLimit(num(mongo, 'query-time-limit', 0), docrest),
    aggregationTimeLimit: timeLimit(num(mongo, 'aggregation-time-limit', 0), docrest),
    aggregationCheckOperators: bool(mongo, 'aggregation-check-operators', true),
    aggregationSecurity: aggregationSecurity(sec('aggregationSecurity'), sec('mongoRealmAuthenticator'), sec('mongoAclAuthorizer')),
    maxPagesize: num(mongo, 'max-pagesize', 1000),
    etagPolicy: {
      db: policy(etag.db, 'REQUIRED_FOR_DELETE'),
      coll: policy(etag.coll, 'REQUIRED_FOR_DELETE'),
      doc: policy(etag.doc, 'OPTIONAL'),
    },
    filterBlacklist: bool(fob, 'enabled', true) ? (fob.blacklist === undefined ? ['$where'] : list(fob.blacklist)) : null,
    ping: { enabled: bool(ping, 'enabled', true), msg: str(ping, 'msg', 'Greetings from RESTHeart!'), extended: bool(ping, 'enable-extended-response', true) },
    healthEnabled: bool(sec('database-probe'), 'enabled', true),
    cors: {
      enabled: bool(cors, 'enabled', true),
      allowOrigin: str(cors, 'allow-origin', 'echo'),
      allowCredentials: bool(cors, 'allow-credentials', true),
      exposeHeaders: joinHeaders(str(cors, 'expose-headers', 'Location, ETag, Auth-Token, Auth-Token-Valid-Until, Auth-Token-Location'), cors['extra-expose-headers']),
      allowMethods: str(cors, 'allow-methods', 'GET, PUT, POST, PATCH, DELETE, OPTIONS'),
      allowHeaders: joinHeaders(str(cors, 'allow-headers', 'Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, Host, If-Match, Origin, X-Requested-With, User-Agent, No-Auth-Challenge'), cors['extra-allow-headers']),
      varyOrigin: bool(cors, 'vary-origin', true),
      maxAge: maxAge === null || num(cors, 'max-age', 86400) <= 0 ? null : num(cors, 'max-age', 86400),
    },
    logLevel: str(sec('logging'), 'log-level', 'INFO'),
    trustedProxies: list(docrest['trusted-proxies']),
    metrics: metricsSettings(sec('metrics'), sec('requestsMetricsCollector')),
    adminUi: adminUiFrom(cfg),
    staticResources: staticResourcesFrom(cfg.raw['static-resources']),
    proxies: proxiesFrom(cfg.raw.proxies),
    csvLoader: csvLoaderFrom(sec('csvLoader')),
  };
}

/** Code defaults are RESTHeart's plugin defaults: the service on, the collector off. */
function metricsSettings(m: Tree, collector: Tree): MetricsSettings {
  const enabled = bool(m, 'enabled', true);
  const uri = str(m, 'uri', '/metrics').replace(/(.)\/+$/, '$1');
  return {
    enabled,
    uri,
    missingRegistryStatus: String(m['missing-registry-status-code'] ?? '').trim() === '200' ? 200 : 404,
    include: enabled && bool(collector, 'enabled', false) ? pathTemplates(collector, 'include') : null,
    exclude: pathTemplates(collector, 'exclude'),
  };
}

function pathTemplates(collector: Tree, key: string): string[] {
  const templates = list(collector[key]);
  const bad = templates.find((t) => !t.startsWith('/'));
  if (bad !== undefined) throw new ConfigError(`requestsMetricsCollector.${key}: a path template must start with /: ${bad}`);
  return templates;
}

/**
 * RESTHeart's default connection string points at a local MongoDB; docrest serves from the
 * embedded engine unless the configuration names a MongoDB explicitly (docrest.engine: mongodb,
 * or a connection string other than RESTHeart's default).
 */
function explicitConnectionString(mclient: Tree, docrest: Tree): string | null {
  const cs = str(mclient, 'connection-string', null);
  const engine = str(docrest, 'engine', 'auto');
  if (engine === 'embedded' || !cs) return null;
  if (engine === 'mongodb') return cs;
  return cs === 'mongodb://127.0.0.1' || cs === 'mongodb://localhost' ? null : cs;
}
