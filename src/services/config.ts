// RESTHeart's `static-resources`, `proxies` and `csvLoader` keys, read and checked once at startup
// (a broken entry stops the start, naming the entry: the server never runs half-configured).
import { ConfigError, getBool, getNumber, getString, isMap, type ConfigTree } from '../config/load.ts';

export interface StaticResourceSettings {
  /** the directory, as configured (resolved against the working directory when relative) */
  what: string;
  /** the URI it is served at, without a trailing slash */
  where: string;
  welcomeFile: string;
  /** docrest's own: a GET for a missing path without an extension gets the root's welcome file (single-page apps) */
  welcomeFileFallback: boolean;
}

export interface ProxySettings {
  name: string;
  location: string;
  /** balanced round-robin */
  targets: URL[];
  rewriteHostHeader: boolean;
  /** ms to open the connection to a target; then 502 */
  connectTimeoutMs: number;
  /** ms the target may stay silent (before its response: 504; during it: the response is cut) */
  idleTimeoutMs: number;
  /** ms a target that could not be reached is passed over while another one is left */
  problemServerRetryMs: number;
}

export interface CsvLoaderSettings {
  enabled: boolean;
  uri: string;
}

/** RESTHeart's default entry: its metrics page inside its jar, which docrest does not ship. */
const RESTHEART_METRICS_UI = { what: 'static/metrics', where: '/metrics-ui' };

function entries(v: unknown, key: string): ConfigTree[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(`${key} must be a list`);
  return v.map((e, i) => {
    if (!isMap(e)) throw new ConfigError(`${key}[${i}] must be a map`);
    return e;
  });
}

/** A uri starting with / and without a trailing / (the registry's form). */
function uriOf(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v.startsWith('/')) throw new ConfigError(`${what} must start with / (got ${JSON.stringify(v ?? null)})`);
  return v.length > 1 ? v.replace(/\/+$/, '') || '/' : v;
}

export function staticResourcesFrom(v: unknown): StaticResourceSettings[] {
  const out: StaticResourceSettings[] = [];
  entries(v, 'static-resources').forEach((e, i) => {
    const at = `static-resources[${i}]`;
    if (getBool(e, 'embedded', false)) {
      if (e.what === RESTHEART_METRICS_UI.what && e.where === RESTHEART_METRICS_UI.where) return;
      throw new ConfigError(`${at}: embedded resources are files inside RESTHeart's jars, which docrest has none of; serve a directory with embedded: false`);
    }
    const what = getString(e, 'what', null);
    if (!what) throw new ConfigError(`${at}: 'what' (the directory to serve) is missing`);
    out.push({
      what,
      where: uriOf(e.where, `${at}.where`),
      welcomeFile: getString(e, 'welcome-file', 'index.html')!,
      welcomeFileFallback: getBool(e, 'welcome-file-fallback', false),
    });
  });
  return out;
}

function targetsOf(v: unknown, at: string): URL[] {
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
  if (list.length === 0) throw new ConfigError(`${at}: 'proxy-pass' (a URL or a list of URLs) is missing`);
  return list.map((t) => {
    let u: URL | undefined;
    try {
      u = new URL(String(t));
    } catch { /* reported below */ }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigError(`${at}: proxy-pass ${JSON.stringify(t)} is not an http or https URL`);
    return u;
  });
}

export function proxiesFrom(v: unknown): ProxySettings[] {
  return entries(v, 'proxies').map((e, i) => {
    const at = `proxies[${i}]`;
    const location = uriOf(e.location, `${at}.location`);
    return {
      name: getString(e, 'name', null) ?? `proxy ${location}`,
      location,
      targets: targetsOf(e['proxy-pass'], at),
      rewriteHostHeader: getBool(e, 'rewrite-host-header', true),
      connectTimeoutMs: Math.max(1, getNumber(e, 'connect-timeout', 10_000)),
      idleTimeoutMs: Math.max(1, getNumber(e, 'idle-timeout', 60_000)),
      problemServerRetryMs: Math.max(0, getNumber(e, 'problem-server-retry', 10)) * 1000,
    };
  });
}

export function csvLoaderFrom(s: ConfigTree): CsvLoaderSettings {
  return { enabled: getBool(s, 'enabled', true), uri: uriOf(getString(s, 'uri', '/csv'), 'csvLoader.uri') };
}
