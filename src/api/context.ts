// The typed RESTHeart request the api stage works on, and the response it hands back to http.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { HttpError } from '../errors.ts';
import type { Engine } from '../engine/types.ts';
import { ObjectId, type Document } from '../engine/values.ts';
import type { MongoPermissions } from '../security/acl.ts';
import type { Settings } from '../settings.ts';
import type { Body } from './body.ts';
import type { QueryParams } from './params.ts';
import type { Resource } from './resource.ts';

/** Who asks, as aggregations see it (@user, @mongoPermissions): set by security. */
export interface Caller {
  /** the account's properties (no password), _id and roles; null when anonymous */
  user: Document | null;
  /** the ACL permission, its variables resolved */
  permissions: MongoPermissions;
}

export interface MongoRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** request path as received (still percent-encoded), without the query string */
  path: string;
  /** the raw query string, without '?' */
  query: string;
  /** the mongo resource path (percent-encoded segments) */
  mongoPath: string;
  resource: Resource;
  params: QueryParams;
  /** parsed lazily: a malformed body must not hide a 401/403; security may wrap it (mergeRequest) */
  body: () => Body;
  /** the unread body of a multipart upload to a file bucket (streamed, never buffered whole) */
  requestStream?: () => Readable;
  /** set by security: reshapes every document of a response (password removal, projectResponse) */
  shape?: (doc: Document) => Document;
  caller?: Caller;
  /** scheme://host[:port] of this request, or mongo.instance-base-url */
  baseUrl: string;
  /** maps a mongo resource path back to request space */
  toRequestPath: (mongoPath: string) => string;
  /** first error found while parsing; sent after security (API.md §2) */
  error?: HttpError;
  settings: Settings;
  engine: Engine;
}

export interface ApiResponse {
  status: number;
  /** a value in the exact model, rendered with the request's jsonMode; undefined = empty body */
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

export function newEtag(): ObjectId {
  return new ObjectId();
}

export function etagHeader(etag: unknown): Record<string, string> {
  return etag instanceof ObjectId ? { ETag: etag.toHexString() } : etag !== undefined && etag !== null ? { ETag: String(etag) } : {};
}

/** Request-space path of a child of the current mongo resource, e.g. the new document's link. */
export function childPath(req: MongoRequest, mongoPath: string, child: string): string {
  const base = req.toRequestPath(mongoPath);
  return `${base === '/' ? '' : base}/${child}`;
}

export type Handler = (req: MongoRequest) => Promise<ApiResponse>;

export function ok(body?: unknown, headers?: Record<string, string>): ApiResponse {
  return { status: 200, body, headers };
}
