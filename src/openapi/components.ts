// The components every docrest OpenAPI document shares: Extended JSON value shapes, RESTHeart's
// error body, the MongoDB API's query parameters (API.md §4), the common error responses and the
// security schemes (Basic, Bearer JWT, the auth cookie).
import type { Settings } from '../settings.ts';
import { ref, type OpenApiDocument, type Parameter, type Response, type Schema } from './description.ts';

const json = (schema: Schema) => ({ 'application/json': { schema } });

/** Extended JSON (API.md §3.2, §3.4) as the default jsonMode writes it and every mode is read. */
const VALUE_SCHEMAS: Record<string, Schema> = {
  ObjectId: {
    type: 'object', description: 'an ObjectId, as Extended JSON', required: ['$oid'], additionalProperties: false,
    properties: { $oid: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' } },
  },
  Date: {
    type: 'object', required: ['$date'], additionalProperties: false,
    description: 'a date: epoch milliseconds by default, ISO-8601 with jsonMode=relaxed, {"$numberLong"} with jsonMode=extended',
    properties: { $date: { anyOf: [{ type: 'integer' }, { type: 'string' }, ref('schemas', 'Int64Canonical')] } },
  },
  Int64Canonical: {
    type: 'object', required: ['$numberLong'], additionalProperties: false,
    properties: { $numberLong: { type: 'string', pattern: '^-?[0-9]+$' } },
  },
  Decimal128: {
    type: 'object', required: ['$numberDecimal'], additionalProperties: false,
    properties: { $numberDecimal: { type: 'string' } },
  },
  DocumentId: {
    description: "a document's _id: any BSON value but an array (an ObjectId when the server generated it)",
    anyOf: [ref('schemas', 'ObjectId'), { type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }, { type: 'object' }],
  },
  DocumentMeta: {
    type: 'object',
    properties: {
      _id: ref('schemas', 'DocumentId'),
      _etag: { ...ref('schemas', 'ObjectId'), description: 'set by the server on every write; sent back as the ETag header' },
    },
  },
  Document: {
    description: 'a document, in Extended JSON',
    allOf: [ref('schemas', 'DocumentMeta'), { type: 'object', additionalProperties: true }],
  },
  NewDocument: { type: 'object', description: 'a document to write (Extended JSON); _id optional', additionalProperties: true },
  Update: {
    description: 'fields to set (dotted paths allowed) and update operators ($inc, $push, $unset, …), or an aggregation pipeline',
    anyOf: [{ type: 'object', additionalProperties: true }, { type: 'array', items: { type: 'object' } }],
  },
  ErrorBody: {
    type: 'object', description: "RESTHeart's error body (API.md §3.6)",
    required: ['http status code', 'http status description', 'message'],
    properties: {
      'http status code': { type: 'integer' },
      'http status description': { type: 'string' },
      message: { type: 'string' },
      exception: { type: 'string' },
      'exception message': {},
      _warnings: { type: 'array', items: { type: 'string' } },
    },
  },
  BulkResult: {
    type: 'object', description: 'result of a bulk write (API.md §7.6); errors only on 207',
    required: ['inserted', 'deleted', 'modified', 'matched'],
    properties: {
      inserted: { type: 'integer' }, deleted: { type: 'integer' }, modified: { type: 'integer' }, matched: { type: 'integer' },
      links: { type: 'array', items: { type: 'string' } },
      errors: {
        type: 'array',
        items: {
          type: 'object', required: ['index', 'httpStatus'],
          properties: { index: { type: 'integer' }, httpStatus: { type: 'integer' }, mongodbErrorCode: { type: 'integer' }, message: { type: 'string' } },
        },
      },
    },
  },
  Metadata: {
    type: 'object', description: 'database or collection metadata (aggrs, streams, jsonSchema, rels, etagPolicy, etagDocPolicy, any field)',
    additionalProperties: true,
  },
  Size: { type: 'object', required: ['_size'], properties: { _size: { type: 'integer' } } },
  IndexSpec: {
    type: 'object', required: ['keys'],
    properties: { keys: { type: 'object', additionalProperties: true }, ops: { type: 'object', additionalProperties: true } },
  },
  Index: { type: 'object', properties: { _id: { type: 'string' }, key: { type: 'object', additionalProperties: true } }, additionalProperties: true },
  TransactionState: {
    type: 'object', required: ['currentTxn'],
    properties: {
      currentTxn: {
        anyOf: [
          { type: 'null' },
          { type: 'object', required: ['id', 'status'], properties: { id: { type: 'integer' }, status: { enum: ['NONE', 'IN', 'COMMITTED', 'ABORTED'] } } },
        ],
      },
    },
  },
};

const q = (name: string, description: string, schema: Schema = { type: 'string' }): Parameter => ({ name, in: 'query', description, schema });

/** Query parameters of API.md §4 (and headers of §8), referenced by name. */
function parameters(s: Settings): Record<string, Parameter> {
  return {
    page: q('page', 'page number, from 1', { type: 'integer', minimum: 1, default: 1 }),
    pagesize: q('pagesize', 'documents per page (0: none, count only)', { type: 'integer', minimum: 0, maximum: s.maxPagesize, default: s.defaultPagesize }),
    filter: q('filter', 'a MongoDB query, as Extended JSON; repeated filters are combined with $and'),
    keys: q('keys', 'a projection, as JSON ({"name":1}); may repeat'),
    sort: q('sort', 'a sort: JSON ({"a":1,"b":-1}) or a field with an optional - or + prefix; may repeat. Default {"_id":-1}'),
    hint: q('hint', 'an index name, +field/-field, or a JSON index key'),
    count: q('count', 'present: count the matching documents (X-Count-Strategy header); "estimated" uses the collection count when there is no filter'),
    rep: q('rep', 'representation', { enum: ['STANDARD', 'S', 'HAL', 'SHAL', 'PLAIN_JSON', 'PJ'] }),
    np: q('np', 'present: no resource properties (HAL/SHAL)'),
    hal: q('hal', 'HAL mode', { enum: ['c', 'compact', 'f', 'full', 'C', 'COMPACT', 'F', 'FULL'] }),
    jsonMode: q('jsonMode', 'Extended JSON output mode', { enum: ['relaxed', 'extended', 'strict', 'shell', 'RELAXED', 'EXTENDED', 'STRICT', 'SHELL'] }),
    id_type: q('id_type', 'how the id segment of the path is read', { enum: ['OID', 'STRING_OID', 'STRING', 'NUMBER', 'DATE', 'MINKEY', 'MAXKEY', 'NULL', 'BOOLEAN'] }),
    wm: q('wm', 'write mode (needs the ACL flag allowWriteMode for non-root users)', { enum: ['insert', 'update', 'upsert'] }),
    checkEtag: q('checkEtag', 'present: the If-Match check is required'),
    avars: q('avars', 'aggregation or change stream variables, as a JSON object'),
    shardkey: q('shardkey', 'shard key of a document request, as a JSON object'),
    sid: q('sid', 'session id (a UUID, from POST /_sessions)', { type: 'string', format: 'uuid' }),
    txn: q('txn', 'transaction number of the session (from POST /_sessions/{sid}/_txns)', { type: 'integer', minimum: 1 }),
    ifMatch: { name: 'If-Match', in: 'header', description: 'the ETag the write expects (412 when it is not the current one)', schema: { type: 'string' } },
    ifNoneMatch: { name: 'If-None-Match', in: 'header', description: 'an ETag: 304 when it is the current one', schema: { type: 'string' } },
  };
}

/** Every MongoDB API operation takes these (API.md §4, §11). */
export const COMMON_PARAMETERS = ['jsonMode', 'sid', 'txn'].map((p) => ref('parameters', p));

const errorResponse = (description: string): Response => ({ description, content: json(ref('schemas', 'ErrorBody')) });
const noBody = (description: string): Response => ({ description });

const RESPONSES: Record<string, Response> = {
  BadRequest: errorResponse('bad request: an invalid parameter or body'),
  Unauthorized: noBody('authentication required or credentials rejected (no body; WWW-Authenticate unless noauthchallenge)'),
  Forbidden: noBody('the ACL does not allow the request (no body)'),
  NotFound: errorResponse('the resource does not exist (no body for writes to a missing document)'),
  Conflict: { ...errorResponse("conflict: a duplicate key, a write conflict, or the ETag is required (If-Match); the ETag header carries the current one"), headers: { ETag: { schema: { type: 'string' } } } },
  PreconditionFailed: { description: 'If-Match is not the current ETag (no body)', headers: { ETag: { schema: { type: 'string' } } } },
  NotModified: noBody('If-None-Match is the current ETag'),
  Error: errorResponse('any other error, with RESTHeart\'s error body'),
};

export function securitySchemes(jwt: boolean, cookieName: string): Record<string, Record<string, unknown>> {
  const schemes: Record<string, Record<string, unknown>> = {
    basicAuth: { type: 'http', scheme: 'basic', description: 'user and password; with a JWT as password when tokenBasicAuthMechanism is on' },
  };
  if (jwt) {
    schemes.bearerAuth = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'a token from GET /token' };
    schemes.cookieAuth = { type: 'apiKey', in: 'cookie', name: cookieName, description: 'the auth cookie set by POST /token/cookie' };
  }
  return schemes;
}

export function baseComponents(s: Settings, schemes: Record<string, Record<string, unknown>>): OpenApiDocument['components'] {
  return { schemas: { ...VALUE_SCHEMAS }, parameters: parameters(s), responses: { ...RESPONSES }, securitySchemes: schemes };
}

/** The usual error responses of a MongoDB API operation. */
export function errors(...extra: Array<'NotFound' | 'Conflict' | 'PreconditionFailed' | 'NotModified'>): Record<string, Response> {
  const codes: Record<string, string> = { NotFound: '404', Conflict: '409', PreconditionFailed: '412', NotModified: '304' };
  const out: Record<string, Response> = {
    400: ref('responses', 'BadRequest'), 401: ref('responses', 'Unauthorized'), 403: ref('responses', 'Forbidden'),
  };
  for (const e of extra) out[codes[e]!] = ref('responses', e);
  out.default = ref('responses', 'Error');
  return out;
}

export { json };
