// Configuration loading (CONFIG.md §1): defaults or file, then the `-o` override file, then RHO.
import { readFileSync } from 'node:fs';
import { parseDocument, stringify } from 'yaml';
import type { DocumentOptions, ParseOptions, SchemaOptions, ToStringOptions, Tags } from 'yaml';
import { DEFAULT_CONFIG_YAML } from './defaults.ts';
import { parseRelaxedValue, putKey } from './relaxed-value.ts';
import type { CliArgs } from './cli-args.ts';

export class ConfigError extends Error {}

export type ConfigTree = Record<string, unknown>;

export interface Config {
  /** the effective tree (defaults + file + overrides); prefer the accessors below */
  readonly raw: ConfigTree;
  /** where the values came from, in order of application (for startup logs) */
  readonly sources: string[];
}

export interface LoadOptions {
  /** YAML file (RESTHeart's positional argument) */
  file?: string;
  /** `-o` file: .yml/.yaml, .json/.jsonc or .conf */
  overrideFile?: string;
  /** RHO assignments; pass process.env.RHO (not read implicitly, so tests stay hermetic) */
  rho?: string;
  warn?: (msg: string) => void;
  /** receives one line per applied override, secrets masked (RESTHeart logs these at INFO) */
  info?: (msg: string) => void;
}

// YAML: 1.1 like SnakeYAML (1_000, 0x1F, yes/no/on/off), minus quirks SnakeYAML does not have or
// that only hurt in config files: `y`/`n` booleans, `.` as NaN, dates, sexagesimal `1:30`.

const STRICT_FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;

export const YAML_OPTS: DocumentOptions & ParseOptions & SchemaOptions & ToStringOptions = {
  version: '1.1',
  uniqueKeys: false, // SnakeYAML lets the last duplicate win
  customTags: (tags: Tags): Tags =>
    tags.flatMap((t): Tags => {
      if (typeof t !== 'object') return [t];
      if (t.tag === 'tag:yaml.org,2002:timestamp' || t.format === 'TIME') return [];
      if (t.tag === 'tag:yaml.org,2002:bool' && t.test) {
        const truthy = t.test.test('true');
        return [{ ...t, test: truthy ? /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ : /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/ }];
      }
      if (t.tag === 'tag:yaml.org,2002:float' && !t.format && t.test?.test('.')) return [{ ...t, test: STRICT_FLOAT }];
      return [t];
    }),
};

/** Parses config-style YAML (also usable for conf-file of fileRealmAuthenticator / fileAclAuthorizer). */
export function parseConfigYaml(text: string, source: string, warn: (msg: string) => void = defaultWarn): unknown {
  const doc = parseDocument(text, YAML_OPTS);
  if (doc.errors.length > 0) throw new ConfigError(`invalid YAML in ${source}: ${doc.errors[0]!.message}`);
  for (const w of doc.warnings) warn(`${source}: ${w.message}`);
  return doc.toJS({ maxAliasCount: 1000 });
}

export function renderConfig(tree: unknown): string {
  return stringify(maskSecrets(tree), YAML_OPTS);
}

// Tree helpers

export function isMap(v: unknown): v is ConfigTree {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Maps merge key by key; lists, scalars and explicit nulls in `over` replace. */
export function deepMerge(base: ConfigTree, over: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    putKey(out, k, isMap(b) && isMap(v) ? deepMerge(b, v) : v);
  }
  return out;
}

interface Segment { name: string; index?: number }

/** `/a/b/list[1]` → segments; indices are 1-based as in JXPath. Throws with a reason. */
function parsePath(path: string): Segment[] {
  if (!path.startsWith('/')) throw new Error('path must start with /');
  if (path === '/') throw new Error('cannot override the root');
  return path.slice(1).split('/').map((s) => {
    const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(s);
    if (!m) throw new Error(`invalid path segment '${s}'`);
    const index = m[2] === undefined ? undefined : Number(m[2]);
    if (index === 0) throw new Error('indices are 1-based');
    return { name: m[1]!, index };
  });
}

interface Slot { get(): unknown; set(v: unknown): void }

function keySlot(obj: ConfigTree, name: string): Slot {
  return { get: () => (Object.hasOwn(obj, name) ? obj[name] : undefined), set: (v) => putKey(obj, name, v) };
}

// `name[i]` on a non-list is the value itself when i = 1 (XPath node-set semantics, as in JXPath).
function indexSlot(slot: Slot, index: number, create: boolean): Slot | undefined {
  let list = slot.get();
  if (list === null || list === undefined) {
    if (!create) return undefined;
    list = [];
    slot.set(list);
  }
  if (!Array.isArray(list)) return index === 1 ? slot : undefined;
  const arr = list;
  if (index > arr.length + (create ? 1 : 0)) return undefined;
  return { get: () => arr[index - 1], set: (v) => { arr[index - 1] = v; } };
}

/** Sets `value` at an RHO path, creating missing intermediate maps. Throws with a reason. */
export function setPath(tree: ConfigTree, path: string, value: unknown): void {
  const segs = parsePath(path);
  let obj = tree;
  segs.forEach((seg, n) => {
    let slot = keySlot(obj, seg.name);
    if (seg.index !== undefined) {
      const s = indexSlot(slot, seg.index, true);
      if (!s) throw new Error(`index [${seg.index}] out of range at '${seg.name}'`);
      slot = s;
    }
    if (n === segs.length - 1) return slot.set(value);
    let next = slot.get();
    if (next === null || next === undefined) {
      next = {};
      slot.set(next);
    }
    if (!isMap(next)) throw new Error(`'${seg.name}' is not a map`);
    obj = next;
  });
}

/** Reads a value by RHO-style path (`/mongo/mongo-mounts[1]/what`); undefined when absent. */
export function getPath(tree: ConfigTree, path: string): unknown {
  let segs: Segment[];
  try {
    segs = parsePath(path);
  } catch {
    return undefined;
  }
  let cur: unknown = tree;
  for (const seg of segs) {
    if (!isMap(cur)) return undefined;
    let slot: Slot | undefined = keySlot(cur, seg.name);
    if (seg.index !== undefined) slot = indexSlot(slot, seg.index, false);
    cur = slot?.get();
  }
  return cur;
}

// Masking

const MASK = '********';
const SECRET_NAME = /password|pwd|secret|key/i;
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)([^@/\s]*)@/gi;
const JSON_PASSWORD = /(["']?(?:password|pwd|secret)["']?\s*:\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/gi;

// Names that match the pattern but hold flags, numbers or field names, not secrets.
const NOT_SECRET = new Set(['prop-password', 'bcrypt-hashed-password', 'enforce-minimum-password-strength', 'minimum-password-strength', 'keystore-path']);

/** True for a key (or any segment of an RHO path) named like password/pwd/secret/key. */
export function isSecretName(name: string): boolean {
  return name.split('/').some((seg) => {
    const key = seg.replace(/\[\d+\]$/, '');
    return SECRET_NAME.test(key) && !NOT_SECRET.has(key);
  });
}

/** Masks passwords in connection strings and in JSON-looking `password: "…"` fragments. */
export function maskText(s: string): string {
  return s.replace(URL_PASSWORD, `$1${MASK}@`).replace(JSON_PASSWORD, `$1"${MASK}"`);
}

/** Deep copy with values under password/pwd/secret/key names replaced (nulls kept: they say "unset"). */
export function maskSecrets<T>(tree: T): T {
  const walk = (v: unknown, name: string): unknown => {
    if (name !== '' && isSecretName(name) && v !== null && v !== undefined) return MASK;
    if (typeof v === 'string') return maskText(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, ''));
    if (isMap(v)) {
      const out: ConfigTree = {};
      for (const [k, x] of Object.entries(v)) putKey(out, k, walk(x, k));
      return out;
    }
    return v;
  };
  return walk(tree, '') as T;
}

function describeValue(path: string, value: unknown): string {
  return isSecretName(path) ? MASK : JSON.stringify(maskSecrets(value)) ?? String(value);
}

function describeRaw(raw: string): string {
  const arrow = raw.indexOf('->');
  if (arrow >= 0) {
    const path = raw.slice(0, arrow).trim();
    return isSecretName(path) ? `${path} -> ${MASK}` : maskText(raw);
  }
  if (!SECRET_NAME.test(raw)) return maskText(raw);
  const prefix = /^[\s/\w.[\]-]*/.exec(raw)![0].trim();
  return `${prefix} ${MASK}`;
}

// RHO

export interface Override { path: string; value: unknown; raw: string }

/** Splits on `;` outside single/double-quoted strings (backslash escapes honoured). */
export function splitAssignments(rho: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quote = '';
  for (let i = 0; i < rho.length; i++) {
    const c = rho[i];
    if (c === '\\') i++;
    else if (quote) { if (c === quote) quote = ''; }
    else if (c === '"' || c === "'") quote = c;
    else if (c === ';') { out.push(rho.slice(start, i)); start = i + 1; }
  }
  out.push(rho.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

const skipped = (source: string, why: string, raw: string): string => `${source}: invalid override (${why}), skipped: ${describeRaw(raw)}`;

/** Parses RHO text; invalid assignments are reported through `warn` and dropped. */
export function parseRho(rho: string, warn: (msg: string) => void = defaultWarn, source = 'RHO'): Override[] {
  const result: Override[] = [];
  for (const raw of splitAssignments(rho)) {
    const arrow = raw.indexOf('->');
    if (arrow < 0) {
      warn(skipped(source, "missing '->'", raw));
      continue;
    }
    const path = raw.slice(0, arrow).trim();
    let stage = 'path';
    try {
      parsePath(path);
      stage = 'value is not valid JSON';
      result.push({ path, value: parseRelaxedValue(raw.slice(arrow + 2).trim()), raw });
    } catch (e) {
      warn(skipped(source, stage === 'path' ? (e as Error).message : `${stage}: ${(e as Error).message}`, raw));
    }
  }
  return result;
}

export function applyOverrides(tree: ConfigTree, overrides: Override[], warn: (msg: string) => void, info?: (msg: string) => void, source = 'RHO'): void {
  for (const o of overrides) {
    try {
      setPath(tree, o.path, o.value);
      info?.(`${source}: ${o.path} -> ${describeValue(o.path, o.value)}`);
    } catch (e) {
      warn(skipped(source, (e as Error).message, o.raw));
    }
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${what} not readable: ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Reads a `-o` file into overrides. Unknown extension or unparsable file → ConfigError. */
export function readOverrideFile(file: string, warn: (msg: string) => void = defaultWarn): Override[] {
  const ext = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  const source = `override file ${file}`;
  const fromMap = (obj: unknown): Override[] => {
    if (obj === null || obj === undefined) return [];
    if (!isMap(obj)) throw new ConfigError(`${source}: must be a map of path -> value`);
    // bad paths are reported by applyOverrides, like any other failed assignment
    return Object.entries(obj).map(([path, value]) => ({ path, value, raw: `${path} -> ${JSON.stringify(value)}` }));
  };
  if (ext === 'yml' || ext === 'yaml') return fromMap(parseConfigYaml(readText(file, 'override file'), source, warn));
  if (ext === 'json' || ext === 'jsonc') {
    const text = readText(file, 'override file');
    try {
      return fromMap(parseRelaxedValue(text, { jsonc: true }));
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`${source}: invalid JSON: ${(e as Error).message}`);
    }
  }
  if (ext === 'conf') {
    // RESTHeart joins the remaining lines without a separator, so each assignment must end with ';'.
    const lines = readText(file, 'override file').split(/\r?\n/).filter((l) => !l.trim().startsWith('#'));
    return parseRho(lines.join(''), warn, source);
  }
  throw new ConfigError(`configuration override file must have .yml, .yaml, .json, .jsonc or .conf extension: ${file}`);
}

// Loading

function defaultWarn(msg: string): void {
  console.warn(`[config] ${msg}`);
}

export function defaultTree(): ConfigTree {
  return parseConfigYaml(DEFAULT_CONFIG_YAML, 'built-in defaults') as ConfigTree;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const warn = opts.warn ?? defaultWarn;
  let tree = defaultTree();
  const sources = ['defaults'];
  if (opts.file !== undefined) {
    // RESTHeart uses the given file *instead of* its defaults. We deep-merge it over the defaults
    // instead: a RESTHeart file is complete anyway (same result), while a partial file (only the
    // sections someone changed) still yields working listeners, security and docrest settings.
    const parsed = parseConfigYaml(readText(opts.file, 'configuration file'), opts.file, warn);
    if (parsed !== null && parsed !== undefined) {
      if (!isMap(parsed)) throw new ConfigError(`configuration file ${opts.file} must contain a YAML map`);
      tree = deepMerge(tree, parsed);
    }
    sources.push(`file ${opts.file}`);
  }
  if (opts.overrideFile !== undefined) {
    applyOverrides(tree, readOverrideFile(opts.overrideFile, warn), warn, opts.info, `override file ${opts.overrideFile}`);
    sources.push(`override file ${opts.overrideFile}`);
  }
  if (opts.rho !== undefined && opts.rho.trim() !== '') {
    applyOverrides(tree, parseRho(opts.rho, warn), warn, opts.info);
    sources.push('RHO');
  }
  return { raw: tree, sources };
}

/** CLI flags are the most specific input, so they win over RHO. */
export function applyCliArgs(cfg: Config, args: Pick<CliArgs, 'port' | 'dataDir' | 'workers'>): Config {
  if (args.port !== undefined) setPath(cfg.raw, '/http-listener/port', args.port);
  if (args.dataDir !== undefined) setPath(cfg.raw, '/docrest/data-dir', args.dataDir);
  if (args.workers !== undefined) setPath(cfg.raw, '/docrest/workers', args.workers);
  if (args.port !== undefined || args.dataDir !== undefined || args.workers !== undefined) cfg.sources.push('command line');
  return cfg;
}

// Accessors: tolerant of YAML oddities ("8080", "true", 1_000 given as a string).

/** A top-level section as a map; `{}` when missing, null or not a map. */
export function section(cfg: Config, name: string): ConfigTree {
  const v = cfg.raw[name];
  return isMap(v) ? v : {};
}

/** Value by RHO-style path, e.g. `lookup(cfg, '/mongo/etag-check-policy/doc')`. */
export function lookup(cfg: Config, path: string): unknown {
  return getPath(cfg.raw, path);
}

function own(obj: ConfigTree | undefined, key: string): unknown {
  return obj && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function getString<D extends string | null | undefined>(obj: ConfigTree | undefined, key: string, dflt: D): string | D {
  const v = own(obj, key);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return dflt;
}

export function getNumber<D extends number | null | undefined>(obj: ConfigTree | undefined, key: string, dflt: D): number | D {
  const v = own(obj, key);
  if (typeof v === 'number') return Number.isNaN(v) ? dflt : v;
  if (typeof v === 'string' && /^\s*[-+]?(?:\d[\d_]*)?(?:\.\d[\d_]*)?(?:[eE][-+]?\d+)?\s*$/.test(v) && /\d/.test(v)) {
    return Number(v.trim().replace(/_/g, ''));
  }
  return dflt;
}

export function getBool<D extends boolean | null | undefined>(obj: ConfigTree | undefined, key: string, dflt: D): boolean | D {
  const v = own(obj, key);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  return ['true', 'yes', 'on', '1'].includes(s) ? true : ['false', 'no', 'off', '0'].includes(s) ? false : dflt;
}

/** A list; a single non-null scalar/map becomes a one-element list; null/missing → dflt. */
export function getList<D extends unknown[] | null | undefined>(obj: ConfigTree | undefined, key: string, dflt: D): unknown[] | D {
  const v = own(obj, key);
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined) return dflt;
  return [v];
}

/** A map, or a string holding a JSON object (RESTHeart's create-user-document); else dflt. */
export function getMap<D extends ConfigTree | null | undefined>(obj: ConfigTree | undefined, key: string, dflt: D): ConfigTree | D {
  const v = own(obj, key);
  if (isMap(v)) return v;
  let parsed: unknown;
  try {
    parsed = typeof v === 'string' ? parseRelaxedValue(v, { jsonc: true }) : undefined;
  } catch {
    // not JSON: the default applies
  }
  return isMap(parsed) ? parsed : dflt;
}

/** Request body limit in bytes: connection-options.MAX_ENTITY_SIZE when > 0, else docrest.max-body-size; ≤ 0 = unlimited. */
export function effectiveMaxBodySize(cfg: Config): number {
  const rh = getNumber(section(cfg, 'connection-options'), 'MAX_ENTITY_SIZE', -1);
  if (rh > 0) return rh;
  const mine = getNumber(section(cfg, 'docrest'), 'max-body-size', 16_777_216);
  return mine > 0 ? mine : Number.MAX_SAFE_INTEGER;
}
