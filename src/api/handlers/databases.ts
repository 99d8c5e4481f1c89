// ROOT, DB, DB_SIZE, DB_META (API.md §6.1, §7.1).
import { Int32, type Document } from '../../engine/values.ts';
import { badRequest, notFound } from '../../errors.ts';
import { etagHeader, newEtag, ok, type ApiResponse, type MongoRequest } from '../context.ts';
import { PROPS_COLL, checkEtag, dbExists, dbProps, dbPropsId, metaView, requireDb } from '../meta.ts';
import { listing } from '../representation.ts';

const HIDDEN_DBS = new Set(['admin', 'config', 'local']);

export function visibleCollection(name: string): boolean {
  return !name.startsWith('system.') && !name.endsWith('.chunks') && name !== PROPS_COLL;
}

function page<T>(req: MongoRequest, items: T[]): T[] {
  const { page, pagesize } = req.params;
  return items.slice((page - 1) * pagesize, page * pagesize);
}

/** Names sorted by code point, as RESTHeart lists them. */
function sorted(names: string[]): string[] {
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function getRoot(req: MongoRequest): Promise<ApiResponse> {
  const names = sorted((await req.engine.listDatabases()).filter((n) => !HIDDEN_DBS.has(n) && !n.startsWith('system.')));
  const items = page(req, names);
  const props = await Promise.all(items.map(async (n) => ({ _id: n, ...withoutId(await dbProps(req.engine, n)) })));
  return ok(listing(req, { names: items, embedded: props, size: names.length, relation: 'rh:db' }));
}

export async function getRootSize(req: MongoRequest): Promise<ApiResponse> {
  const names = (await req.engine.listDatabases()).filter((n) => !HIDDEN_DBS.has(n) && !n.startsWith('system.'));
  return ok({ _size: new Int32(names.length) });
}

function withoutId(d: Document | null): Document {
  if (!d) return {};
  const { _id: _ignored, ...rest } = d;
  return rest;
}

export async function collectionNames(req: MongoRequest, db: string): Promise<string[]> {
  return sorted((await req.engine.db(db).listCollections()).filter(visibleCollection));
}

export async function getDb(req: MongoRequest): Promise<ApiResponse> {
  const db = req.resource.db!;
  await requireDb(req);
  const props = await dbProps(req.engine, db);
  const names = await collectionNames(req, db);
  const items = page(req, names);
  const collProps = await req.engine.db(db).collection(PROPS_COLL).find({ _id: { $in: items.map((n) => `_properties.${n}`) } });
  const byName = new Map(collProps.map((p) => [String(p._id).slice('_properties.'.length), p]));
  const embedded = items.map((n) => ({ _id: n, ...withoutId(byName.get(n) ?? null) }));
  return ok(
    listing(req, { names: items, embedded, size: names.length, relation: 'rh:coll', props: { _id: db, ...withoutId(props) } }),
    etagHeader(props?._etag),
  );
}

export async function putDb(req: MongoRequest): Promise<ApiResponse> {
  const db = req.resource.db!;
  const body = req.body().value;
  if (Array.isArray(body)) throw badRequest('data must be a json object');
  const existed = await dbExists(req.engine, db);
  const current = await dbProps(req.engine, db);
  await checkEtag(req, 'db', current);
  const etag = newEtag();
  const { _id: _ignored, _etag: _old, ...fields } = body ?? {};
  await req.engine.db(db).collection(PROPS_COLL).replaceOne({ _id: dbPropsId }, { _id: dbPropsId, ...fields, _etag: etag }, { upsert: true });
  return { status: existed ? 200 : 201, headers: etagHeader(etag) };
}

export async function patchDb(req: MongoRequest): Promise<ApiResponse> {
  const db = req.resource.db!;
  const body = req.body().value;
  if (body === undefined || (!Array.isArray(body) && Object.keys(body).length === 0)) throw badRequest('no data provided');
  if (Array.isArray(body)) throw badRequest('data must be a json object');
  await requireDb(req);
  const current = await dbProps(req.engine, db);
  await checkEtag(req, 'db', current);
  const etag = newEtag();
  const { _id: _ignored, _etag: _old, ...fields } = body;
  await req.engine.db(db).collection(PROPS_COLL).updateOne({ _id: dbPropsId }, { $set: { ...fields, _etag: etag } }, { upsert: true });
  return { status: 200, headers: etagHeader(etag) };
}

export async function deleteDb(req: MongoRequest): Promise<ApiResponse> {
  const db = req.resource.db!;
  await requireDb(req);
  await checkEtag(req, 'db', await dbProps(req.engine, db));
  await req.engine.db(db).dropDatabase();
  return { status: 204 };
}

export async function getDbSize(req: MongoRequest): Promise<ApiResponse> {
  await requireDb(req);
  return ok({ _size: new Int32((await collectionNames(req, req.resource.db!)).length) });
}

export async function getDbMeta(req: MongoRequest): Promise<ApiResponse> {
  await requireDb(req);
  const props = await dbProps(req.engine, req.resource.db!);
  if (!props) throw notFound('resource _meta is not defined for this db.');
  return ok(metaView(props), etagHeader(props._etag));
}
