// The MongoDB API's paths for the catalog the caller may see: one section per feature (databases,
// collections and documents, bulk writes, indexes, aggregations, change streams, the schema store,
// file buckets, sessions). A new feature adds its section here and its probes in catalog.ts.
import { isPlainObject } from '../engine/values.ts';
import type { CollectionEntry, Catalog, DbEntry } from './catalog.ts';
import { COMMON_PARAMETERS, errors, json } from './components.ts';
import { operationId, ref, type Operation, type Parameter, type PathItem, type Schema } from './description.ts';
import { StoredSchemas } from './json-schema.ts';
import type { SchemaId } from '../api/schema-store.ts';

const P = (...names: string[]): Parameter[] => [...names.map((n) => ref('parameters', n)), ...COMMON_PARAMETERS];
const ID: Parameter = { name: 'id', in: 'path', required: true, description: 'the document id, read as id_type says (default: 24 hex digits → ObjectId, else a string)', schema: { type: 'string' } };
const ETAG = { ETag: { description: 'the _etag of the resource, as hex', schema: { type: 'string' } } };
const LOCATION = { Location: { description: 'URL of the new document', schema: { type: 'string' } } };

const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
const empty = (description: string, headers?: Operation['responses'][string]['headers']) => ({ description, ...(headers ? { headers } : {}) });

type Paths = Record<string, PathItem>;

function add(paths: Paths, path: string, method: keyof PathItem, op: Operation): void {
  (paths[path] ??= {})[method as 'get'] = op;
}

/** The document type of a collection: its stored jsonSchema with _id and _etag, else any document. */
async function documentType(c: CollectionEntry, schemas: Record<string, Schema>, stored: StoredSchemas): Promise<{ read: Schema; write: Schema }> {
  const js = c.props?.jsonSchema;
  if (isPlainObject(js) && js.schemaId !== undefined) {
    const storeDb = typeof js.schemaStoreDb === 'string' ? js.schemaStoreDb : c.db;
    const key = await stored.component(storeDb, js.schemaId as SchemaId);
    if (key) {
      const name = `${key}.document`;
      schemas[name] = { allOf: [ref('schemas', key), ref('schemas', 'DocumentMeta')] };
      return { read: ref('schemas', name), write: ref('schemas', key) };
    }
  }
  return { read: ref('schemas', 'Document'), write: ref('schemas', 'NewDocument') };
}

function databaseSection(paths: Paths, d: DbEntry, tag: string): void {
  if (!d.path) return;
  const id = (v: string) => operationId(v, d.db);
  if (d.list) {
    add(paths, d.path, 'get', {
      operationId: id('listCollections'), summary: `collections of ${d.db}`, tags: [tag], parameters: P('page', 'pagesize', 'rep', 'np'),
      responses: { 200: { description: 'collection names (STANDARD)', headers: ETAG, content: json(arrayOf({ type: 'string' })) }, ...errors('NotFound') },
    });
  }
  if (d.manage) {
    add(paths, d.path, 'put', {
      operationId: id('putDatabase'), summary: `create ${d.db} or replace its metadata`, tags: [tag], parameters: P('ifMatch', 'checkEtag'),
      requestBody: { required: false, content: json(ref('schemas', 'Metadata')) },
      responses: { 200: empty('metadata replaced', ETAG), 201: empty('created', ETAG), ...errors('Conflict', 'PreconditionFailed') },
    });
    add(paths, d.path, 'delete', {
      operationId: id('deleteDatabase'), summary: `drop ${d.db} (If-Match required by default)`, tags: [tag], parameters: P('ifMatch'),
      responses: { 204: empty('dropped'), ...errors('NotFound', 'Conflict', 'PreconditionFailed') },
    });
  }
}

function collectionSection(paths: Paths, c: CollectionEntry, doc: { read: Schema; write: Schema }, tag: string): void {
  const id = (v: string) => operationId(v, c.db, c.coll);
  const docPath = `${c.path}/{id}`;
  const { ops } = c;
  if (ops.has('list')) {
    add(paths, c.path, 'get', {
      operationId: id('find'), summary: `find documents of ${c.db}/${c.coll}`, tags: [tag],
      parameters: P('filter', 'keys', 'sort', 'hint', 'page', 'pagesize', 'count', 'rep', 'np', 'hal'),
      responses: {
        200: { description: 'the page of matching documents (STANDARD: an array)', headers: { ...ETAG, 'X-Count-Strategy': { schema: { type: 'string' } } }, content: json(arrayOf(doc.read)) },
        ...errors('NotFound'),
      },
    });
  }
  if (ops.has('insert')) {
    add(paths, c.path, 'post', {
      operationId: id('insert'), summary: 'insert a document (object) or many (array)', tags: [tag], parameters: P('wm'),
      requestBody: { required: true, content: json({ anyOf: [doc.write, arrayOf(doc.write)] }) },
      responses: {
        200: { description: 'bulk insert: the result', headers: ETAG, content: json(ref('schemas', 'BulkResult')) },
        201: empty('inserted', { ...ETAG, ...LOCATION }),
        207: { description: 'bulk insert: some documents failed', content: json(ref('schemas', 'BulkResult')) },
        ...errors('NotFound', 'Conflict'),
      },
    });
  }
  if (ops.has('createColl')) {
    add(paths, c.path, 'put', {
      operationId: id('putCollection'), summary: 'create the collection or replace its metadata', tags: [tag], parameters: P('ifMatch', 'checkEtag'),
      requestBody: { required: false, content: json(ref('schemas', 'Metadata')) },
      responses: { 200: empty('metadata replaced', ETAG), 201: empty('created', ETAG), ...errors('NotFound', 'Conflict', 'PreconditionFailed') },
    });
  }
  if (ops.has('updateColl')) {
    add(paths, c.path, 'patch', {
      operationId: id('patchCollection'), summary: 'merge into the metadata', tags: [tag], parameters: P('ifMatch', 'checkEtag'),
      requestBody: { required: true, content: json(ref('schemas', 'Metadata')) },
      responses: { 200: empty('updated', ETAG), ...errors('NotFound', 'Conflict', 'PreconditionFailed') },
    });
  }
  if (ops.has('dropColl')) {
    add(paths, c.path, 'delete', {
      operationId: id('dropCollection'), summary: 'drop the collection (If-Match required by default)', tags: [tag], parameters: P('ifMatch'),
      responses: { 204: empty('dropped'), ...errors('NotFound', 'Conflict', 'PreconditionFailed') },
    });
  }
  const docParams = (...names: string[]) => [ID, ...P('id_type', 'filter', 'shardkey', ...names)];
  if (ops.has('read')) {
    add(paths, docPath, 'get', {
      operationId: id('findById'), summary: 'read a document', tags: [tag], parameters: docParams('keys', 'rep', 'ifNoneMatch'),
      responses: { 200: { description: 'the document', headers: ETAG, content: json(doc.read) }, ...errors('NotFound', 'NotModified') },
    });
  }
  const write = (name: string, summary: string, body: Schema, created: boolean): Operation => ({
    operationId: id(name), summary, tags: [tag], parameters: docParams('wm', 'ifMatch', 'checkEtag'),
    requestBody: { required: true, content: json(body) },
    responses: {
      200: empty('written', ETAG),
      ...(created ? { 201: empty('created (wm=upsert or insert)', { ...ETAG, ...LOCATION }) } : {}),
      ...errors('NotFound', 'Conflict', 'PreconditionFailed'),
    },
  });
  if (ops.has('replace')) add(paths, docPath, 'put', write('replace', 'replace a document', doc.write, true));
  if (ops.has('update')) add(paths, docPath, 'patch', write('update', 'update a document: fields to set and update operators, or a pipeline', ref('schemas', 'Update'), true));
  if (ops.has('delete')) {
    add(paths, docPath, 'delete', {
      operationId: id('delete'), summary: 'delete a document', tags: [tag], parameters: docParams('ifMatch', 'checkEtag'),
      responses: { 204: empty('deleted'), ...errors('NotFound', 'Conflict', 'PreconditionFailed') },
    });
  }
  bulkSection(paths, c, tag);
}

function bulkSection(paths: Paths, c: CollectionEntry, tag: string): void {
  const bulk = `${c.path}/*`;
  const id = (v: string) => operationId(v, c.db, c.coll);
  const result = { 200: { description: 'counts', content: json(ref('schemas', 'BulkResult')) }, ...errors('NotFound') };
  if (c.ops.has('bulkUpdate')) {
    add(paths, bulk, 'patch', {
      operationId: id('updateMany'), summary: 'update every document the filter matches', tags: [tag],
      parameters: [{ name: 'filter', in: 'query', required: true, description: 'the documents to update', schema: { type: 'string' } }, ...COMMON_PARAMETERS],
      requestBody: { required: true, content: json(ref('schemas', 'Update')) }, responses: result,
    });
  }
  if (c.ops.has('bulkDelete')) {
    add(paths, bulk, 'delete', {
      operationId: id('deleteMany'), summary: 'delete every document the filter matches', tags: [tag],
      parameters: [{ name: 'filter', in: 'query', required: true, description: 'the documents to delete', schema: { type: 'string' } }, ...COMMON_PARAMETERS],
      responses: result,
    });
  }
}

function indexesSection(paths: Paths, c: CollectionEntry, tag: string): void {
  if (!c.ops.has('indexes')) return;
  const id = (v: string) => operationId(v, c.db, c.coll);
  add(paths, `${c.path}/_indexes`, 'get', {
    operationId: id('listIndexes'), summary: 'the indexes', tags: [tag], parameters: COMMON_PARAMETERS,
    responses: { 200: { description: 'indexes', content: json(arrayOf(ref('schemas', 'Index'))) }, ...errors('NotFound') },
  });
  const name: Parameter = { name: 'index', in: 'path', required: true, schema: { type: 'string' } };
  add(paths, `${c.path}/_indexes/{index}`, 'put', {
    operationId: id('createIndex'), summary: 'create an index', tags: [tag], parameters: [name, ...COMMON_PARAMETERS],
    requestBody: { required: true, content: json(ref('schemas', 'IndexSpec')) },
    responses: { 201: empty('created'), ...errors('NotFound', 'Conflict') },
  });
  add(paths, `${c.path}/_indexes/{index}`, 'delete', {
    operationId: id('dropIndex'), summary: 'drop an index', tags: [tag], parameters: [name, ...COMMON_PARAMETERS],
    responses: { 204: empty('dropped'), ...errors('NotFound') },
  });
}

function aggregationsSection(paths: Paths, c: CollectionEntry, tag: string): void {
  for (const uri of c.aggregations) {
    add(paths, `${c.path}/_aggrs/${encodeURIComponent(uri)}`, 'get', {
      operationId: operationId('aggregate', c.db, c.coll, uri), summary: `run the aggregation ${uri}`, tags: [tag],
      parameters: P('avars', 'page', 'pagesize', 'rep'),
      responses: { 200: { description: 'the results (not paged: the pipeline pages itself with @skip/@limit)', content: json(arrayOf(ref('schemas', 'Document'))) }, ...errors('NotFound') },
    });
  }
}

function streamsSection(paths: Paths, c: CollectionEntry, tag: string): void {
  for (const uri of c.streams) {
    add(paths, `${c.path}/_streams/${encodeURIComponent(uri)}`, 'get', {
      operationId: operationId('watch', c.db, c.coll, uri), tags: [tag],
      summary: `change stream ${uri}: SSE with Accept: text/event-stream, or a WebSocket upgrade`,
      parameters: [...P('avars'), { name: 'Last-Event-ID', in: 'header', description: 'resume after this event (SSE)', schema: { type: 'string' } }],
      responses: {
        200: { description: 'events (SSE: event "change", id = resume token, data = the change event)', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        ...errors('NotFound'),
      },
    });
  }
}

function bucketSection(paths: Paths, c: CollectionEntry, tag: string): void {
  const id = (v: string) => operationId(v, c.db, c.coll);
  const file = ref('schemas', 'FileDocument');
  if (c.ops.has('list')) {
    add(paths, c.path, 'get', {
      operationId: id('findFiles'), summary: `files of the bucket ${c.db}/${c.coll}`, tags: [tag], parameters: P('filter', 'keys', 'sort', 'page', 'pagesize', 'count'),
      responses: { 200: { description: 'file documents', content: json(arrayOf(file)) }, ...errors('NotFound') },
    });
  }
  if (c.ops.has('insert')) {
    add(paths, c.path, 'post', {
      operationId: id('upload'), summary: 'upload a file (multipart: a file part and optional "properties" JSON)', tags: [tag], parameters: COMMON_PARAMETERS,
      requestBody: {
        required: true,
        content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' }, properties: { type: 'string' } } } } },
      },
      responses: { 201: empty('stored', { ...ETAG, ...LOCATION }), ...errors('NotFound', 'Conflict') },
    });
  }
  const fileParams = [ID, ...P('id_type')];
  if (c.ops.has('read')) {
    add(paths, `${c.path}/{id}`, 'get', {
      operationId: id('findFile'), summary: 'a file document', tags: [tag], parameters: [...fileParams, ref('parameters', 'ifNoneMatch')],
      responses: { 200: { description: 'the file document', headers: ETAG, content: json(file) }, ...errors('NotFound', 'NotModified') },
    });
    add(paths, `${c.path}/{id}/binary`, 'get', {
      operationId: id('download'), summary: "a file's bytes (Range supported)", tags: [tag], parameters: [...fileParams, { name: 'Range', in: 'header', schema: { type: 'string' } }],
      responses: { 200: { description: 'the bytes', content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } }, 206: { description: 'a range of the bytes' }, ...errors('NotFound') },
    });
  }
  if (c.ops.has('delete')) {
    add(paths, `${c.path}/{id}`, 'delete', {
      operationId: id('deleteFile'), summary: 'delete a file', tags: [tag], parameters: [...fileParams, ref('parameters', 'ifMatch')],
      responses: { 204: empty('deleted'), ...errors('NotFound', 'Conflict', 'PreconditionFailed') },
    });
  }
}

function schemaStoreSection(paths: Paths, c: CollectionEntry, tag: string): void {
  const id = (v: string) => operationId(v, c.db, 'schemas');
  const schema: Schema = { type: 'object', description: 'a JSON Schema (draft-04)', additionalProperties: true };
  if (c.ops.has('list')) {
    add(paths, c.path, 'get', { operationId: id('listSchemas'), tags: [tag], parameters: P('filter', 'page', 'pagesize'), responses: { 200: { description: 'schemas', content: json(arrayOf(schema)) }, ...errors('NotFound') } });
  }
  if (c.ops.has('insert')) {
    add(paths, c.path, 'post', { operationId: id('createSchema'), tags: [tag], parameters: COMMON_PARAMETERS, requestBody: { required: true, content: json(schema) }, responses: { 201: empty('stored', { ...ETAG, ...LOCATION }), ...errors('Conflict') } });
  }
  if (c.ops.has('read')) {
    add(paths, `${c.path}/{id}`, 'get', { operationId: id('getSchema'), tags: [tag], parameters: [ID, ...COMMON_PARAMETERS], responses: { 200: { description: 'the schema', headers: ETAG, content: json(schema) }, ...errors('NotFound') } });
  }
  if (c.ops.has('replace')) {
    add(paths, `${c.path}/{id}`, 'put', { operationId: id('putSchema'), tags: [tag], parameters: [ID, ...COMMON_PARAMETERS], requestBody: { required: true, content: json(schema) }, responses: { 200: empty('replaced', ETAG), 201: empty('created', ETAG), ...errors('Conflict') } });
  }
  if (c.ops.has('delete')) {
    add(paths, `${c.path}/{id}`, 'delete', { operationId: id('deleteSchema'), tags: [tag], parameters: [ID, ...COMMON_PARAMETERS], responses: { 204: empty('deleted'), ...errors('NotFound') } });
  }
}

function sessionsSection(paths: Paths): void {
  const tag = 'sessions';
  const sid: Parameter = { name: 'sid', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  const txn: Parameter = { name: 'txn', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
  add(paths, '/_sessions', 'post', {
    operationId: 'startSession', summary: 'start a session; its id is the last segment of Location', tags: [tag],
    requestBody: { required: false, content: json({ type: 'object', properties: { ops: { type: 'object', properties: { causallyConsistent: { type: 'boolean' } } } } }) },
    responses: { 201: empty('started', LOCATION), ...errors() },
  });
  add(paths, '/_sessions/{sid}', 'delete', { operationId: 'endSession', tags: [tag], parameters: [sid], responses: { 200: empty('ended'), ...errors() } });
  add(paths, '/_sessions/{sid}/_txns', 'post', {
    operationId: 'startTransaction', summary: 'start a transaction; its number is the last segment of Location', tags: [tag], parameters: [sid],
    responses: { 201: empty('started', LOCATION), 304: empty('a transaction is already in progress'), ...errors() },
  });
  add(paths, '/_sessions/{sid}/_txns', 'get', {
    operationId: 'transactionState', tags: [tag], parameters: [sid],
    responses: { 200: { description: 'the current transaction', content: json(ref('schemas', 'TransactionState')) }, ...errors() },
  });
  add(paths, '/_sessions/{sid}/_txns/{txn}', 'patch', { operationId: 'commitTransaction', tags: [tag], parameters: [sid, txn], responses: { 200: empty('committed'), ...errors('Conflict') } });
  add(paths, '/_sessions/{sid}/_txns/{txn}', 'delete', { operationId: 'abortTransaction', tags: [tag], parameters: [sid, txn], responses: { 204: empty('aborted'), ...errors() } });
}

export const FILE_SCHEMA: Schema = {
  type: 'object', description: 'a GridFS file document',
  properties: {
    _id: ref('schemas', 'DocumentId'), filename: { type: 'string' }, length: { type: 'integer' }, chunkSize: { type: 'integer' },
    uploadDate: ref('schemas', 'Date'), metadata: { type: 'object', additionalProperties: true },
  },
  additionalProperties: true,
};

/** The MongoDB API's paths and the tags they use; document types go into `schemas`. */
export async function mongoPaths(catalog: Catalog, schemas: Record<string, Schema>, stored: StoredSchemas): Promise<{ paths: Paths; tags: string[] }> {
  const paths: Paths = {};
  const tags: string[] = [];
  if (catalog.root !== undefined) {
    add(paths, catalog.root, 'get', {
      operationId: 'listDatabases', summary: 'the databases', tags: ['databases'], parameters: P('page', 'pagesize', 'rep', 'np'),
      responses: { 200: { description: 'database names', content: json(arrayOf({ type: 'string' })) }, ...errors() },
    });
    tags.push('databases');
  }
  for (const d of catalog.dbs) {
    databaseSection(paths, d, d.db);
    tags.push(d.db);
    for (const c of d.collections) {
      const tag = `${d.db}/${c.coll}`;
      tags.push(tag);
      if (c.kind === 'bucket') {
        schemas.FileDocument ??= FILE_SCHEMA;
        bucketSection(paths, c, tag);
      } else if (c.kind === 'schemas') schemaStoreSection(paths, c, tag);
      else {
        collectionSection(paths, c, await documentType(c, schemas, stored), tag);
        indexesSection(paths, c, tag);
        aggregationsSection(paths, c, tag);
        streamsSection(paths, c, tag);
      }
    }
  }
  if (catalog.sessions) {
    sessionsSection(paths);
    tags.push('sessions');
  }
  return { paths, tags };
}
