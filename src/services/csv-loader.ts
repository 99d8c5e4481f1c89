// RESTHeart's csvLoader (`POST /csv?db=&coll=`, API.md §13): a CSV body imported into a
// collection. Insert mode adds each row as a document; update mode (`update`, needs `id`) sets
// each row's fields on the document with its _id (plus the row's `_filter` object, if any),
// creating it unless `upsert=false`. `props`/`values` add fields to every row. 200 with no body
// once written, 304 when the CSV has no rows, as RESTHeart. The whole CSV is parsed and checked
// before the first write, so a bad line writes nothing.
import { checkNames } from '../api/resource.ts';
import type { BulkOperation, BulkResult, Engine } from '../engine/types.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import { DUPLICATE_KEY, HttpError, badRequest } from '../errors.ts';
import { httpStatusOfEngineCode } from '../http/engine-errors.ts';
import type { Exchange } from '../http/exchange.ts';
import type { ServiceResponse } from '../http/response.ts';
import type { Service } from '../http/service-registry.ts';
import type { CsvLoaderSettings } from './config.ts';
import { cellValue, csvDocuments } from './csv-parse.ts';

const ERROR_QPARAM = 'query parameters: db=<db_name> *required, coll=<collection_name> *required, '
  + 'id=<id_column_index> optional (default: no _id column, each row will get an new ObjectId), '
  + 'sep=<column_separator> optional (default: ,), '
  + 'props=<props> optional (default: no props) additional props to add to each row, '
  + 'values=<values> optional (default: no values) values of additional props to add to each row, '
  + 'update=<value> optional (default: false). if true, update matching documents (requires id to be set), '
  + 'upsert=<value> optional (default: true). when update=true, create new documents when not matching existing ones.';

/** Operations per engine call: the event loop gets a turn between batches (1000 inserts kept the embedded engine busy for ~150 ms at once). */
const BATCH = 100;

interface Params {
  db: string;
  coll: string;
  idIdx: number;
  sep: string;
  update: boolean;
  upsert: boolean;
  extra: [string, unknown][];
}

function paramsOf(query: string): Params {
  const q = new URLSearchParams(query);
  const id = q.get('id') ?? '-1';
  const sep = q.get('sep') ?? ',';
  if (!/^[+-]?\d{1,9}$/.test(id) || sep === '') throw badRequest(ERROR_QPARAM);
  const db = q.get('db');
  if (!db) throw badRequest('db qparam is mandatory');
  const coll = q.get('coll');
  if (!coll) throw badRequest('coll qparam is mandatory');
  const update = q.has('update') && (q.get('update') === '' || q.get('update')!.toLowerCase() === 'true');
  const idIdx = Number(id);
  if (update && idIdx < 0) throw badRequest('id must be set when update=true');
  const props = q.getAll('props');
  const values = q.getAll('values');
  return {
    db, coll, idIdx, sep, update,
    upsert: !q.has('upsert') || q.get('upsert')!.toLowerCase() === 'true',
    // pairs as long as both lists last, as RESTHeart
    extra: props.slice(0, values.length).map((p, i) => [p, cellValue(values[i]!, false)]),
  };
}

function charsetOf(contentType: string): string {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m ? m[1]! : 'utf-8';
}

export class CsvLoader {
  private readonly s: CsvLoaderSettings;
  private readonly engine: Engine;
  private readonly bodyLimit: number;
  /** the users and ACL collections: written only through their own rules */
  private readonly guarded: ReadonlyArray<{ db: string; coll: string }>;

  constructor(s: CsvLoaderSettings, engine: Engine, bodyLimit: number, guarded: ReadonlyArray<{ db: string; coll: string }>) {
    this.s = s;
    this.engine = engine;
    this.bodyLimit = bodyLimit;
    this.guarded = guarded;
  }

  service(): Service {
    return {
      name: 'csvLoader', uri: this.s.uri, matchPolicy: 'PREFIX', secured: true,
      streamRequestBody: { limit: this.bodyLimit },
      handle: (ex) => this.handle(ex),
    };
  }

  private async handle(ex: Exchange): Promise<ServiceResponse> {
    const type = String(ex.headers['content-type'] ?? '');
    if (!/^text\/csv\s*(;|$)/i.test(type)) throw badRequest('Content-Type must be text/csv');
    if (ex.method !== 'POST') throw new HttpError(501, 'Only POST method is supported');
    const p = paramsOf(ex.query);
    const nameError = checkNames({ type: 'COLLECTION', db: p.db, coll: p.coll });
    if (nameError) throw nameError;
    if (this.guarded.some((g) => g.db === p.db && g.coll === p.coll)) {
      throw new HttpError(403, 'the users and ACL collections cannot be written by a CSV import');
    }
    const docs = await csvDocuments(ex.requestStream(), charsetOf(type), { sep: p.sep, idIdx: p.idIdx });
    if (docs.length === 0) return { status: 304 };
    for (const d of docs) for (const [k, v] of p.extra) Object.defineProperty(d, k, { value: v, enumerable: true, writable: true, configurable: true });
    await this.write(p, docs);
    return { status: 200 };
  }

  private async write(p: Params, docs: Document[]): Promise<void> {
    const coll = this.engine.db(p.db).collection(p.coll);
    const ops: BulkOperation[] = docs.map((doc) => {
      if (!p.update) return { insertOne: { document: doc } };
      const { _id, _filter, ...fields } = doc;
      const filter: Document = { _id, ...(isPlainObject(_filter) ? _filter : {}) };
      return { updateOne: { filter, update: { $set: fields }, upsert: p.upsert } };
    });
    for (let i = 0; i < ops.length; i += BATCH) {
      const batch = ops.slice(i, i + BATCH);
      const r = await coll.bulkWrite(batch);
      if (r.writeErrors.length) throw failed(r, i, ops.length - i - batch.length);
    }
  }
}

/**
 * A batch with failed rows stops the import: the batch's other rows are written (its writes are
 * unordered, where RESTHeart's insertMany stops at the first failure); later rows are not tried.
 */
function failed(r: BulkResult, offset: number, notTried: number): HttpError {
  const first = r.writeErrors[0]!;
  const status = first.code === DUPLICATE_KEY ? 409 : httpStatusOfEngineCode(first.code);
  return new HttpError(status, `row ${offset + first.index + 1} (1 = the first line after the header): ${first.message}`, {
    extra: { 'rows failed': r.writeErrors.length, 'rows not tried': notTried },
  });
}

export function csvLoaderService(s: CsvLoaderSettings, engine: Engine, bodyLimit: number, guarded: ReadonlyArray<{ db: string; coll: string }>): Service | undefined {
  return s.enabled ? new CsvLoader(s, engine, bodyLimit, guarded).service() : undefined;
}
