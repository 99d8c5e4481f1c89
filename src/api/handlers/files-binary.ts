// GET /{db}/{b}.files/{id}/binary (API.md §10): the bytes, streamed from the bucket. Beyond
// RESTHeart: a single `Range: bytes=…` is served as 206 (416 when it starts past the end); a
// multi-range or unparsable Range header, or an If-Range that no longer matches, gets the whole file.
import type { StreamResponse } from '../../http/response.ts';
import { isNumeric, numberOf, type Document } from '../../engine/values.ts';
import { HttpError } from '../../errors.ts';
import { etagHeader, type ApiResponse, type MongoRequest } from '../context.ts';
import { etagMatches, requireColl } from '../meta.ts';
import { bucketOf, fileEtag, fileTarget, filesColl } from './files.ts';

/** [start, end] inclusive, 'unsatisfiable', or undefined: serve the whole file. */
export function parseRange(header: string | undefined, length: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    // the last n bytes
    const n = Number(m[2]);
    if (n === 0 || length === 0) return 'unsatisfiable';
    return { start: Math.max(0, length - n), end: length - 1 };
  }
  const start = Number(m[1]);
  if (start >= length) return 'unsatisfiable';
  const end = m[2] === '' ? length - 1 : Number(m[2]);
  if (end < start) return undefined;
  return { start, end: Math.min(end, length - 1) };
}

/** `inline; filename="…"` as RESTHeart; a name beyond ASCII also as RFC 6266's filename* (headers are latin1). */
function disposition(file: Document): string {
  const name = typeof file.filename === 'string' ? file.filename : String(file._id);
  const ascii = name.replaceAll(/[^\x20-\x7e]/g, '_').replaceAll(/["\\]/g, '\\$&');
  const plain = `inline; filename="${ascii}"`;
  return /^[\x20-\x7e]*$/.test(name) ? plain : `${plain}; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export async function getFileBinary(req: MongoRequest): Promise<ApiResponse | StreamResponse> {
  await requireColl(req);
  const { filter } = fileTarget(req);
  const file = await filesColl(req).findOne(filter);
  if (!file) throw new HttpError(404, `File with ID <${req.resource.docId}> not found`);
  const etag = fileEtag(file);
  const tag = etagHeader(etag);
  if (etagMatches(req.headers['if-none-match'], etag)) return { status: 304, headers: tag };
  const length = isNumeric(file.length) ? numberOf(file.length) : 0;
  const metadata = (file.metadata ?? {}) as Document;
  const contentType = typeof metadata.contentType === 'string' ? metadata.contentType : 'application/octet-stream';
  const headers: Record<string, string> = {
    'Content-Disposition': disposition(file),
    'Content-Transfer-Encoding': 'binary',
    'Accept-Ranges': 'bytes',
    ...tag,
  };
  const ifRange = req.headers['if-range'];
  const rangeHeader = ifRange === undefined || etagMatches(ifRange, etag) ? req.headers.range : undefined;
  const range = parseRange(rangeHeader, length);
  if (range === 'unsatisfiable') {
    throw new HttpError(416, `Range ${rangeHeader} is not satisfiable: the file has ${length} bytes`, { headers: { 'Content-Range': `bytes */${length}`, ...tag } });
  }
  const bucket = bucketOf(req);
  if (!range) {
    return { kind: 'stream', status: 200, body: bucket.openDownloadStream(file._id), contentType, length, headers };
  }
  headers['Content-Range'] = `bytes ${range.start}-${range.end}/${length}`;
  return {
    kind: 'stream', status: 206, contentType, length: range.end - range.start + 1, headers,
    body: bucket.openDownloadStream(file._id, { start: range.start, end: range.end + 1 }),
  };
}
