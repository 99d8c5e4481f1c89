// Uploads to a file bucket (API.md §10): POST /{db}/{b}.files and PUT /{db}/{b}.files/{id} with a
// multipart body. The first file part streams into the bucket as it arrives; a `metadata` (or
// legacy `properties`) field before it gives the file's metadata. The files document is written
// only once the whole body has been parsed, so a malformed, truncated or abandoned body leaves
// nothing behind.
import { fileTypeFromBuffer } from 'file-type';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Bucket, UploadStream } from '../../engine/types.ts';
import { ObjectId, isPlainObject, valuesEqual, type Document } from '../../engine/values.ts';
import { HttpError, badRequest } from '../../errors.ts';
import { JsonSyntaxError, parseJson } from '../../json/parse.ts';
import { newEtag, type MongoRequest } from '../context.ts';
import { parseMultipart } from '../multipart.ts';

/** What content-type detection looks at (file-type's own sample size). */
const SNIFF_BYTES = 4100;

export interface Stored {
  id: unknown;
  etag: ObjectId;
}

export interface UploadTarget {
  bucket: Bucket;
  /** PUT: the URL's id */
  id?: unknown;
  /** runs once the metadata is known and before any byte is stored (PUT: the old file goes) */
  before?: (id: unknown) => Promise<void>;
}

/** RESTHeart: unparsable → "Invalid data: …"; not an object → "metadata is not a valid JSON object". */
function parseMetadata(text: string | undefined): Document {
  if (text === undefined || text.trim() === '') return {};
  let v: unknown;
  try {
    v = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw badRequest("Invalid data: 'metadata' field is not a valid JSON object");
    throw e;
  }
  if (v === null) return {};
  if (!isPlainObject(v)) throw badRequest('metadata is not a valid JSON object');
  return { ...v };
}

/** The first `n` bytes of a stream (fewer when it ends first); the stream is left paused after them. */
function readHead(s: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let len = 0;
    const done = () => {
      s.off('data', onData);
      s.off('end', done);
      s.off('error', reject);
      s.pause();
      resolve(Buffer.concat(parts, len));
    };
    const onData = (c: Buffer) => {
      parts.push(c);
      len += c.length;
      if (len >= n) done();
    };
    s.on('data', onData);
    s.once('end', done);
    s.once('error', reject);
  });
}

/** As RESTHeart's Tika detection from the content: a known signature, else text or octet-stream. */
async function detectContentType(head: Buffer): Promise<string> {
  const t = await fileTypeFromBuffer(head);
  if (t) return t.mime;
  if (head.length > 0 && !head.includes(0)) {
    // text, unless the sample is not UTF-8 (a multi-byte character cut at the end is fine)
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)));
      return 'text/plain';
    } catch {
      return 'application/octet-stream';
    }
  }
  return 'application/octet-stream';
}

/** Receives the request's multipart body into the bucket; resolves once the file is stored. */
export async function receiveFile(req: MongoRequest, target: UploadTarget): Promise<Stored> {
  if (!req.requestStream) throw badRequest('This request does not contain any binary file');
  const source = req.requestStream();
  let metaText: string | undefined;
  let metaField: string | undefined;
  let upload: UploadStream | undefined;
  let file: Readable | undefined;
  let work: Promise<Stored> | undefined;
  const parse = parseMultipart(source, req.headers, req.settings.maxBodySize, {
    field(name, value) {
      if (name !== 'metadata' && name !== 'properties') return;
      if (work) throw badRequest(`the ${name} field must come before the file part: the file is stored as it arrives`);
      if (metaField !== 'metadata') {
        metaText = value;
        metaField = name;
      }
    },
    file(part) {
      if (work) {
        part.stream.resume();
        return;
      }
      const metadata = parseMetadata(metaText);
      file = part.stream;
      work = (async () => {
        const head = await readHead(part.stream, SNIFF_BYTES);
        if (metadata.contentType === undefined) metadata.contentType = await detectContentType(head);
        const etag = newEtag();
        metadata._etag = etag;
        const given = metadata._id;
        delete metadata._id;
        if (target.id !== undefined && given !== undefined && !valuesEqual(given, target.id)) throw badRequest('_id in content body is different than id in URL');
        const id = target.id ?? given ?? new ObjectId();
        await target.before?.(id);
        const filename = typeof metadata.filename === 'string' ? metadata.filename : part.filename ?? 'file';
        const up = target.bucket.openUploadStream({ id, filename, metadata });
        upload = up;
        await new Promise<void>((resolve, reject) => {
          up.once('error', reject);
          up.write(head);
          part.stream.pipe(up, { end: false });
          finished(part.stream).then(resolve, reject);
        });
        return { id, etag };
      })();
      work.catch((e: unknown) => parse.fail(e));
    },
  });
  try {
    await parse.done;
    if (!work) throw badRequest('This request does not contain any binary file');
    const stored = await work;
    const up = upload as UploadStream | undefined;
    if (!up) throw new HttpError(500, 'the upload did not start');
    up.end();
    await finished(up);
    return stored;
  } catch (e) {
    (file as Readable | undefined)?.unpipe();
    const up = upload as UploadStream | undefined;
    if (up) await up.abort().catch(() => undefined);
    throw e;
  }
}
