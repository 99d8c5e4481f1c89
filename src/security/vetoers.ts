// Vetoers (SECURITY.md §6.3, §6.4, §4): originVetoer, filterOperatorsBlacklist, and the brute-force
// guard that turns repeated failed logins from one address into 429.
import { getBool, getList, getNumber, section, type Config } from '../config/load.ts';
import { isPlainObject } from '../engine/values.ts';
import type { PredicateRequest } from './predicates.ts';

export class OriginVetoer {
  readonly enabled: boolean;
  private readonly whitelist: string[];
  private readonly patterns: RegExp[];
  private readonly ignore: RegExp[];
  private readonly allowMissing: boolean;

  constructor(cfg: Config) {
    const s = section(cfg, 'originVetoer');
    this.enabled = getBool(s, 'enabled', false);
    this.whitelist = getList(s, 'whitelist', []).map((o) => normalise(String(o)));
    this.patterns = getList(s, 'whitelist-patterns', []).map((p) =>
      new RegExp(`^${String(p).split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i'));
    // templates are lower-cased at start-up and the path is not, so only lower-case paths match (as RESTHeart)
    this.ignore = getList(s, 'ignore-paths', []).map((t) =>
      new RegExp(`^${String(t).toLowerCase().split('/').map((seg) => (/^\{.*\}$/.test(seg) ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`));
    this.allowMissing = getBool(s, 'allow-missing-origin', true);
  }

  allows(req: PredicateRequest): boolean {
    if (!this.enabled) return true;
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined) return true;
    if (this.ignore.some((r) => r.test(req.path))) return true;
    if (this.whitelist.length === 0 && this.patterns.length === 0) return true;
    if (origin === undefined) return this.allowMissing;
    const o = normalise(Array.isArray(origin) ? origin[0]! : origin);
    return this.whitelist.some((w) => o.startsWith(w)) || this.patterns.some((p) => p.test(o.slice(0, -1)));
  }
}

function normalise(origin: string): string {
  return `${origin.toLowerCase().replace(/\/+$/, '')}/`;
}

/** True when the filter uses a blacklisted operator at any depth. */
export function usesBlacklisted(filter: unknown, blacklist: string[], depth = 0): boolean {
  if (depth > 100) return true;
  if (Array.isArray(filter)) return filter.some((f) => usesBlacklisted(f, blacklist, depth + 1));
  if (!isPlainObject(filter)) return false;
  return Object.entries(filter).some(([k, v]) => blacklist.includes(k) || usesBlacklisted(v, blacklist, depth + 1));
}

/** bruteForceAttackGuard: more than max-failed-attempts failures in 10 s from one address → 429. */
export class BruteForceGuard {
  readonly enabled: boolean;
  private readonly max: number;
  private readonly trustXff: boolean;
  private readonly xffFromLast: number;
  private readonly failures = new Map<string, number[]>();

  constructor(cfg: Config) {
    const s = section(cfg, 'bruteForceAttackGuard');
    this.enabled = getBool(s, 'enabled', false);
    this.max = getNumber(s, 'max-failed-attempts', 5);
    this.trustXff = getBool(s, 'trust-x-forwarded-for', false);
    this.xffFromLast = getNumber(s, 'x-forwarded-for-value-from-last-element', 0);
  }

  private address(req: PredicateRequest): string {
    const xff = req.headers['x-forwarded-for'];
    if (this.trustXff && typeof xff === 'string') {
      const parts = xff.split(',').map((p) => p.trim());
      return parts[Math.max(0, parts.length - 1 - this.xffFromLast)] ?? req.remoteIp;
    }
    return req.remoteIp;
  }

  private recent(addr: string): number[] {
    const cutoff = Date.now() - 10_000;
    const list = (this.failures.get(addr) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(addr, list);
    else this.failures.delete(addr);
    return list;
  }

  blocked(req: PredicateRequest): boolean {
    return this.enabled && this.recent(this.address(req)).length > this.max;
  }

  failed(req: PredicateRequest): void {
    if (!this.enabled) return;
    const addr = this.address(req);
    if (this.failures.size > 100_000) this.failures.clear();
    this.failures.set(addr, [...this.recent(addr), Date.now()]);
  }
}
