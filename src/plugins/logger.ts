// LOGGER as RESTHeart's plugins use it (SLF4J): `LOGGER.debug('got {} from {}', a, b)`, on a pino
// child logger named after the plugin.
import { inspect } from 'node:util';
import type { Logger } from 'pino';
import type { PluginLogger } from './api.ts';

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    // cycles, BigInt
    return inspect(v, { depth: 4, breakLength: Infinity });
  }
}

/** `{}` placeholders filled in order; arguments left over (an error, say) are appended rather than lost. */
export function format(msg: unknown, args: unknown[]): string {
  let i = 0;
  const text = String(msg).replace(/\{\}/g, (m) => (i < args.length ? show(args[i++]) : m));
  return i < args.length ? `${text} ${args.slice(i).map(show).join(' ')}` : text;
}

export function pluginLogger(log: Logger, plugin: string): PluginLogger {
  const child = log.child({ plugin });
  const at = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (msg: string, ...args: unknown[]) => {
    if (child.isLevelEnabled(level)) child[level](format(msg, args));
  };
  return {
    trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'),
    isDebugEnabled: () => child.isLevelEnabled('debug'),
    isTraceEnabled: () => child.isLevelEnabled('trace'),
  };
}
