// What a service answers — JSON, bytes, a stream, or a takeover of the connection (SSE, WebSocket)
// — and how each kind is written on node's ServerResponse.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { deflate, gzip } from 'node:zlib';

/** A value in the exact model, rendered as JSON with the request's jsonMode (the MongoDB API's ApiResponse is one). */
export interface JsonResponse {
  kind?: 'json';
  status: number;
  /** undefined = empty body */
  body?: unknown;
  headers?: Record<string, string>;
  /** default application/json; charset=UTF-8 */
  contentType?: string;
}

/** Bytes as they are (compressed like JSON when large and accepted). */
export interface BytesResponse {
  kind: 'bytes';
  status: number;
  body: Buffer | string;
  contentType: string;
  headers?: Record<string, string>;
}

/**
 * A body streamed with backpressure, never compressed; chunked unless `length` is given. The
 * stream is destroyed when the client goes away, so its source can stop (a cursor, a file).
 */
export interface StreamResponse {
  kind: 'stream';
  status: number;
  body: Readable;
  contentType: string;
  length?: number;
  headers?: Record<string, string>;
}

/**
 * The service writes the response itself: SSE on `res` (CORS and X-Powered-By headers are already
 * set on it), or, for an `Upgrade:` request to a service with `acceptsUpgrade`, the WebSocket
 * handshake on `socket` with `head` (e.g. ws's `handleUpgrade(req, socket, head, cb)`).
 */
export interface TakeoverResponse {
  kind: 'takeover';
  run: (t: Takeover) => void | Promise<void>;
}

export interface Takeover {
  req: IncomingMessage;
  res: ServerResponse;
  socket: Duplex;
  /** the first bytes after the upgrade request's headers; undefined when not an upgrade */
  head: Buffer | undefined;
  upgrade: boolean;
}

export type ServiceResponse = JsonResponse | BytesResponse | StreamResponse | TakeoverResponse;

/** Response headers in the order they are sent (CORS first), by lower-case name. */
export type OutHeaders = Record<string, string | number>;

export const JSON_TYPE = 'application/json; charset=UTF-8';

/**
 * A body as the service rendered it. A string is encoded by the socket into a buffer it frees as
 * soon as the write is done; a Buffer made of it first was one more allocation that lived until a
 * GC: pages of 100 documents cost 152–213 µs of CPU as strings, 230–250 µs through a Buffer (same
 * minutes; M1's RSS did not change).
 */
export type Body = Buffer | string;

// Compression is done here rather than by @fastify/compress: its three hooks cost every request,
// compressed or not, ~15% of a point read. zlib runs on the thread pool, off the event loop.
const COMPRESS_THRESHOLD = 1024;
const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

/** The body as sent: compressed (a promise) when worth it and accepted, else as it is. */
export function encode(h: OutHeaders, acceptEncoding: string | undefined, body: Body): Body | Promise<Buffer> {
  if (body.length < COMPRESS_THRESHOLD) return body;
  const encoding = contentEncoding(h, acceptEncoding);
  return encoding === undefined ? body : encoding === 'gzip' ? gzipAsync(body) : deflateAsync(body);
}

/** The encoding the client accepts (gzip first, then deflate), set in the headers; undefined for none. */
export function contentEncoding(h: OutHeaders, acceptEncoding: string | undefined): 'gzip' | 'deflate' | undefined {
  if (!acceptEncoding) return undefined;
  const encoding = /\bgzip\b/.test(acceptEncoding) ? 'gzip' : /\bdeflate\b/.test(acceptEncoding) ? 'deflate' : undefined;
  if (encoding) {
    h['content-encoding'] = encoding;
    h.vary = typeof h.vary === 'string' && h.vary ? `${h.vary}, Accept-Encoding` : 'Accept-Encoding';
  }
  return encoding;
}

/**
 * Writes a whole response on node's ServerResponse: fastify's reply.send runs hooks, header and
 * payload checks that cost ~5 µs a request (measured); docrest has none of those to run.
 */
export function end(res: ServerResponse, status: number, h: OutHeaders, body: Body | undefined): void {
  // no Content-Length on 204/304 and no Content-Type on 204 (RFC 9110); every other response has one
  if (status === 204) delete h['content-type'];
  else if (status !== 304) h['content-length'] = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  res.writeHead(status, h);
  res.end(body);
}

/** A whole body, compressed when worth it and accepted. */
export function endEncoded(res: ServerResponse, status: number, h: OutHeaders, body: Body): void | Promise<void> {
  const out = encode(h, res.req.headers['accept-encoding'], body);
  if (out instanceof Promise) return out.then((b) => end(res, status, h, b));
  end(res, status, h, out);
}

/** Streams the body; resolves when it is all written, rejects when the client went away or the source failed. */
export async function writeStream(res: ServerResponse, h: OutHeaders, r: StreamResponse): Promise<void> {
  if (r.length !== undefined) h['content-length'] = r.length;
  res.writeHead(r.status, h);
  if (res.req.method === 'HEAD' || r.status === 204 || r.status === 304) {
    r.body.destroy();
    res.end();
    return;
  }
  await pipeline(r.body, res);
}
