// Bulk writes (API.md §7.6): POST of an array, PATCH and DELETE on `coll/*?filter=`.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BulkOperation, BulkResult } from '../../engine/types.ts';
import { Int32, ObjectId, type Document } from '../../engine/values.ts';
import { DUPLICATE_KEY, badRequest } from '../../errors.ts';
import { childPath, etagHeader, newEtag, type ApiResponse, type MongoRequest } from '../context.ts';
import { idLink } from '../ids.ts';
import { requireColl, requireDb } from '../meta.ts';
import { bulkResult } from '../representation.ts';
import { checkWrite, collectionSchema, refuseBulkPatch } from '../schema-check.ts';
import { documentFromBody, updateFromBody } from '../write-body.ts';
import { httpStatusOfEngineCode } from '../../http/engine-errors.ts';

/** how long preparing a bulk or its answer holds the event loop before other requests get a turn, in ms */
const SLICE_MS = 2;

/** Maps a bulk's items a slice at a time: thousands of documents would hold the loop for tens of ms. */
async function mapInSlices<T, U>(items: readonly T[], f: (item: T) => U): Promise<U[]> {
  const out: U[] = [];
  let start = performance.now();
  for (const item of items) {
    out.push(f(item));
    if ((out.length & 63) === 0 && performance.now() - start >= SLICE_MS) {
      await nextTurn();
      start = performance.now();
    }
  }
  return out;
}

interface Counts {
  inserted: number;
  links: string[];
  deleted: number;
  modified: number;
  matched: number;
  errors?: Document[];
}

async function counts(req: MongoRequest, r: BulkResult, collMongoPath: string): Promise<Counts> {
  const ids = [...r.insertedIds.entries(), ...r.upsertedIds.entries()].sort((a, b) => a[0] - b[0]);
  const out: Counts = {
    inserted: r.insertedCount + r.upsertedCount,
    links: await mapInSlices(ids, ([, id]) => childPath(req, collMongoPath, idLink(id))),
    deleted: r.deletedCount,
    modified: r.modifiedCount,
    matched: r.matchedCount,
  };
  if (r.writeErrors.length) {
    out.errors = r.writeErrors.map((e) => e.code === DUPLICATE_KEY
      ? { index: new Int32(e.index), httpStatus: new Int32(409) }
      : { index: new Int32(e.index), mongodbErrorCode: new Int32(e.code), httpStatus: new Int32(httpStatusOfEngineCode(e.code)), message: e.message });
  }
  return out;
}

function asBody(c: Counts): Document {
  const body: Document = {
    inserted: new Int32(c.inserted), links: c.links, deleted: new Int32(c.deleted),
    modified: new Int32(c.modified), matched: new Int32(c.matched),
  };
  if (c.errors) body.errors = c.errors;
  return body;
}

export async function postBulk(req: MongoRequest, docs: Document[]): Promise<ApiResponse> {
  const coll = req.engine.db(req.resource.db!).collection(req.resource.coll!);
  const etag = newEtag();
  const wm = req.params.writeMode ?? 'insert';
  const bodies = await mapInSlices(docs, (d) => {
    const { _etag: _ignored, ...fields } = documentFromBody(d);
    return fields;
  });
  // as RESTHeart: one document violating the schema fails the whole request, nothing is written
  await checkWrite(req, bodies);
  const ops: BulkOperation[] = await mapInSlices(bodies, (fields) => {
    const doc: Document = { _id: fields._id ?? new ObjectId(), ...fields, _etag: etag };
    if (wm === 'insert') return { insertOne: { document: doc } };
    // as for single writes, the writeFilter (in params.filter) must match the replaced document
    const filter = req.params.filter ? { $and: [{ _id: doc._id }, req.params.filter] } : { _id: doc._id };
    return { replaceOne: { filter, replacement: doc, upsert: wm === 'upsert' } };
  });
  const c = await counts(req, await coll.bulkWrite(ops), req.mongoPath);
  return { status: c.errors ? 207 : 200, body: bulkResult(req, asBody(c)), headers: etagHeader(etag) };
}

function bulkFilter(req: MongoRequest): Document {
  if (!req.params.raw.has('filter')) throw badRequest('filter parameter is mandatory for bulk write requests');
  return req.params.filter!;
}

/** The collection of a bulk resource `coll/*`, as a mongo path. */
function collPath(req: MongoRequest): string {
  return req.mongoPath.replace(/\/\*$/, '');
}

export async function patchBulk(req: MongoRequest): Promise<ApiResponse> {
  const filter = bulkFilter(req);
  await requireColl(req);
  refuseBulkPatch(await collectionSchema(req));
  const body = req.body().value;
  if (body === undefined || (!Array.isArray(body) && Object.keys(body).length === 0)) throw badRequest('no data provided');
  // bulk PATCH keeps each document's _etag (RESTHeart source behaviour)
  const update = updateFromBody(body, {});
  const r = await req.engine.db(req.resource.db!).collection(req.resource.coll!).bulkWrite([{ updateMany: { filter, update } }]);
  const c = await counts(req, r, collPath(req));
  return { status: c.errors ? 207 : 200, body: bulkResult(req, asBody(c)) };
}

export async function deleteBulk(req: MongoRequest): Promise<ApiResponse> {
  const filter = bulkFilter(req);
  await requireColl(req);
  const r = await req.engine.db(req.resource.db!).collection(req.resource.coll!).bulkWrite([{ deleteMany: { filter } }]);
  const c = await counts(req, r, collPath(req));
  return { status: c.errors ? 207 : 200, body: bulkResult(req, asBody(c)) };
}
