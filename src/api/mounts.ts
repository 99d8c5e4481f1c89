// mongo-mounts (API.md §1.2): request path ↔ MongoDB resource path. Prefix mounts only;
// path-template mounts (`/{tenant}/*`) answer 501 until they are built.
import type { Mount } from '../settings.ts';

export interface MountMatch {
  /** mongo resource path, e.g. /restheart/inventory/1 */
  mongoPath: string;
  /** turns a mongo resource path back into request space (for Location, links, HAL hrefs) */
  toRequestPath: (mongoPath: string) => string;
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') : p;
}

function join(prefix: string, rest: string): string {
  if (prefix === '/' || prefix === '') return rest.startsWith('/') ? rest : `/${rest}`;
  if (rest === '/' || rest === '') return prefix;
  return `${prefix}${rest.startsWith('/') ? '' : '/'}${rest}`;
}

/** True when `path` equals `prefix` or continues it at a segment boundary. */
function underPrefix(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

export class Mounts {
  private readonly mounts: Array<{ what: string; where: string }>;
  readonly templated: boolean;

  constructor(mounts: Mount[], mongoUri: string) {
    const base = trimSlash(mongoUri || '/');
    this.templated = mounts.some((m) => m.where.includes('{'));
    this.mounts = mounts
      .filter((m) => m.where.startsWith('/') && (m.what === '*' || m.what.startsWith('/')))
      .map((m) => ({ what: m.what === '*' ? '*' : trimSlash(m.what), where: trimSlash(join(base, m.where)) }))
      // longest `where` wins
      .sort((a, b) => b.where.length - a.where.length);
  }

  resolve(requestPath: string): MountMatch | undefined {
    const path = trimSlash(requestPath) || '/';
    if (path === '/_sessions' || path.startsWith('/_sessions/')) {
      return { mongoPath: path, toRequestPath: (p) => p };
    }
    for (const m of this.mounts) {
      if (!underPrefix(path, m.where)) continue;
      const rest = m.where === '/' ? path : path.slice(m.where.length) || '/';
      const mongoPath = m.what === '*' ? rest : join(m.what, rest);
      return { mongoPath, toRequestPath: (p) => this.reverse(m, p) };
    }
    return undefined;
  }

  private reverse(m: { what: string; where: string }, mongoPath: string): string {
    if (m.what === '*') return join(m.where, mongoPath);
    if (!underPrefix(mongoPath, m.what)) return mongoPath;
    return join(m.where, mongoPath.slice(m.what.length) || '/');
  }
}
