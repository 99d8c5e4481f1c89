// A GridFS file bucket (API.md §10): `<name>.files` on the server. Uploads are multipart (a
// `metadata` field, then the file part), downloads read /{id}/binary.
import type { Document, FindOptions, Scope, WriteOptions } from './collection.ts';
import { Collection } from './collection.ts';
import { idOfLink, idSegment, type Transport } from './http.ts';

export interface FileDocument extends Document {
  _id: unknown;
  filename: string;
  length: number | bigint;
  chunkSize: number;
  uploadDate: Date;
  metadata: Document;
}

export interface UploadOptions {
  filename: string;
  /** the file's _id (default: an ObjectId the server makes) */
  id?: unknown;
  /** stored as the file document's metadata (contentType is detected from the bytes when absent) */
  metadata?: Document;
  signal?: AbortSignal;
}

export class Bucket {
  readonly name: string;
  /** the bucket's files collection (`<name>.files`): find, count, metadata updates */
  readonly files: Collection<FileDocument>;
  private readonly http: Transport;

  constructor(http: Transport, db: string, name: string, dbPath: string, scope: Scope = {}) {
    this.http = http;
    this.name = name;
    this.files = new Collection<FileDocument>(http, db, `${name}.files`, dbPath, scope);
  }

  /** Creates the bucket (PUT of `<name>.files`). */
  create(metadata: Document = {}): Promise<{ etag?: string }> {
    return this.files.create(metadata);
  }

  async upload(data: Blob | Uint8Array | string, o: UploadOptions): Promise<{ insertedId: unknown; etag?: string }> {
    const form = new FormData();
    const metadata: Document = { ...o.metadata, filename: o.filename };
    if (o.id !== undefined) metadata._id = o.id;
    form.append('metadata', this.http.codec.stringify(metadata));
    const blob = data instanceof Blob ? data : new Blob([typeof data === 'string' ? data : new Uint8Array(data)]);
    form.append('file', blob, o.filename);
    const r = await this.http.request('POST', this.files.path, { rawBody: form, signal: o.signal });
    return { insertedId: o.id !== undefined ? o.id : r.location ? idOfLink(r.location) : undefined, etag: r.etag };
  }

  find(o: FindOptions = {}): Promise<FileDocument[]> {
    return this.files.find(o);
  }

  findById(id: unknown): Promise<FileDocument | null> {
    return this.files.findById(id);
  }

  /** The file's bytes as a stream (Range: `range` as the HTTP header value, e.g. "bytes=0-99"). */
  async downloadStream(id: unknown, o: { range?: string; signal?: AbortSignal } = {}): Promise<ReadableStream<Uint8Array>> {
    const { segment, idType } = idSegment(id);
    const res = await this.http.raw('GET', `${this.files.path}/${segment}/binary`, {
      query: { id_type: idType }, signal: o.signal, headers: o.range ? { Range: o.range } : {},
    });
    return res.body ?? new ReadableStream({ start: (c) => c.close() });
  }

  async download(id: unknown, o: { range?: string; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return new Uint8Array(await new Response(await this.downloadStream(id, o)).arrayBuffer());
  }

  delete(id: unknown, o: WriteOptions = {}): Promise<{ deletedCount: number }> {
    return this.files.deleteOne(id, o);
  }

  /** Drops the bucket (the server wants its ETag by default, as for collections). */
  drop(o: WriteOptions = {}): Promise<void> {
    return this.files.drop(o);
  }
}
