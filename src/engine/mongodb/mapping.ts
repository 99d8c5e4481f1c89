// The MongoDB engine's own logic, kept free of I/O so that it is testable without a server:
// values between the driver's and docrest's BSON classes, options, bulk results and errors.
//
// The driver loads bson's CommonJS build and docrest its ES module build: two copies of every
// class, so a driver-made Int32 is no `instanceof Int32` here. Documents therefore cross back as
// raw BSON (the driver's `raw: true`) and are deserialized by docrest's own bson, in the exact
// model of values.ts. The few values the driver decodes itself (upserted ids, index specs) are
// re-encoded the same way. Going out, the driver's serializer accepts docrest's objects (same
// bson major version; it identifies types by _bsontype).
import { deserialize } from 'bson';
import { createRequire } from 'node:module';
import { EngineError } from '../../errors.ts';
import type { BulkOperation, BulkResult, FindOptions } from '../types.ts';
import { ObjectId, type Document } from '../values.ts';

const require = createRequire(import.meta.url);
const driverBson = require('bson') as { serialize: (doc: Document) => Uint8Array };

const EXACT = { promoteValues: false, bsonRegExp: true } as const;

/** One document as the driver returned it with `raw: true`. */
export function fromRaw(raw: unknown): Document {
  return deserialize(raw as Uint8Array, EXACT);
}

/** Any value decoded by the driver (its bson classes, promoted numbers) → docrest's exact model. */
export function toExact<T = unknown>(v: T): T {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') return v;
  return deserialize(driverBson.serialize({ v: v as unknown }), EXACT).v as T;
}

/** MongoDB stores _id first; the engine assigns missing ids itself so that it knows them. */
export function withIdFirst(doc: Document): Document {
  const out: Document = { _id: doc._id !== undefined ? doc._id : new ObjectId() };
  for (const k in doc) if (k !== '_id') out[k] = doc[k];
  return out;
}

export interface DriverFindOptions {
  sort?: Array<[string, 1 | -1]>;
  projection?: Document;
  skip?: number;
  limit?: number;
  hint?: string | Document;
  maxTimeMS?: number;
  raw: true;
}

export function findOptions(opts: FindOptions = {}): DriverFindOptions {
  const out: DriverFindOptions = { raw: true };
  if (opts.sort && opts.sort.length) out.sort = opts.sort.map(([f, d]) => [f, d]);
  if (opts.projection && Object.keys(opts.projection).length) out.projection = opts.projection;
  if (opts.skip) out.skip = opts.skip;
  if (opts.limit) out.limit = opts.limit;
  if (opts.hint !== undefined) out.hint = opts.hint;
  if (opts.maxTimeMS) out.maxTimeMS = opts.maxTimeMS;
  return out;
}

/** The driver's bulk operations, with every inserted document given its _id up front. */
export function bulkOperations(ops: BulkOperation[]): { ops: BulkOperation[]; insertIds: Map<number, unknown> } {
  const insertIds = new Map<number, unknown>();
  const out = ops.map((op, index): BulkOperation => {
    if ('insertOne' in op) {
      const document = withIdFirst(op.insertOne.document);
      insertIds.set(index, document._id);
      return { insertOne: { document } };
    }
    return op;
  });
  return { ops: out, insertIds };
}

/** What the driver reports of a bulk write, on success or inside a MongoBulkWriteError. */
export interface DriverBulkReport {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
  upsertedIds: Record<number, unknown>;
}

export interface DriverWriteError {
  index: number;
  code: number | undefined;
  errmsg: string | undefined;
}

/**
 * The engine's BulkResult: counts as reported, insertedIds only for inserts that did not fail
 * (ids known before sending), upserted ids in the exact model, writeErrors by operation index.
 */
export function bulkResult(report: DriverBulkReport, writeErrors: DriverWriteError[], insertIds: Map<number, unknown>): BulkResult {
  const failed = new Set(writeErrors.map((w) => w.index));
  const insertedIds = new Map<number, unknown>();
  for (const [i, id] of insertIds) if (!failed.has(i)) insertedIds.set(i, id);
  const upsertedIds = new Map<number, unknown>();
  for (const [i, id] of Object.entries(report.upsertedIds ?? {})) upsertedIds.set(Number(i), toExact(id));
  return {
    insertedCount: report.insertedCount,
    matchedCount: report.matchedCount,
    modifiedCount: report.modifiedCount,
    deletedCount: report.deletedCount,
    upsertedCount: report.upsertedCount,
    insertedIds,
    upsertedIds,
    writeErrors: writeErrors
      .map((w) => ({ index: w.index, code: w.code ?? UNKNOWN_ERROR, message: w.errmsg ?? 'write error' }))
      .sort((a, b) => a.index - b.index),
  };
}

// ---- errors -------------------------------------------------------------------------------

const UNKNOWN_ERROR = 8;
/** MongoDB's HostUnreachable: no server could be reached (http/engine-errors.ts → 503). */
export const HOST_UNREACHABLE = 6;
/** MongoDB's NetworkTimeout: a server stopped answering mid-operation (→ 503). */
export const NETWORK_TIMEOUT = 89;

const CODE_NAMES: Record<number, string> = {
  1: 'InternalError', 2: 'BadValue', 6: 'HostUnreachable', 8: 'UnknownError', 9: 'FailedToParse', 11: 'UserNotFound',
  13: 'Unauthorized', 14: 'TypeMismatch', 18: 'AuthenticationFailed', 26: 'NamespaceNotFound', 27: 'IndexNotFound',
  28: 'PathNotViable', 40: 'ConflictingUpdateOperators', 48: 'NamespaceExists', 50: 'MaxTimeMSExpired',
  52: 'DollarPrefixedFieldName', 66: 'ImmutableField', 67: 'CannotCreateIndex', 85: 'IndexOptionsConflict',
  86: 'IndexKeySpecsConflict', 89: 'NetworkTimeout', 91: 'ShutdownInProgress', 121: 'DocumentValidationFailure',
  189: 'PrimarySteppedDown', 10107: 'NotWritablePrimary', 11000: 'DuplicateKey', 11600: 'InterruptedAtShutdown',
  11602: 'InterruptedDueToReplStateChange', 13435: 'NotPrimaryNoSecondaryOk', 13436: 'NotPrimaryOrSecondary',
};

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `Location${code}`;
}

// Driver error classes by name: matching on `name` keeps this module free of the driver import,
// and the driver's names are part of its public API.
const UNREACHABLE = new Set([
  'MongoServerSelectionError', 'MongoNetworkError', 'MongoTopologyClosedError', 'MongoNotConnectedError',
  'MongoServerClosedError', 'MongoPoolClearedError', 'MongoClientClosedError', 'MongoStalePrimaryError',
]);
const TIMEOUT = new Set(['MongoNetworkTimeoutError', 'MongoOperationTimeoutError']);
// socket errors the driver lets through unwrapped (writing to a connection the server closed)
const SOCKET_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENOTCONN', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_SOCKET_CLOSED']);
const CLIENT_SIDE = new Set([
  'MongoInvalidArgumentError', 'MongoParseError', 'MongoCompatibilityError', 'BSONError', 'BSONVersionError',
  'BSONOffsetError', 'MongoCursorInUseError', 'MongoAPIError',
]);

function numericCode(code: unknown): number | undefined {
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (code !== null && typeof code === 'object' && typeof (code as { valueOf(): unknown }).valueOf() === 'number') {
    return (code as { valueOf(): number }).valueOf();
  }
  return undefined;
}

/**
 * Any error of the driver → EngineError with MongoDB's code (server errors keep theirs). Errors
 * that are no driver's (programming errors) are returned unchanged.
 */
export function engineErrorOf(e: unknown): unknown {
  if (e instanceof EngineError || !(e instanceof Error)) return e;
  const name = e.name;
  if (TIMEOUT.has(name)) return new EngineError(NETWORK_TIMEOUT, codeName(NETWORK_TIMEOUT), `MongoDB did not answer in time: ${e.message}`);
  if (UNREACHABLE.has(name) || SOCKET_CODES.has(String((e as Error & { code?: unknown }).code))) return new EngineError(HOST_UNREACHABLE, codeName(HOST_UNREACHABLE), `MongoDB is not reachable: ${e.message}`);
  if (CLIENT_SIDE.has(name)) return new EngineError(2, 'BadValue', e.message);
  if (name === 'MongoBulkWriteError' || name === 'MongoWriteConcernError' || name.startsWith('MongoServer') || name === 'MongoError') {
    const err = e as Error & { code?: unknown; codeName?: unknown; errmsg?: unknown; writeErrors?: unknown };
    // a single write's failure arrives as a bulk error holding one write error
    const first = Array.isArray(err.writeErrors) ? (err.writeErrors[0] as { code?: unknown; errmsg?: unknown } | undefined) : undefined;
    const code = numericCode(err.code) ?? numericCode(first?.code) ?? UNKNOWN_ERROR;
    const message = typeof err.errmsg === 'string' ? err.errmsg : typeof first?.errmsg === 'string' ? first.errmsg : e.message;
    return new EngineError(code, typeof err.codeName === 'string' ? err.codeName : codeName(code), message);
  }
  if (name.startsWith('Mongo')) return new EngineError(UNKNOWN_ERROR, codeName(UNKNOWN_ERROR), e.message);
  return e;
}

/** The connection string with its password masked, for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^:@/]*):[^@/]*@/, '$1:****@');
}

export interface ClientOptions {
  serverSelectionTimeoutMS?: number;
  appName?: string;
  /** the engine assigns every _id itself; this keeps the driver from replacing an _id of null */
  forceServerObjectId: true;
}

/** Client options: a short server selection unless the connection string sets its own. */
export function clientOptions(uri: string): ClientOptions {
  const out: ClientOptions = { forceServerObjectId: true };
  const query = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1).toLowerCase() : '';
  if (!/(^|&)serverselectiontimeoutms=/.test(query)) out.serverSelectionTimeoutMS = DEFAULT_SERVER_SELECTION_MS;
  if (!/(^|&)appname=/.test(query)) out.appName = 'docrest';
  return out;
}

export const DEFAULT_SERVER_SELECTION_MS = 5000;
