// The MongoDB API service: turns an HTTP request into a typed MongoRequest (parse), then runs it
// (handle) by resource type and method.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type { Engine } from '../engine/types.ts';
import { HttpError, notImplemented } from '../errors.ts';
import type { Settings } from '../settings.ts';
import { LARGE_BODY, parseBody, parseBodyInSlices } from './body.ts';
import type { ApiResponse, Handler, MongoRequest } from './context.ts';
import { getAggregation } from './handlers/aggregations.ts';
import { postBulk, patchBulk, deleteBulk } from './handlers/bulk.ts';
import {
  deleteCollection, getCollection, getCollectionMeta, getCollectionSize, patchCollection, putCollection,
} from './handlers/collections.ts';
import { deleteDb, getDb, getDbMeta, getDbSize, getRoot, getRootSize, patchDb, putDb } from './handlers/databases.ts';
import { deleteDocument, getDocument, patchDocument, postDocument, putDocument } from './handlers/documents.ts';
import { deleteIndex, getIndexes, putIndex } from './handlers/indexes.ts';
import { deleteBucket, deleteFile, deleteFiles, getFile, patchFile, postFile, putFile } from './handlers/files.ts';
import { getFileBinary } from './handlers/files-binary.ts';
import type { StreamResponse } from '../http/response.ts';
import { multipartForm } from './forms.ts';
import { isMultipart } from './multipart.ts';
import { deleteSession, deleteTxn, getTxns, patchTxn, postSession, postTxn } from './handlers/sessions.ts';
import { getChangeStream } from './handlers/streams.ts';
import type { TakeoverResponse } from '../http/response.ts';
import { getSchema, getSchemaStore, patchSchemas, postSchema, putSchema } from './handlers/schemas.ts';
import { requireColl, requireDb } from './meta.ts';
import { Mounts } from './mounts.ts';
import { parseParams } from './params.ts';
import { documentRepresentation } from './representation.ts';
import { METHODS, checkNames, decodeSegments, resolveResource, type ResourceType } from './resource.ts';
import { parseRequestSession, withSession } from './session-engine.ts';

export interface HttpInput {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer | undefined;
  baseUrl: string;
  /** the unread body, when the request streams it (MongoService.streamsBody) */
  requestStream(): Readable;
}

/** Multipart uploads to these stream; every other body is read whole first (JSON body limit). */
const UPLOAD_TYPES = new Set<ResourceType>(['FILES_BUCKET', 'FILE']);
/** how long parsing a large body holds the event loop before other requests get a turn, in ms */
const BODY_SLICE_MS = 2;

async function postCollection(req: MongoRequest): Promise<ApiResponse> {
  const body = req.body().value;
  await requireColl(req);
  return Array.isArray(body) ? postBulk(req, body) : postDocument(req, body ?? {});
}

const HANDLERS: Partial<Record<ResourceType, Record<string, Handler>>> = {
  ROOT: { GET: getRoot },
  ROOT_SIZE: { GET: getRootSize },
  DB: { GET: getDb, PUT: putDb, PATCH: patchDb, DELETE: deleteDb },
  DB_SIZE: { GET: getDbSize },
  DB_META: { GET: getDbMeta },
  COLLECTION: { GET: getCollection, PUT: putCollection, PATCH: patchCollection, DELETE: deleteCollection, POST: postCollection },
  COLLECTION_SIZE: { GET: getCollectionSize },
  COLLECTION_META: { GET: getCollectionMeta },
  DOCUMENT: { GET: getDocument, PUT: putDocument, PATCH: patchDocument, DELETE: deleteDocument },
  BULK_DOCUMENTS: { PATCH: patchBulk, DELETE: deleteBulk },
  COLLECTION_INDEXES: { GET: getIndexes },
  INDEX: { PUT: putIndex, DELETE: deleteIndex },
  AGGREGATION: { GET: getAggregation },
  SESSIONS: { POST: postSession },
  SESSION: { DELETE: deleteSession },
  TRANSACTIONS: { GET: getTxns, POST: postTxn },
  TRANSACTION: { PATCH: patchTxn, DELETE: deleteTxn },
  SCHEMA_STORE: { GET: getSchemaStore, PUT: putCollection, PATCH: patchCollection, DELETE: deleteCollection, POST: postSchema },
  SCHEMA_STORE_SIZE: { GET: getCollectionSize },
  SCHEMA_STORE_META: { GET: getCollectionMeta },
  SCHEMA: { GET: getSchema, PUT: putSchema, DELETE: deleteDocument },
  BULK_SCHEMAS: { PATCH: patchSchemas, DELETE: deleteBulk },
  FILES_BUCKET: { GET: getCollection, PUT: putCollection, PATCH: patchCollection, DELETE: deleteBucket, POST: postFile },
  FILES_BUCKET_SIZE: { GET: getCollectionSize },
  FILES_BUCKET_META: { GET: getCollectionMeta },
  FILE: { GET: getFile, PUT: putFile, PATCH: patchFile, DELETE: deleteFile },
  BULK_FILES: { DELETE: deleteFiles },
};

export class MongoService {
  private readonly mounts: Mounts;
  private readonly settings: Settings;
  private readonly engine: Engine;

  constructor(settings: Settings, engine: Engine) {
    this.settings = settings;
    this.engine = engine;
    this.mounts = new Mounts(settings.mounts, settings.mongoUri);
  }

  /** Undefined when no mount matches the path (RESTHeart: 502). */
  parse(input: HttpInput): MongoRequest | undefined {
    const match = this.mounts.resolve(input.path);
    if (!match) return undefined;
    let error: HttpError | undefined;
    let segs: string[] = [];
    try {
      segs = decodeSegments(match.mongoPath);
    } catch (e) {
      error = e as HttpError;
    }
    const resource = resolveResource(segs);
    const params = parseParams(input.query, this.settings);
    error ??= params.error ?? checkNames(resource);
    const inSession = parseRequestSession(params.raw);
    error ??= inSession.error;
    const s = inSession.session;
    if (this.mounts.templated) error = notImplemented('path-template mongo-mounts are not implemented yet');
    let body: ReturnType<typeof parseBody> | undefined;
    const streamed = input.rawBody === undefined && UPLOAD_TYPES.has(resource.type) && isMultipart(input.headers['content-type']);
    return {
      method: input.method,
      headers: input.headers,
      path: input.path,
      query: input.query,
      mongoPath: match.mongoPath,
      resource,
      params,
      body: () => (body ??= parseBody(input.rawBody, input.headers['content-type'])),
      requestStream: streamed ? () => input.requestStream() : undefined,
      baseUrl: this.settings.instanceBaseUrl?.replace(/\/$/, '') ?? input.baseUrl,
      toRequestPath: match.toRequestPath,
      error,
      settings: this.settings,
      engine: s ? withSession(this.engine, this.engine.session(s.id, s.txn)) : this.engine,
    };
  }

  /** Whether the request's body streams to the service (a multipart upload to a file bucket); asked before it is read. */
  streamsBody(req: IncomingMessage): boolean {
    if (!isMultipart(req.headers['content-type'])) return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const match = this.mounts.resolve(q < 0 ? url : url.slice(0, q));
    if (!match) return false;
    try {
      return UPLOAD_TYPES.has(resolveResource(decodeSegments(match.mongoPath)).type);
    } catch {
      return false;
    }
  }

  /**
   * A document's multipart form is parsed before security, as RESTHeart's content injector does
   * (ACL predicates may read the body); undefined when there is nothing to wait for.
   */
  prepare(req: MongoRequest, input: HttpInput): Promise<void> | undefined {
    if (req.error || input.rawBody === undefined) return undefined;
    if (isMultipart(input.headers['content-type'])) {
      return multipartForm(input.rawBody, input.headers, this.settings.maxBodySize).then((value) => {
        req.body = () => ({ value });
      }, (e: unknown) => {
        req.error = e as HttpError;
      });
    }
    // a large JSON body is parsed here, a slice at a time; its error is still raised only when the
    // handler asks for the body, as a small body's is
    if (input.rawBody.length < LARGE_BODY) return undefined;
    return parseBodyInSlices(input.rawBody, input.headers['content-type'], nextTurn, BODY_SLICE_MS).then((body) => {
      if (body) req.body = () => body;
    }, (e: unknown) => {
      req.body = () => {
        throw e;
      };
    });
  }

  async handle(req: MongoRequest): Promise<ApiResponse | TakeoverResponse | StreamResponse> {
    if (req.error) throw req.error;
    const { type } = req.resource;
    if (!METHODS[type].includes(req.method)) throw new HttpError(405, `method ${req.method} not allowed`);
    // a change stream takes the connection over (WebSocket, SSE)
    if (type === 'CHANGE_STREAM') return getChangeStream(req);
    if (type === 'FILE_BINARY') return getFileBinary(req);
    const handler = HANDLERS[type]?.[req.method];
    if (!handler) throw notImplemented(`${type.toLowerCase().replaceAll('_', ' ')} resources are not implemented yet`);
    const res = await handler(req);
    if (req.params.rep !== 'STANDARD' && res.body !== undefined) {
      if (type === 'DOCUMENT' || type === 'SCHEMA' || type === 'FILE') res.body = await documentRepresentation(req, res.body as never);
      if (res.status !== 207 && !type.endsWith('_SIZE') && !type.endsWith('_META')) res.contentType = 'application/hal+json';
    }
    return res;
  }
}
