// Query parameters of the MongoDB API (API.md §4), parsed into a typed object. Errors are
// recorded, not thrown: RESTHeart reports them only after authentication/authorization (§2).
import { HttpError, badRequest } from '../errors.ts';
import type { Sort } from '../engine/types.ts';
import { isPlainObject, numberOf, isNumeric, type Document } from '../engine/values.ts';
import { parseJson } from '../json/parse.ts';
import { parseJsonMode, type JsonMode } from '../json/render.ts';
import type { Representation, Settings } from '../settings.ts';

export type IdType = 'OID' | 'STRING_OID' | 'STRING' | 'NUMBER' | 'DATE' | 'MINKEY' | 'MAXKEY' | 'NULL' | 'BOOLEAN';
export type WriteMode = 'insert' | 'update' | 'upsert';
const ID_TYPES: IdType[] = ['OID', 'STRING_OID', 'STRING', 'NUMBER', 'DATE', 'MINKEY', 'MAXKEY', 'NULL', 'BOOLEAN'];

export interface QueryParams {
  raw: URLSearchParams;
  page: number;
  pagesize: number;
  filter?: Document;
  keys?: Document;
  sort: Sort;
  hint?: string | Document;
  count: boolean;
  countEstimated: boolean;
  idType: IdType;
  writeMode?: WriteMode;
  checkEtag: boolean;
  rep: Representation;
  halFull: boolean;
  np: boolean;
  jsonMode: JsonMode;
  /** the first validation error, reported after security */
  error?: HttpError;
}

class ParamError extends Error {
  readonly http: HttpError;
  constructor(http: HttpError) {
    super(http.message);
    this.http = http;
  }
}

function fail(message: string, extra?: Record<string, unknown>): never {
  throw new ParamError(badRequest(message, extra ? { extra } : undefined));
}

function parseInteger(v: string, name: string): number {
  if (!/^[+-]?\d+$/.test(v.trim())) {
    fail(`illegal ${name} parameter, it is not a number`, {
      exception: 'java.lang.NumberFormatException', 'exception message': `For input string: '${v}'`,
    });
  }
  return Number(v);
}

function jsonObjects(values: string[], name: string, emptyObjectMsg?: string): Document[] {
  return values.map((v) => {
    if (v.trim() === '') fail(`illegal ${name} parameter (empty)`);
    let parsed: unknown;
    try {
      parsed = parseJson(v);
    } catch (e) {
      fail(`illegal ${name} parameter: ${v}, ${(e as Error).message}`);
    }
    if (!isPlainObject(parsed)) fail(`illegal ${name} parameter, it is not a json object: ${v}`);
    if (emptyObjectMsg && Object.keys(parsed).length === 0) fail(emptyObjectMsg);
    return parsed;
  });
}

function parseSort(values: string[]): Sort {
  const sort: Sort = [];
  for (const v of values) {
    const s = v.trim();
    if (s === '') fail('Illegal sort parameter');
    if (s.startsWith('{')) {
      let o: unknown;
      try {
        o = parseJson(s);
      } catch {
        fail('Invalid sort parameter');
      }
      if (!isPlainObject(o)) fail('Invalid sort parameter');
      for (const [field, dir] of Object.entries(o)) {
        const d = isNumeric(dir) ? numberOf(dir) : Number.NaN;
        if (d !== 1 && d !== -1) fail('Invalid sort parameter');
        sort.push([field, d]);
      }
    } else if (s.startsWith('-')) sort.push([s.slice(1), -1]);
    else sort.push([s.startsWith('+') ? s.slice(1) : s, 1]);
  }
  return sort;
}

function parseHint(values: string[]): string | Document {
  const v = values[values.length - 1]!.trim();
  if (v === '') fail('illegal hint parameter');
  if (v.startsWith('{')) return jsonObjects([v], 'hint')[0]!;
  if (v.startsWith('-')) return { [v.slice(1)]: -1 };
  if (v.startsWith('+')) return { [v.slice(1)]: 1 };
  return v;
}

function representation(v: string | null, dflt: Representation): Representation {
  switch ((v ?? '').toUpperCase()) {
    case 'STANDARD': case 'S': return 'STANDARD';
    case 'HAL': return 'HAL';
    case 'SHAL': case 'PLAIN_JSON': case 'PJ': return 'SHAL';
    default: return dflt;
  }
}

// shared by every request without a query; nothing writes to QueryParams.raw
const NO_QUERY = new URLSearchParams();

export function parseParams(query: string, s: Settings): QueryParams {
  // most requests have no query: the defaults, without a dozen lookups
  if (query === '') {
    return {
      raw: NO_QUERY, page: 1, pagesize: s.defaultPagesize, sort: [['_id', -1]], count: false, countEstimated: false, idType: 'STRING_OID',
      checkEtag: false, rep: s.defaultRepresentation, halFull: false, np: false, jsonMode: 'default',
    };
  }
  const raw = new URLSearchParams(query);
  const first = (k: string) => raw.get(k);
  const all = (k: string) => raw.getAll(k);
  const p: QueryParams = {
    raw,
    page: 1,
    pagesize: s.defaultPagesize,
    sort: [['_id', -1]],
    count: raw.has('count'),
    countEstimated: first('count')?.toLowerCase() === 'estimated',
    idType: 'STRING_OID',
    checkEtag: raw.has('checkEtag'),
    rep: representation(first('rep'), s.defaultRepresentation),
    halFull: false,
    np: raw.has('np'),
    jsonMode: parseJsonMode(first('jsonMode') ?? undefined),
  };
  const wm = (first('writeMode') ?? first('wm'))?.toLowerCase();
  if (wm === 'insert' || wm === 'update' || wm === 'upsert') p.writeMode = wm;
  try {
    if (raw.has('page')) {
      p.page = parseInteger(first('page')!, 'page');
      if (p.page < 1) fail('illegal page parameter, it is < 1');
    }
    if (raw.has('pagesize')) {
      p.pagesize = parseInteger(first('pagesize')!, 'pagesize');
      if (p.pagesize < 0 || p.pagesize > s.maxPagesize) {
        fail(`illegal pagesize parameter, pagesize must be >= 0 and <= ${s.maxPagesize}`);
      }
    }
    if (raw.has('filter')) {
      const filters = jsonObjects(all('filter'), 'filter', 'illegal filter parameter (empty json object)');
      p.filter = filters.length === 1 ? filters[0] : { $and: filters };
    }
    if (raw.has('keys')) p.keys = Object.assign({}, ...jsonObjects(all('keys'), 'keys'));
    const sortValues = raw.has('sort_by') ? all('sort_by') : all('sort');
    if (sortValues.length) p.sort = parseSort(sortValues);
    if (raw.has('hint')) p.hint = parseHint(all('hint'));
    if (raw.has('id_type')) {
      const t = first('id_type')!.toUpperCase() as IdType;
      if (!ID_TYPES.includes(t)) fail(`illegal id_type parameter; must be [${ID_TYPES.join(', ')}]`);
      p.idType = t;
    }
    if (raw.has('hal')) {
      const h = first('hal')!.toUpperCase();
      if (!['F', 'FULL', 'C', 'COMPACT'].includes(h)) fail('illegal hal parameter; valid values are [FULL, F, COMPACT, C]');
      p.halFull = h === 'F' || h === 'FULL';
    }
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    p.error = e.http;
  }
  return p;
}
