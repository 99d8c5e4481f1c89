// COLLECTION_INDEXES and INDEX (API.md §9.2).
import { isPlainObject, type Document } from '../../engine/values.ts';
import { EngineError, HttpError, badRequest } from '../../errors.ts';
import { ok, type ApiResponse, type MongoRequest } from '../context.ts';
import { requireColl } from '../meta.ts';
import { indexesRepresentation } from '../representation.ts';

const INDEX_OPTIONS = new Set(['background', 'expireAfterSeconds', 'partialFilterExpression', 'storageEngine', 'unique',
  'sparse', 'weights', 'default_language', 'language_override', 'textIndexVersion', '2dsphereIndexVersion', 'bits', 'min',
  'max', 'collation']);

function collection(req: MongoRequest) {
  return req.engine.db(req.resource.db!).collection(req.resource.coll!);
}

export async function getIndexes(req: MongoRequest): Promise<ApiResponse> {
  await requireColl(req);
  const indexes = await collection(req).listIndexes();
  return ok(indexesRepresentation(req, indexes.map(({ name, ...rest }) => ({ ...rest, _id: name }))));
}

export async function putIndex(req: MongoRequest): Promise<ApiResponse> {
  const name = req.resource.name!;
  if (name.startsWith('_')) throw badRequest('index name cannot start with _');
  const body = req.body().value;
  if (Array.isArray(body) || !body || !isPlainObject(body.keys)) throw badRequest('keys must be a json object');
  if (body.ops !== undefined && !isPlainObject(body.ops)) throw badRequest('ops must be a json object');
  await requireColl(req);
  const ops: Document = {};
  for (const [k, v] of Object.entries((body.ops as Document | undefined) ?? {})) if (INDEX_OPTIONS.has(k)) ops[k] = v;
  try {
    await collection(req).createIndex({ ...ops, name, key: body.keys });
  } catch (e) {
    if (e instanceof EngineError) throw badRequest('error creating the index', { extra: { 'exception message': e.message } });
    throw e;
  }
  return { status: 201 };
}

export async function deleteIndex(req: MongoRequest): Promise<ApiResponse> {
  const name = req.resource.name!;
  // RESTHeart answers 401 here, not 403 (source quirk kept for compatibility)
  if (name.startsWith('_')) throw new HttpError(401, `${name} is a default index and cannot be deleted`);
  await requireColl(req);
  await collection(req).dropIndex(name);
  return { status: 204 };
}
