// Plugin loading, as RESTHeart's PolyglotDeployer: every folder of the plugins directory
// (core.plugins-directory, default ./plugins) with a package.json listing `rh:services` and
// `rh:interceptors` contributes those modules (.mjs, .js, .cjs, .ts, .mts; TypeScript runs with
// Node's type stripping; bare imports resolve from the plugin's own node_modules). Each plugin's
// configuration is the section named after it (`<name>: {enabled, …}` → pluginArgs). Anything
// wrong stops the start with an error naming the file: the server never runs half-configured.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { getBool, getNumber, getString, isMap, section, type Config } from '../config/load.ts';
import type { Engine } from '../engine/types.ts';
import type { InterceptorRegistry } from '../http/interceptors.ts';
import { INTERCEPT_POINTS } from '../http/interceptors.ts';
import type { ServiceRegistry } from '../http/service-registry.ts';
import { importModule, installGlobals, type PluginContext } from './context.ts';
import { dataClient } from './data-client.ts';
import { PLUGIN_CLASSES, jsInterceptor, pendingHeadersInterceptor, pluginClassOf, type InterceptorModule } from './js-interceptor.ts';
import { jsService, type ServiceModule } from './js-service.ts';
import { pluginLogger } from './logger.ts';

const EXTENSIONS = new Set(['.mjs', '.js', '.cjs', '.ts', '.mts']);

type Found =
  | { kind: 'service'; file: string; name: string; mod: ServiceModule }
  | { kind: 'interceptor'; file: string; name: string; mod: InterceptorModule };

export class PluginError extends Error {
  constructor(file: string, reason: string) {
    super(`plugin ${file}: ${reason}`);
  }
}

export function pluginsDirectory(cfg: Config): string {
  return resolve(getString(section(cfg, 'core'), 'plugins-directory', 'plugins'));
}

/** The module files a plugin folder declares, checked; [] for a folder that is no plugin. */
function declaredModules(dir: string): { kind: 'service' | 'interceptor'; file: string }[] {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return [];
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  } catch (e) {
    throw new PluginError(manifest, `not valid JSON (${(e as Error).message})`);
  }
  if (!isMap(pkg)) throw new PluginError(manifest, 'not a JSON object');
  const out: { kind: 'service' | 'interceptor'; file: string }[] = [];
  for (const [key, kind] of [['rh:services', 'service'], ['rh:interceptors', 'interceptor']] as const) {
    const list = pkg[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new PluginError(manifest, `"${key}" must be a list of module paths`);
    for (const entry of list as string[]) {
      const file = resolve(dir, entry);
      const rel = relative(dir, file);
      if (rel.startsWith(`..${sep}`) || rel === '..') throw new PluginError(manifest, `${key} entry ${entry} is outside the plugin's folder`);
      if (!EXTENSIONS.has(extname(file))) throw new PluginError(file, `a plugin module is a ${[...EXTENSIONS].join(', ')} file`);
      if (!existsSync(file) || !statSync(file).isFile()) throw new PluginError(file, `declared in ${manifest} (${key}) but not found`);
      out.push({ kind, file });
    }
  }
  return out;
}

const SERVICE_HINT = 'a service module exports `options` ({name, description, uri, secured, matchPolicy}) and `handle(request, response)`';
const INTERCEPTOR_HINT = 'an interceptor module exports `options` ({name, description, interceptPoint, pluginClass}), `resolve(request)` and `handle(request, response)`';

function exportOf(mod: Record<string, unknown>, name: string): unknown {
  if (mod[name] !== undefined) return mod[name];
  // a CommonJS module's exports object
  const d = mod.default as Record<string, unknown> | undefined;
  return d !== null && typeof d === 'object' ? d[name] : undefined;
}

function checkOptions(file: string, o: unknown, hint: string): Record<string, unknown> {
  if (o === null || typeof o !== 'object') throw new PluginError(file, `missing export \`options\`: ${hint}`);
  const opts = o as Record<string, unknown>;
  if (typeof opts.name !== 'string' || opts.name === '') throw new PluginError(file, `options.name must be a non-empty string: ${hint}`);
  if (opts.description !== undefined && typeof opts.description !== 'string') throw new PluginError(file, 'options.description must be a string');
  return opts;
}

function checkService(file: string, mod: Record<string, unknown>): ServiceModule {
  const o = checkOptions(file, exportOf(mod, 'options'), SERVICE_HINT);
  if (typeof o.uri !== 'string' || !o.uri.startsWith('/')) throw new PluginError(file, `options.uri must be a path starting with /: ${SERVICE_HINT}`);
  if (o.secured !== undefined && typeof o.secured !== 'boolean') throw new PluginError(file, 'options.secured must be true or false');
  if (o.matchPolicy !== undefined && o.matchPolicy !== 'PREFIX' && o.matchPolicy !== 'EXACT') throw new PluginError(file, 'options.matchPolicy must be PREFIX or EXACT');
  const oa = o.openapi as { paths?: unknown } | undefined;
  if (oa !== undefined && (oa === null || typeof oa !== 'object' || oa.paths === null || typeof oa.paths !== 'object')) throw new PluginError(file, 'options.openapi must be an object with paths (OpenAPI path items by path)');
  const handle = exportOf(mod, 'handle');
  if (typeof handle !== 'function') throw new PluginError(file, `missing export \`handle\` (a function): ${SERVICE_HINT}`);
  return { options: o as unknown as ServiceModule['options'], handle: handle as ServiceModule['handle'] };
}

function checkInterceptor(file: string, mod: Record<string, unknown>): InterceptorModule {
  const o = checkOptions(file, exportOf(mod, 'options'), INTERCEPTOR_HINT);
  if (o.interceptPoint !== undefined && !INTERCEPT_POINTS.includes(o.interceptPoint as never)) {
    throw new PluginError(file, `options.interceptPoint must be one of ${INTERCEPT_POINTS.join(', ')}`);
  }
  if (pluginClassOf(o.pluginClass) === undefined) throw new PluginError(file, `options.pluginClass must be one of ${PLUGIN_CLASSES.join(', ')}`);
  if (o.priority !== undefined && !Number.isFinite(o.priority)) throw new PluginError(file, 'options.priority must be a number');
  const handle = exportOf(mod, 'handle');
  const resolveFn = exportOf(mod, 'resolve');
  if (typeof handle !== 'function') throw new PluginError(file, `missing export \`handle\` (a function): ${INTERCEPTOR_HINT}`);
  if (typeof resolveFn !== 'function') throw new PluginError(file, `missing export \`resolve\` (a function): ${INTERCEPTOR_HINT}`);
  return { options: o as unknown as InterceptorModule['options'], handle: handle as InterceptorModule['handle'], resolve: resolveFn as InterceptorModule['resolve'] };
}

/** Every plugin module of the plugins directory, imported and checked, in folder and declaration order. */
export async function readPlugins(cfg: Config): Promise<Found[]> {
  const dir = pluginsDirectory(cfg);
  // RESTHeart's default configuration names a plugins directory that need not exist
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) throw new PluginError(dir, 'core.plugins-directory is not a directory');
  installGlobals();
  const found: Found[] = [];
  const names = new Map<string, string>();
  const folders = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() || d.isSymbolicLink()).map((d) => d.name).sort();
  for (const folder of folders) {
    const path = join(dir, folder);
    if (!statSync(path).isDirectory()) continue;
    for (const { kind, file } of declaredModules(path)) {
      let mod: Record<string, unknown>;
      try {
        mod = await importModule(file, pathToFileURL(file).href);
      } catch (e) {
        const err = e as Error;
        throw new PluginError(file, `cannot be loaded: ${err?.message ?? String(e)}${/require is not defined/.test(err?.message ?? '') ? ' (run npm install in the plugin folder?)' : ''}`);
      }
      const checked = kind === 'service' ? { kind, file, mod: checkService(file, mod) } : { kind, file, mod: checkInterceptor(file, mod) };
      const name = checked.mod.options.name;
      const other = names.get(name);
      if (other) throw new PluginError(file, `the name ${name} is taken by ${other}`);
      names.set(name, file);
      found.push({ ...checked, name } as Found);
    }
  }
  return found;
}

/** Names of the plugins' configuration sections (for the unknown-key warnings). */
export async function pluginNames(cfg: Config): Promise<string[]> {
  return (await readPlugins(cfg)).map((p) => p.name);
}

/** Loads the plugins and registers the enabled ones; errors name the plugin's file. */
export async function registerPlugins(
  cfg: Config, engine: Engine, log: Logger, registries: { services: ServiceRegistry; interceptors: InterceptorRegistry },
): Promise<void> {
  const plugins = await readPlugins(cfg);
  if (plugins.length === 0) return;
  const client = dataClient(engine);
  const timeLimitMs = Math.max(1, getNumber(section(cfg, 'docrest'), 'default-time-limit', 30_000));
  let requestPointInterceptors = false;
  for (const p of plugins) {
    const args = isMap(cfg.raw[p.name]) ? cfg.raw[p.name] as Record<string, unknown> : {};
    if (!getBool(args, 'enabled', true)) {
      log.info(`plugin ${p.name} (${p.file}) is disabled by its configuration`);
      continue;
    }
    const ctx: PluginContext = { name: p.name, file: p.file, args, logger: pluginLogger(log, p.name), client, timeLimitMs, log };
    try {
      if (p.kind === 'service') registries.services.register(jsService(p.mod, ctx));
      else {
        const i = jsInterceptor(p.mod, ctx);
        requestPointInterceptors ||= i.interceptPoint.startsWith('REQUEST');
        registries.interceptors.register(i);
      }
    } catch (e) {
      throw new PluginError(p.file, (e as Error).message);
    }
    log.info(`plugin ${p.kind} ${p.name} loaded from ${p.file}`);
  }
  if (requestPointInterceptors) registries.interceptors.register(pendingHeadersInterceptor);
}
