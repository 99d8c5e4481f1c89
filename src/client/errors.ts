// Errors of the client: every non-2xx answer becomes a DocrestError (or the subclass of its status)
// carrying RESTHeart's error body when the server sent one, and the resource's current ETag on
// 409/412.

/** RESTHeart's error body (API.md §3.6). */
export interface ErrorBody {
  'http status code': number;
  'http status description': string;
  message: string;
  exception?: string;
  'exception message'?: unknown;
  _warnings?: string[];
  [extra: string]: unknown;
}

export class DocrestError extends Error {
  readonly status: number;
  /** the error body; undefined when the answer had none (401, 403, 412, 404 of a write) */
  readonly body: ErrorBody | undefined;
  readonly method: string;
  readonly url: string;
  /** the resource's current ETag, when the server sent it (409, 412) */
  readonly etag: string | undefined;

  constructor(status: number, body: ErrorBody | undefined, method: string, url: string, etag: string | undefined) {
    super(body?.message || `${method} ${url}: ${status}${body?.['http status description'] ? ` ${body['http status description']}` : ''}`);
    this.name = new.target.name;
    this.status = status;
    this.body = body;
    this.method = method;
    this.url = url;
    this.etag = etag;
  }
}

export class BadRequestError extends DocrestError {}
export class UnauthorizedError extends DocrestError {}
export class ForbiddenError extends DocrestError {}
export class NotFoundError extends DocrestError {}
/** 409: a duplicate key, a write conflict, or an ETag the resource requires (If-Match) */
export class ConflictError extends DocrestError {}
/** 412: If-Match is not the resource's current ETag (`etag` holds the current one) */
export class PreconditionFailedError extends DocrestError {}

const BY_STATUS: Record<number, typeof DocrestError> = {
  400: BadRequestError, 401: UnauthorizedError, 403: ForbiddenError, 404: NotFoundError, 409: ConflictError, 412: PreconditionFailedError,
};

export function errorOf(status: number, body: ErrorBody | undefined, method: string, url: string, etag: string | undefined): DocrestError {
  return new (BY_STATUS[status] ?? DocrestError)(status, body, method, url, etag);
}

/** Some documents of an insertMany were not written (207); `result` says which. */
export class BulkWriteError extends DocrestError {
  readonly result: BulkResult;
  constructor(result: BulkResult, method: string, url: string) {
    super(207, undefined, method, url, undefined);
    this.message = `${result.errors?.length ?? 0} of the documents were not written`;
    this.result = result;
  }
}

export interface BulkResult {
  inserted: number;
  deleted: number;
  modified: number;
  matched: number;
  links?: string[];
  errors?: Array<{ index: number; httpStatus: number; mongodbErrorCode?: number; message?: string }>;
}
