// What a plugin's code sees around it: RESTHeart's globals (LOGGER, pluginArgs, mclient, and
// `require` for CommonJS modules from the plugin's own node_modules) resolved per plugin, and the
// bounds every call into a plugin runs within (time limit, errors → RESTHeart error bodies).
// The globals are getters on globalThis reading the calling plugin from an AsyncLocalStorage, so
// that plugins sharing one process (and one module cache) each see their own.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { HttpError } from '../errors.ts';
import type { DataClient, PluginLogger } from './api.ts';

export interface PluginContext {
  readonly name: string;
  /** the module's path, named in errors */
  readonly file: string;
  readonly args: Record<string, unknown>;
  readonly logger: PluginLogger;
  readonly client: DataClient;
  /** ms a call may take before the request is answered without it */
  readonly timeLimitMs: number;
  /** docrest's own logger: plugin failures are logged here with their stack */
  readonly log: Logger;
}

const current = new AsyncLocalStorage<PluginContext>();
/** the module being imported: its top-level code runs synchronously during the import */
let loading: string | undefined;
const requires = new Map<string, NodeJS.Require>();

function requireOf(file: string): NodeJS.Require {
  let r = requires.get(file);
  if (!r) requires.set(file, (r = createRequire(file)));
  return r;
}

let installed = false;

/** Defines the globals once per process; outside a plugin they are undefined. */
export function installGlobals(): void {
  if (installed) return;
  installed = true;
  const define = (name: string, get: () => unknown) => Object.defineProperty(globalThis, name, { get, configurable: true });
  define('LOGGER', () => current.getStore()?.logger);
  define('pluginArgs', () => current.getStore()?.args);
  define('mclient', () => current.getStore()?.client);
  define('require', () => {
    const file = current.getStore()?.file ?? loading;
    return file === undefined ? undefined : requireOf(file);
  });
}

/** Imports a plugin module with `require` available to its top-level code. */
export async function importModule(file: string, url: string): Promise<Record<string, unknown>> {
  loading = file;
  try {
    return await import(url) as Record<string, unknown>;
  } finally {
    loading = undefined;
  }
}

/** Runs a synchronous plugin function (resolve) as `ctx`. */
export function runSync<T>(ctx: PluginContext, fn: () => T): T {
  try {
    return current.run(ctx, fn);
  } catch (e) {
    throw pluginFailure(ctx, e);
  }
}

/** Runs a plugin's handle as `ctx`, bounded by its time limit; failures become HttpErrors. */
export async function runBounded(ctx: PluginContext, fn: () => unknown): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const out = current.run(ctx, fn);
    if (!(out instanceof Promise)) return;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HttpError(500, `plugin ${ctx.name} did not complete within ${ctx.timeLimitMs} ms`)), ctx.timeLimitMs);
    });
    await Promise.race([out, expired]);
  } catch (e) {
    throw pluginFailure(ctx, e);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A deliberate error (an Error with `statusCode` 400–599, or docrest's HttpError) keeps its status
 * and message; anything else is logged with its stack and answered 500 without details.
 */
function pluginFailure(ctx: PluginContext, e: unknown): HttpError {
  if (e instanceof HttpError) {
    if (e.status >= 500) ctx.log.error({ plugin: ctx.name, file: ctx.file }, e.message);
    return e;
  }
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  if (e instanceof Error && typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) {
    if (status >= 500) ctx.log.error({ plugin: ctx.name, file: ctx.file, err: e }, 'plugin failed');
    return new HttpError(status, e.message);
  }
  ctx.log.error({ plugin: ctx.name, file: ctx.file, err: e instanceof Error ? e : new Error(String(e)) }, 'plugin failed');
  return new HttpError(500, 'Error handling the request, see log for more information');
}
