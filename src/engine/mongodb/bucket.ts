// GridFS buckets of the MongoDB engine: the driver's GridFSBucket, so files written by other
// MongoDB tools are served and files uploaded here are theirs to read.
import { GridFSBucket, type Db, type GridFSBucketWriteStream } from 'mongodb';
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { GRIDFS_CHUNK_SIZE, type Bucket, type UploadOptions, type UploadStream } from '../types.ts';
import { ObjectId } from '../values.ts';
import { engineErrorOf } from './mapping.ts';
import { afterCloseCallbacks } from './phase.ts';

/** The driver's upload stream, its errors as EngineErrors. */
class MongoUpload extends Writable implements UploadStream {
  private readonly s: GridFSBucketWriteStream;

  constructor(s: GridFSBucketWriteStream) {
    super();
    this.s = s;
    // reported through the write and end callbacks
    s.on('error', () => undefined);
  }

  get id(): unknown {
    return this.s.id;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.s.write(chunk, (e) => cb(e ? (engineErrorOf(e) as Error) : null));
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.s.end();
    finished(this.s).then(() => cb(), (e: unknown) => cb(engineErrorOf(e) as Error));
  }

  async abort(): Promise<void> {
    this.destroy();
    // the driver deletes the chunks written so far
    await this.s.abort().catch(() => undefined);
  }
}

export class MongoBucket implements Bucket {
  private readonly b: GridFSBucket;

  constructor(db: Db, name: string) {
    this.b = new GridFSBucket(db, { bucketName: name, chunkSizeBytes: GRIDFS_CHUNK_SIZE });
  }

  openUploadStream(options: UploadOptions): UploadStream {
    const opts = options.metadata ? { metadata: options.metadata } : {};
    // the driver types ids as ObjectId, but stores any value
    return new MongoUpload(this.b.openUploadStreamWithId((options.id ?? new ObjectId()) as ObjectId, options.filename, opts));
  }

  openDownloadStream(id: unknown, range: { start?: number; end?: number } = {}): Readable {
    return this.b.openDownloadStream(id as ObjectId, range);
  }

  async delete(id: unknown): Promise<boolean> {
    try {
      await afterCloseCallbacks();
      await this.b.delete(id as ObjectId);
      return true;
    } catch (e) {
      if (/File not found/i.test((e as Error).message)) return false;
      throw engineErrorOf(e);
    }
  }

  async drop(): Promise<void> {
    try {
      await afterCloseCallbacks();
      await this.b.drop();
    } catch (e) {
      if (/ns not found/i.test((e as Error).message)) return;
      throw engineErrorOf(e);
    }
  }
}
