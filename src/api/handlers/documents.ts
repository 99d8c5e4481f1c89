// DOCUMENT GET/PUT/PATCH/DELETE and single-document POST (API.md §7.3–§7.5).
import type { Filter, UpdateResult } from '../../engine/types.ts';
import { valuesEqual, type Document } from '../../engine/values.ts';
import { HttpError, badRequest, notFound } from '../../errors.ts';
import { childPath, etagHeader, newEtag, type ApiResponse, type MongoRequest } from '../context.ts';
import { idForMessage, idFromUrl, idLink } from '../ids.ts';
import { checkEtag, etagMatches, requireColl } from '../meta.ts';
import { checkWrite, collectionSchema, validatedUpdate } from '../schema-check.ts';
import { documentFromBody, updateFromBody } from '../write-body.ts';

/** Missing write targets answer 404 with no body (API.md §3.6). */
const missing = () => new HttpError(404, '', { noBody: true });

function docFilter(req: MongoRequest, id: unknown): Filter {
  const f = req.params.filter;
  return f ? { $and: [{ _id: id }, f] } : { _id: id };
}

function target(req: MongoRequest) {
  const id = idFromUrl(req.resource.docId!, req.params.idType);
  const coll = req.engine.db(req.resource.db!).collection(req.resource.coll!);
  return { id, coll, filter: docFilter(req, id) };
}

async function prepare(req: MongoRequest) {
  await requireColl(req);
  return target(req);
}

export async function getDocument(req: MongoRequest): Promise<ApiResponse> {
  let t: ReturnType<typeof target>;
  try {
    t = target(req);
  } catch (e) {
    await requireColl(req); // a missing collection is reported before a bad id, as for other methods
    throw e;
  }
  const { id, coll, filter } = t;
  const doc = await coll.findOne(filter, { projection: req.params.keys });
  if (!doc) {
    // a document found proves its collection exists; only a miss needs to say which is missing
    await requireColl(req);
    throw notFound(`document ${idForMessage(id)} does not exist`);
  }
  const etag = doc._etag ?? (await coll.findOne({ _id: id }, { projection: { _etag: 1 } }))?._etag;
  if (etagMatches(req.headers['if-none-match'], etag)) return { status: 304, headers: etagHeader(etag) };
  return { status: 200, body: req.shape ? req.shape(doc) : doc, headers: etagHeader(etag) };
}

function bodyObject(req: MongoRequest): Document {
  const body = req.body().value;
  if (Array.isArray(body)) throw badRequest('request content must be a Json object');
  return body ?? {};
}

/**
 * Runs the ETag check against the stored document and returns it (null when missing). A document
 * outside the permission's writeFilter counts as missing: neither its existence nor its ETag shows.
 */
async function checkedCurrent(req: MongoRequest, filter: Filter): Promise<Document | null> {
  const coll = req.engine.db(req.resource.db!).collection(req.resource.coll!);
  const current = await coll.findOne(filter, { projection: { _etag: 1 } });
  await checkEtag(req, 'doc', current);
  return current;
}

/** The stored _etag must still be the one checked, so a concurrent write cannot slip in between. */
function guarded(filter: Filter, current: Document | null, req: MongoRequest): Filter {
  return current?._etag !== undefined && req.headers['if-match'] !== undefined ? { $and: [filter, { _etag: current._etag }] } : filter;
}

/**
 * A write that matched nothing failed its If-Match (the document changed since it was checked)
 * when the document exists, else targeted a missing document.
 */
function notMatched(req: MongoRequest, current: Document | null): HttpError {
  return current && req.headers['if-match'] !== undefined ? new HttpError(412, '', { noBody: true }) : missing();
}

function outcome(req: MongoRequest, r: UpdateResult, current: Document | null, etag: unknown): ApiResponse {
  if (r.upsertedCount) return { status: 201, headers: etagHeader(etag) };
  if (!r.matchedCount) throw notMatched(req, current);
  return { status: 200, headers: etagHeader(etag) };
}

export async function putDocument(req: MongoRequest): Promise<ApiResponse> {
  const { id, coll, filter } = await prepare(req);
  const body = bodyObject(req);
  if (body._id !== undefined && !valuesEqual(body._id, id)) throw badRequest('_id in content body is different than id in URL');
  const { _etag: _ignored, ...fields } = documentFromBody(body);
  await checkWrite(req, [fields]);
  const current = await checkedCurrent(req, filter);
  const etag = newEtag();
  const doc = { ...fields, _id: id, _etag: etag };
  const wm = req.params.writeMode ?? 'update';
  if (wm === 'insert') {
    await coll.insertOne(doc);
    return { status: 201, headers: etagHeader(etag) };
  }
  const r = await coll.replaceOne(guarded(filter, current, req), doc, { upsert: wm === 'upsert' });
  return outcome(req, r, current, etag);
}

export async function patchDocument(req: MongoRequest): Promise<ApiResponse> {
  const { id, coll, filter } = await prepare(req);
  const body = req.body().value;
  if (body === undefined || (!Array.isArray(body) && Object.keys(body).length === 0)) throw badRequest('no data provided');
  if (!Array.isArray(body) && body._id !== undefined && !valuesEqual(body._id, id)) {
    throw badRequest('_id in json data cannot be different than id in URL');
  }
  const current = await checkedCurrent(req, filter);
  const etag = newEtag();
  const update = updateFromBody(body, { _etag: etag });
  const wm = req.params.writeMode ?? 'update';
  // insert mode is an upsert on a filter nothing can match: it creates, or fails on a duplicate _id
  const target = wm === 'insert' ? { _id: id, _docrest_never: { $in: [] } } : guarded(filter, current, req);
  const schema = await collectionSchema(req);
  const r = schema ? await validatedUpdate(req, schema, coll, target, id, update, wm)
    : await coll.updateOne(target, update, { upsert: wm !== 'update' });
  return outcome(req, r, current, etag);
}

export async function deleteDocument(req: MongoRequest): Promise<ApiResponse> {
  const { coll, filter } = await prepare(req);
  const current = await checkedCurrent(req, filter);
  const r = await coll.deleteOne(guarded(filter, current, req));
  if (!r.deletedCount) throw notMatched(req, current);
  return { status: 204 };
}

export async function postDocument(req: MongoRequest, body: Document): Promise<ApiResponse> {
  const { db, coll: collName } = req.resource;
  const coll = req.engine.db(db!).collection(collName!);
  const idType = req.params.idType;
  if (body._id === undefined && idType !== 'STRING_OID' && idType !== 'OID') {
    throw badRequest(`_id in content body is mandatory for documents with id type ${idType}`);
  }
  const etag = newEtag();
  const { _etag: _ignored, ...fields } = documentFromBody(body);
  await checkWrite(req, [fields]);
  const doc: Document = { ...fields, _etag: etag };
  const wm = req.params.writeMode ?? 'insert';
  const location = (id: unknown) => ({
    ...etagHeader(etag),
    Location: `${req.baseUrl}${childPath(req, req.mongoPath, idLink(id))}`,
  });
  if (wm === 'insert' || (wm === 'upsert' && doc._id === undefined)) {
    const { insertedId } = await coll.insertOne(doc);
    return { status: 201, headers: location(insertedId) };
  }
  if (doc._id === undefined) throw new HttpError(400, '', { noBody: true });
  // the permission's writeFilter binds every replacement: a document outside it is not touched (404/409)
  const r = await coll.replaceOne(docFilter(req, doc._id), doc, { upsert: wm === 'upsert' });
  if (r.upsertedCount) return { status: 201, headers: location(doc._id) };
  if (!r.matchedCount) throw missing();
  return { status: 200, headers: etagHeader(etag) };
}
