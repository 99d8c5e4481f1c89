// File buckets (API.md §10): FILES_BUCKET POST and DELETE, FILE GET/PUT/PATCH/DELETE, BULK_FILES
// DELETE. The bucket's own GET/PUT/PATCH and _size/_meta are the collection handlers on
// `<b>.files`; downloads are in files-binary.ts, uploads in files-upload.ts.
import type { Bucket, Filter } from '../../engine/types.ts';
import { Long, isPlainObject, valuesEqual, type Document } from '../../engine/values.ts';
import { HttpError, badRequest, notFound, notImplemented } from '../../errors.ts';
import { childPath, etagHeader, newEtag, type ApiResponse, type MongoRequest } from '../context.ts';
import { idForMessage, idFromUrl, idLink } from '../ids.ts';
import { PROPS_COLL, checkEtag, collProps, collPropsId, etagMatches, etagRequired, requireColl } from '../meta.ts';
import { isMultipart } from '../multipart.ts';
import { receiveFile } from './files-upload.ts';

const FILE_ETAG_REQUIRED = "The file's ETag must be provided using the 'If-Match' header";

export function bucketOf(req: MongoRequest): Bucket {
  return req.engine.db(req.resource.db!).bucket(req.resource.coll!.slice(0, -'.files'.length));
}

export function filesColl(req: MongoRequest) {
  return req.engine.db(req.resource.db!).collection(req.resource.coll!);
}

/** The file's _id and the filter that finds it (`filter` narrows, as for documents). */
export function fileTarget(req: MongoRequest): { id: unknown; filter: Filter } {
  const id = idFromUrl(req.resource.docId!, req.params.idType);
  const f = req.params.filter;
  return { id, filter: f ? { $and: [{ _id: id }, f] } : { _id: id } };
}

export function fileEtag(file: Document | null): unknown {
  return isPlainObject(file?.metadata) ? file.metadata._etag : undefined;
}

/** Bytes are not part of a transaction: RESTHeart writes them without the session. */
function noTransaction(req: MongoRequest): void {
  if (req.params.raw.has('txn')) throw notImplemented('file uploads inside a transaction are not supported; upload without ?txn=');
}

function isUpload(req: MongoRequest): boolean {
  return isMultipart(req.headers['content-type']);
}

/** 409 without If-Match when required, 412 when it differs; both carry the current ETag. */
async function checkFileEtag(req: MongoRequest, file: Document): Promise<void> {
  const etag = fileEtag(file);
  if (etag === undefined || !(await etagRequired(req, 'doc'))) return;
  const headers = etagHeader(etag);
  if (req.headers['if-match'] === undefined) throw new HttpError(409, FILE_ETAG_REQUIRED, { headers });
  if (!etagMatches(req.headers['if-match'], etag)) throw new HttpError(412, '', { headers, noBody: true });
}

export async function postFile(req: MongoRequest): Promise<ApiResponse> {
  await requireColl(req);
  if (!isUpload(req)) {
    if (Array.isArray(req.body().value)) throw badRequest('data cannot be an array');
    throw badRequest('POST file request is in a bad format');
  }
  noTransaction(req);
  const { id, etag } = await receiveFile(req, { bucket: bucketOf(req) });
  return { status: 201, headers: { Location: `${req.baseUrl}${childPath(req, req.mongoPath, idLink(id))}`, ...etagHeader(etag) } };
}

export async function getFile(req: MongoRequest): Promise<ApiResponse> {
  await requireColl(req);
  const { id, filter } = fileTarget(req);
  const file = await filesColl(req).findOne(filter, { projection: req.params.keys });
  if (!file) throw notFound(`document ${idForMessage(id)} does not exist`);
  const etag = fileEtag(file) ?? fileEtag(await filesColl(req).findOne({ _id: id }, { projection: { metadata: 1 } }));
  if (etagMatches(req.headers['if-none-match'], etag)) return { status: 304, headers: etagHeader(etag) };
  return { status: 200, body: req.shape ? req.shape(file) : file, headers: etagHeader(etag) };
}

/** PUT with a file: the old file (if any) goes once the new metadata is known, then the upload (RESTHeart's upsertFile). */
async function putFileUpload(req: MongoRequest): Promise<ApiResponse> {
  noTransaction(req);
  const { id, filter } = fileTarget(req);
  const bucket = bucketOf(req);
  const old = await filesColl(req).findOne(filter, { projection: { metadata: 1 } });
  if (old) await checkFileEtag(req, old);
  const stored = await receiveFile(req, {
    bucket,
    id,
    before: async () => {
      if (old) await bucket.delete(id);
    },
  });
  return { status: old ? 200 : 201, headers: etagHeader(stored.etag) };
}

/**
 * Metadata writes (RESTHeart's FileMetadataHandler): the body, or its `metadata` / `properties`
 * member, becomes `metadata` (PUT) or is merged into it (PATCH); `metadata.filename` also sets `filename`.
 */
async function writeMetadata(req: MongoRequest): Promise<ApiResponse> {
  const body = req.body().value;
  if (body === undefined && req.method === 'PATCH') throw badRequest('no data provided');
  if (Array.isArray(body)) throw badRequest('request content must be a JSON object');
  const content = body ?? {};
  if (Object.keys(content).some((k) => k.startsWith('$'))) throw badRequest('request content cannot contain update operators');
  const { id, filter } = fileTarget(req);
  if (content._id !== undefined && !valuesEqual(content._id, id)) throw badRequest('_id in json data cannot be different than id in URL');
  const inner = content.metadata ?? content.properties ?? content;
  if (!isPlainObject(inner)) throw badRequest('metadata must be a JSON object');
  const { _id: _ignored, _etag: _old, ...metadata } = inner;
  const coll = filesColl(req);
  const current = await coll.findOne(filter, { projection: { metadata: 1 } });
  if (!current) throw new HttpError(404, '', { noBody: true });
  await checkFileEtag(req, current);
  const etag = newEtag();
  const set: Document = {};
  if (req.method === 'PUT') set.metadata = { ...metadata, _etag: etag };
  else {
    for (const [k, v] of Object.entries(metadata)) set[`metadata.${k}`] = v;
    set['metadata._etag'] = etag;
  }
  if (typeof metadata.filename === 'string') set.filename = metadata.filename;
  const guard = req.headers['if-match'] !== undefined && fileEtag(current) !== undefined ? { $and: [filter, { 'metadata._etag': fileEtag(current) }] } : filter;
  const r = await coll.updateOne(guard, { $set: set });
  if (!r.matchedCount) throw new HttpError(req.headers['if-match'] !== undefined ? 412 : 404, '', { noBody: true });
  return { status: 200, headers: etagHeader(etag) };
}

export async function putFile(req: MongoRequest): Promise<ApiResponse> {
  await requireColl(req);
  return isUpload(req) ? putFileUpload(req) : writeMetadata(req);
}

export async function patchFile(req: MongoRequest): Promise<ApiResponse> {
  await requireColl(req);
  if (isUpload(req)) throw badRequest('only metadata is allowed for PATCH requests, not binary data');
  return writeMetadata(req);
}

export async function deleteFile(req: MongoRequest): Promise<ApiResponse> {
  await requireColl(req);
  const { id, filter } = fileTarget(req);
  const file = await filesColl(req).findOne(filter, { projection: { metadata: 1 } });
  if (!file) throw new HttpError(404, '', { noBody: true });
  await checkFileEtag(req, file);
  if (!(await bucketOf(req).delete(id))) throw new HttpError(404, '', { noBody: true });
  return { status: 204 };
}

/** Without `filter` every file goes (buckets are exempt from the mandatory filter of bulk writes). */
export async function deleteFiles(req: MongoRequest): Promise<ApiResponse> {
  await requireColl(req);
  const bucket = bucketOf(req);
  const files = await filesColl(req).find(req.params.filter ?? {}, { projection: { _id: 1 } });
  let deleted = 0;
  for (const f of files) if (await bucket.delete(f._id)) deleted++;
  return { status: 200, body: { deleted: Long.fromNumber(deleted) } };
}

/** DELETE of the bucket: ETag rules as collections; both collections and the metadata go. */
export async function deleteBucket(req: MongoRequest): Promise<ApiResponse> {
  const { db, coll } = req.resource;
  await requireColl(req);
  await checkEtag(req, 'coll', await collProps(req.engine, db!, coll!));
  await bucketOf(req).drop();
  await req.engine.db(db!).collection(PROPS_COLL).deleteOne({ _id: collPropsId(coll!) });
  return { status: 204 };
}
