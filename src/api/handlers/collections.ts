// COLLECTION (GET/PUT/PATCH/DELETE), COLLECTION_SIZE, COLLECTION_META (API.md §6.1, §7.2).
// POST to a collection lives in documents.ts (single) and bulk.ts (array).
import { Int32, type Document } from '../../engine/values.ts';
import { badRequest, notFound } from '../../errors.ts';
import { etagHeader, newEtag, ok, type ApiResponse, type MongoRequest } from '../context.ts';
import { PROPS_COLL, checkEtag, collExists, collProps, collPropsId, metaView, requireColl, requireDb } from '../meta.ts';
import { storedMetadata } from '../aggr-definitions.ts';
import { storedStreams } from '../../streams/definitions.ts';
import { listing } from '../representation.ts';

export async function getCollection(req: MongoRequest): Promise<ApiResponse> {
  const { db, coll } = req.resource;
  await requireColl(req);
  const p = req.params;
  const c = req.engine.db(db!).collection(coll!);
  const filter = p.filter ?? {};
  const props = await collProps(req.engine, db!, coll!);
  const headers: Record<string, string> = { ...etagHeader(props?._etag) };
  let size: number | undefined;
  if (p.count) {
    const estimated = p.countEstimated && !p.filter;
    size = estimated ? await c.estimatedDocumentCount() : await c.countDocuments(filter, { maxTimeMS: req.settings.queryTimeLimit });
    headers['X-Count-Strategy'] = estimated ? 'estimated' : 'exact';
  }
  // pagesize=0 asks for the count only: RESTHeart sends no body at all
  if (p.pagesize === 0 && p.rep === 'STANDARD') return { status: 200, headers };
  const opts = {
    sort: p.sort, projection: p.keys, skip: (p.page - 1) * p.pagesize, limit: p.pagesize, hint: p.hint,
    maxTimeMS: req.settings.queryTimeLimit,
  };
  // STANDARD sends the documents as they are: those the engine holds as bytes are rendered from them
  if (p.rep === 'STANDARD' && !req.shape) return ok(await c.findAsStored(filter, opts), headers);
  const docs = p.pagesize === 0 ? [] : await c.find(filter, opts);
  const { _id: _ignored, ...meta } = props ?? {};
  return ok(listing(req, { docs: req.shape ? docs.map(req.shape) : docs, size, relation: 'rh:doc', props: { _id: coll, ...meta } }), headers);
}

export async function putCollection(req: MongoRequest): Promise<ApiResponse> {
  const { db, coll } = req.resource;
  const body = req.body().value;
  if (Array.isArray(body)) throw badRequest('data must be a json object');
  await requireDb(req);
  const existed = await collExists(req.engine, db!, coll!);
  await checkEtag(req, 'coll', await collProps(req.engine, db!, coll!));
  const etag = newEtag();
  const { _id: _ignored, _etag: _old, ...given } = body ?? {};
  const fields = storedStreams(storedMetadata(given));
  const database = req.engine.db(db!);
  if (!existed) await database.createCollection(coll!);
  await database.collection(PROPS_COLL).replaceOne({ _id: collPropsId(coll!) }, { _id: collPropsId(coll!), ...fields, _etag: etag }, { upsert: true });
  return { status: existed ? 200 : 201, headers: etagHeader(etag) };
}

export async function patchCollection(req: MongoRequest): Promise<ApiResponse> {
  const { db, coll } = req.resource;
  const body = req.body().value;
  if (body === undefined || (!Array.isArray(body) && Object.keys(body).length === 0)) throw badRequest('no data provided');
  if (Array.isArray(body)) throw badRequest('data must be a json object');
  await requireColl(req);
  await checkEtag(req, 'coll', await collProps(req.engine, db!, coll!));
  const etag = newEtag();
  const { _id: _ignored, _etag: _old, ...given } = body;
  const fields = storedStreams(storedMetadata(given));
  await req.engine.db(db!).collection(PROPS_COLL).updateOne({ _id: collPropsId(coll!) }, { $set: { ...fields, _etag: etag } }, { upsert: true });
  return { status: 200, headers: etagHeader(etag) };
}

export async function deleteCollection(req: MongoRequest): Promise<ApiResponse> {
  const { db, coll } = req.resource;
  await requireColl(req);
  await checkEtag(req, 'coll', await collProps(req.engine, db!, coll!));
  const database = req.engine.db(db!);
  await database.dropCollection(coll!);
  await database.collection(PROPS_COLL).deleteOne({ _id: collPropsId(coll!) });
  return { status: 204 };
}

export async function getCollectionSize(req: MongoRequest): Promise<ApiResponse> {
  const { db, coll } = req.resource;
  await requireColl(req);
  const c = req.engine.db(db!).collection(coll!);
  // as GET with `count`: `count=estimated` without a filter reads the metadata count
  const estimated = req.params.countEstimated && !req.params.filter;
  const n = estimated ? await c.estimatedDocumentCount() : await c.countDocuments(req.params.filter ?? {}, { maxTimeMS: req.settings.queryTimeLimit });
  return ok({ _size: new Int32(n) }, { 'X-Count-Strategy': estimated ? 'estimated' : 'exact' });
}

export async function getCollectionMeta(req: MongoRequest): Promise<ApiResponse> {
  const { db, coll } = req.resource;
  await requireColl(req);
  const props: Document | null = await collProps(req.engine, db!, coll!);
  if (!props) throw notFound('resource _meta is not defined for this collection.');
  return ok(metaView(props), etagHeader(props._etag));
}
