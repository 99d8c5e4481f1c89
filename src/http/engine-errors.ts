// MongoDB error codes → HTTP status and RESTHeart's message (API.md §3.6). Both engines raise
// EngineError with MongoDB's codes, so this table is the only mapping.
import { EngineError, HttpError } from '../errors.ts';

const BAD_REQUEST = new Set([2, 61, 73, 121, 225, 251, 256, 56, 40353, 40352, 51091, 51108, 40323, 16410, 31253, 15974,
  17312, 31138, 15998, 31249, 168, 17276, 17287, 31254, 241, 15975,
  // not in RESTHeart's table, which answers them with 500; docrest treats bad updates as client errors
  9, 14, 28, 40, 52, 258, 31250, 31257, 31258, 31259, 31272, 31273, 31274, 31275, 51270]);
const FORBIDDEN = new Set([13, 18, 66]);
const CONFLICT = new Set([112, 11000, 11001, 13297]);
// the MongoDB engine lost its server (HostUnreachable, HostNotFound, NetworkTimeout, SocketException)
// or the server is between primaries (ShutdownInProgress, PrimarySteppedDown, NotWritablePrimary, …)
const UNAVAILABLE = new Set([6, 7, 89, 9001, 91, 189, 10107, 11600, 11602, 13435, 13436]);
const INVALID_QUERY = new Set([2, 51091, 51108, 31249, 168, 17276, 9, 14, 28, 40, 52, 258, 31250, 31257, 31258, 31259, 31272, 31273, 31274, 31275, 51270]);

// NamespaceNotFound, IndexNotFound
const NOT_FOUND = new Set([26, 27]);

export function httpStatusOfEngineCode(code: number): number {
  if (BAD_REQUEST.has(code)) return 400;
  if (NOT_FOUND.has(code)) return 404;
  if (FORBIDDEN.has(code)) return 403;
  if (CONFLICT.has(code)) return 409;
  if (code === 50) return 408;
  if (UNAVAILABLE.has(code)) return 503;
  return 500;
}

function messageOf(e: EngineError): string {
  switch (e.code) {
    case 11000: case 11001: return 'Duplicate key error (insert with existing _id, update a document not matching specified filter or unique index violation)';
    case 121: return 'Document failed validation';
    case 112: return 'Write conflict inside transaction';
    case 225: case 251: case 256: return 'The given transaction is not in-progress';
    case 15974: case 17312: return 'Invalid sort parameter';
    case 17287: case 31253: case 31254: return 'Keys projection cannot have a mix of inclusion and exclusion';
    case 50: return 'Operation exceeded time limit';
  }
  if (UNAVAILABLE.has(e.code)) return 'The database is not available, retry later';
  if (INVALID_QUERY.has(e.code)) return `Invalid query parameter: ${e.message}`;
  if (httpStatusOfEngineCode(e.code) === 500) return 'Error handling the request, see log for more information';
  return e.message;
}

export function httpErrorOfEngineError(e: EngineError): HttpError {
  return new HttpError(httpStatusOfEngineCode(e.code), messageOf(e), {
    extra: {
      exception: 'EngineError',
      'exception message': { code: e.code, codeName: e.codeName, errmsg: e.message.slice(0, 100) },
    },
  });
}
