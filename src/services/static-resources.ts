// RESTHeart's static resources (`static-resources`): a directory served at a URI, as Undertow's
// ResourceHandler does it for RESTHeart — GET and POST serve, HEAD the headers alone, a directory
// needs a welcome file (else 403) and a trailing slash (else 302 to it), a file path ending in /
// is 404, one byte range (206, 416), If-Match/If-Unmodified-Since (412) and
// If-None-Match/If-Modified-Since (304). Files stream from disk with backpressure. No request
// leaves the directory: `.`/`..` segments are refused by the http stage, encoded separators and
// NUL bytes here, and a symlink is followed only when its target is inside the directory.
import { createReadStream, realpathSync, statSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { contentType } from 'mime-types';
import { combineRanges, parse as parseRange } from 'range-parser';
import { ConfigError } from '../config/load.ts';
import { HttpError, badRequest } from '../errors.ts';
import type { Exchange } from '../http/exchange.ts';
import type { ServiceResponse } from '../http/response.ts';
import type { Service } from '../http/service-registry.ts';
import type { StaticResourceSettings } from './config.ts';

/** Undertow's welcome files, before the configured one. */
const WELCOME_FILES = ['index.html', 'index.htm', 'default.html', 'default.htm'];

interface Found {
  file: string;
  stats: Stats;
}

function notFound(path: string): HttpError {
  return new HttpError(404, `no static resource at ${path}`);
}

/** The weak validator send/serve-static use: size and modification time. */
function etagOf(s: Stats): string {
  return `W/"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;
}

function header(ex: Exchange, name: string): string | undefined {
  const v = ex.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** If-Match (a weak validator never matches strongly: only `*` passes) and If-Unmodified-Since. */
function preconditionFails(ex: Exchange, s: Stats): boolean {
  const ifMatch = header(ex, 'if-match');
  if (ifMatch !== undefined && ifMatch.trim() !== '*') return true;
  const since = Date.parse(header(ex, 'if-unmodified-since') ?? '');
  return !Number.isNaN(since) && Math.floor(s.mtimeMs / 1000) * 1000 > since;
}

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/**
 * If-None-Match (weak comparison), else If-Modified-Since, on GET and HEAD (RFC 9110 §13.2.2).
 * A request's Cache-Control does not change the answer: it speaks to caches, and fetch() adds
 * no-cache to every conditional request.
 */
function notModified(ex: Exchange, etag: string, s: Stats): boolean {
  if (ex.method !== 'GET' && ex.method !== 'HEAD') return false;
  const noneMatch = header(ex, 'if-none-match');
  if (noneMatch !== undefined) return noneMatch.trim() === '*' || noneMatch.split(',').some((t) => opaque(t) === opaque(etag));
  const since = Date.parse(header(ex, 'if-modified-since') ?? '');
  return !Number.isNaN(since) && Math.floor(s.mtimeMs / 1000) * 1000 <= since;
}

export class StaticResources {
  private readonly root: string;
  private readonly realRoot: string;
  private readonly welcomeFiles: string[];
  private readonly s: StaticResourceSettings;

  constructor(s: StaticResourceSettings) {
    this.s = s;
    this.root = resolve(s.what);
    let st: Stats | undefined;
    try {
      st = statSync(this.root);
    } catch { /* reported below */ }
    if (!st?.isDirectory()) throw new ConfigError(`static-resources: ${s.what} (for ${s.where}) is not a directory`);
    this.realRoot = realpathSync(this.root);
    this.welcomeFiles = [...new Set([...WELCOME_FILES, s.welcomeFile])];
  }

  service(): Service {
    return {
      name: `static-resources ${this.s.where}`, uri: this.s.where, matchPolicy: 'PREFIX', secured: false,
      handle: (ex) => this.handle(ex),
    };
  }

  private async handle(ex: Exchange): Promise<ServiceResponse> {
    if (ex.method !== 'GET' && ex.method !== 'HEAD' && ex.method !== 'POST') {
      throw new HttpError(405, `method ${ex.method} not allowed on static resources`, { headers: { Allow: 'GET, HEAD, POST' } });
    }
    const rel = this.s.where === '/' ? ex.path : ex.path.slice(this.s.where.length);
    const segments = this.segments(rel);
    const found = segments && (await this.find(segments));
    if (!found) {
      const fallback = this.s.welcomeFileFallback && ex.method !== 'POST' && !(segments?.at(-1) ?? '').includes('.');
      const welcome = fallback ? await this.welcome(this.root) : undefined;
      if (!welcome) throw notFound(ex.path);
      return this.serve(ex, welcome);
    }
    if (found.stats.isDirectory()) {
      const welcome = await this.welcome(found.file);
      if (!welcome) throw new HttpError(403, `${ex.path} is a directory without a welcome file`);
      if (!ex.path.endsWith('/')) {
        return { status: 302, headers: { Location: `${ex.path}/${ex.query ? `?${ex.query}` : ''}` } };
      }
      return this.serve(ex, welcome);
    }
    if (rel.endsWith('/')) throw notFound(ex.path);
    return this.serve(ex, found);
  }

  /**
   * The decoded path segments below the root: a segment that could leave it is refused (400);
   * undefined when they name no file that may be served (an encoded separator, a dot file).
   */
  private segments(rel: string): string[] | undefined {
    const out: string[] = [];
    for (const raw of rel.split('/')) {
      if (raw === '') continue;
      let seg: string;
      try {
        seg = decodeURIComponent(raw);
      } catch {
        throw badRequest('illegal path: bad percent-encoding');
      }
      if (seg.includes('\0')) throw badRequest('illegal path: NUL byte');
      if (seg === '.' || seg === '..') throw badRequest('illegal path: . and .. segments are not allowed');
      if (seg.includes('/') || seg.includes('\\')) return undefined;
      // dot files (.env, .git, .htpasswd) are not served; .well-known is
      if (seg.startsWith('.') && seg !== '.well-known') return undefined;
      out.push(seg);
    }
    return out;
  }

  /** The file or directory at these segments, when it is inside the root (symlinks resolved). */
  private async find(segments: string[]): Promise<Found | undefined> {
    const file = join(this.root, ...segments);
    if (file !== this.root && !file.startsWith(this.root + sep)) return undefined;
    return this.inside(file);
  }

  private async inside(file: string): Promise<Found | undefined> {
    try {
      const stats = await stat(file);
      const real = await realpath(file);
      if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) return undefined;
      return stats.isFile() || stats.isDirectory() ? { file, stats } : undefined;
    } catch {
      return undefined;
    }
  }

  private async welcome(dir: string): Promise<Found | undefined> {
    for (const name of this.welcomeFiles) {
      const f = await this.inside(join(dir, name));
      if (f?.stats.isFile()) return f;
    }
    return undefined;
  }

  private serve(ex: Exchange, f: Found): ServiceResponse {
    const s = f.stats;
    const type = contentType(extname(f.file)) || 'application/octet-stream';
    const etag = etagOf(s);
    const lastModified = s.mtime.toUTCString();
    const headers: Record<string, string> = { ETag: etag, 'Last-Modified': lastModified, 'Accept-Ranges': 'bytes' };
    if (preconditionFails(ex, s)) throw new HttpError(412, 'precondition failed', { headers });
    const empty = () => Readable.from([]);
    if (notModified(ex, etag, s)) {
      return { kind: 'stream', status: 304, body: empty(), contentType: type, headers };
    }
    const range = this.range(ex, s, etag, lastModified);
    if (range === 'unsatisfiable') {
      throw new HttpError(416, `range not satisfiable (the file has ${s.size} bytes)`, { headers: { 'Content-Range': `bytes */${s.size}` } });
    }
    const { start, end } = range ?? { start: 0, end: s.size - 1 };
    const length = Math.max(0, end - start + 1);
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${s.size}`;
    const body = ex.method === 'HEAD' || length === 0 ? empty() : createReadStream(f.file, { start, end });
    return { kind: 'stream', status: range ? 206 : 200, body, contentType: type, length, headers };
  }

  /**
   * One satisfiable byte range; undefined serves the whole file (no Range, a malformed one, an
   * If-Range that does not match, several ranges); 'unsatisfiable' is 416.
   */
  private range(ex: Exchange, s: Stats, etag: string, lastModified: string): { start: number; end: number } | 'unsatisfiable' | undefined {
    const h = header(ex, 'range');
    if (h === undefined || ex.method === 'POST') return undefined;
    // a weak validator cannot make a range conditional: only the date can
    const ifRange = header(ex, 'if-range');
    if (ifRange !== undefined && (ifRange.trim() === etag || ifRange.trim() !== lastModified)) return undefined;
    const r = parseRange(s.size, h);
    if (r.type !== 'bytes' || (r.code & 1) !== 0) return undefined;
    if (r.ranges.length === 0) return r.code === 2 ? 'unsatisfiable' : undefined;
    const ranges = combineRanges(r.ranges);
    return ranges.length === 1 ? { start: ranges[0]!.start, end: ranges[0]!.end } : undefined;
  }
}

export function staticResourceServices(list: readonly StaticResourceSettings[]): Service[] {
  return list.map((s) => new StaticResources(s).service());
}
