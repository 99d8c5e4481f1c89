// GridFS buckets of the embedded engine, stored as MongoDB stores them: collections
// `<bucket>.files` (one document per file) and `<bucket>.chunks` ({_id, files_id, n, data}, unique
// index {files_id: 1, n: 1}). Bytes go through streams: an upload commits its chunks in batches of
// a few (other writers get the write lock between them) and the files document last; a download
// reads a few chunks at a time through the chunks index, straight from SQLite: chunks never enter
// the document or result caches. gridfs-pending.ts keeps a crash from leaving a visible partial file.
import { deserialize, serialize } from 'bson';
import { Readable, Writable } from 'node:stream';
import { DUPLICATE_KEY, EngineError } from '../../errors.ts';
import { GRIDFS_CHUNK_SIZE, type Bucket, type UploadOptions, type UploadStream } from '../types.ts';
import { Binary, Int32, Long, ObjectId, isNumeric, numberOf, type Document } from '../values.ts';
import type { EmbeddedEngine } from './engine.ts';
import { idKey, prefixEnd, component } from './keys.ts';
import { PendingFiles } from './gridfs-pending.ts';
import type { CollectionInfo } from './store.ts';

// SQLite writes and reads block the event loop: a commit writes one chunk (255 KiB, ~2 ms median
// measured on a slow disk; 4 chunks a commit: ~30 ms, and no faster), a few commits are in flight
// at a time (each waits for its fsync), and reads and deletes take a chunk or a few at a time
const CHUNKS_PER_COMMIT = 1;
const MAX_INFLIGHT = 8;
const READ_BATCH = 1;
const DELETE_BATCH = 8;
const CHUNKS_INDEX = { name: 'files_id_1_n_1', key: { files_id: 1, n: 1 }, unique: true };
const FILES_INDEX = { name: 'filename_1_uploadDate_1', key: { filename: 1, uploadDate: 1 } };
const EXACT = { promoteValues: false, bsonRegExp: true } as const;

const pendingOf = new WeakMap<EmbeddedEngine, { files: PendingFiles; swept?: Promise<void> }>();

function state(engine: EmbeddedEngine) {
  let s = pendingOf.get(engine);
  if (!s) pendingOf.set(engine, (s = { files: new PendingFiles(engine.store) }));
  return s;
}

function idBytes(id: unknown): Buffer {
  return Buffer.from(serialize({ id }));
}

export class EmbeddedBucket implements Bucket {
  private readonly engine: EmbeddedEngine;
  private readonly dbName: string;
  private readonly name: string;

  constructor(engine: EmbeddedEngine, dbName: string, name: string) {
    this.engine = engine;
    this.dbName = dbName;
    this.name = name;
    const s = state(engine);
    // once per process: chunks whose upload or delete died with its process
    s.swept ??= sweepOrphans(engine, s.files).catch(() => undefined);
  }

  get store() {
    return this.engine.store;
  }

  private files() {
    return this.engine.db(this.dbName).collection(`${this.name}.files`);
  }

  private chunksInfo(): CollectionInfo | undefined {
    return this.store.collectionInfo(this.dbName, `${this.name}.chunks`);
  }

  /** The chunks index table; undefined when the bucket has no chunks collection. */
  private chunkIndex(info: CollectionInfo): string | undefined {
    return this.engine.indexes.of(info.table).find((d) => d.name === CHUNKS_INDEX.name)?.table;
  }

  openUploadStream(options: UploadOptions): UploadStream {
    return new EmbeddedUpload(this, options.id ?? new ObjectId(), options);
  }

  /** Only inside a write: inserts chunk documents as the driver writes them. */
  insertChunks(info: CollectionInfo, filesId: unknown, first: number, chunks: Buffer[]): void {
    const ins = this.store.prepared(`INSERT INTO ${info.table} (k, doc) VALUES (?, ?)`);
    chunks.forEach((data, i) => {
      const doc = { _id: new ObjectId(), files_id: filesId, n: new Int32(first + i), data: new Binary(data) };
      const k = idKey(doc._id);
      const res = ins.run(k, serialize(doc));
      this.store.rowTouched(info.table, Number(res.lastInsertRowid), k);
      this.engine.indexes.onWrite(info, k, undefined, doc);
    });
    if (chunks.length) this.store.bump(info.table);
  }

  /** Starts an upload: collections and indexes exist, the file is claimed. */
  async begin(id: unknown): Promise<CollectionInfo> {
    const s = state(this.engine);
    const pending = s.files;
    await s.swept;
    const files = this.files();
    await files.createIndex(FILES_INDEX);
    await this.engine.db(this.dbName).collection(`${this.name}.chunks`).createIndex(CHUNKS_INDEX);
    if (await files.findOne({ _id: id })) throw duplicateFile(this.dbName, this.name, id);
    return this.store.write(() => {
      if (!pending.claim(this.dbName, this.name, idKey(id), idBytes(id))) {
        throw new EngineError(DUPLICATE_KEY, 'DuplicateKey', `a write of the file ${String(id)} is in progress`);
      }
      const info = this.chunksInfo();
      if (!info) throw new EngineError(26, 'NamespaceNotFound', `the bucket ${this.name} was dropped`);
      return info;
    });
  }

  /** Ends an upload: the files document makes the file visible; then the claim goes. */
  async commit(id: unknown, filesDoc: Document): Promise<void> {
    await this.files().insertOne(filesDoc);
    await this.store.write(() => state(this.engine).files.release(this.dbName, this.name, idKey(id)));
  }

  /** Deletes a file's chunks in batches (each its own commit), then its claim. */
  async removeChunks(id: unknown): Promise<void> {
    const prefix = component(id, 1);
    for (;;) {
      const more = await this.store.write(() => {
        const info = this.chunksInfo();
        const index = info && this.chunkIndex(info);
        if (!info || !index) return false;
        const rows = this.store.prepared(`SELECT c.rowid AS rowid, c.k AS k, c.doc AS doc FROM ${index} i JOIN ${info.table} c ON c.k = i.k
          WHERE i.key >= ? AND i.key < ? ORDER BY i.key LIMIT ${DELETE_BATCH}`).all(prefix, prefixEnd(prefix)) as Array<{ rowid: number; k: Buffer; doc: Buffer }>;
        const del = this.store.prepared(`DELETE FROM ${info.table} WHERE rowid = ?`);
        for (const r of rows) {
          del.run(r.rowid);
          this.store.rowTouched(info.table, r.rowid, r.k);
          this.engine.indexes.onWrite(info, r.k, deserialize(r.doc, EXACT), undefined);
        }
        if (rows.length) this.store.bump(info.table);
        return rows.length === DELETE_BATCH;
      });
      if (!more) break;
    }
    await this.store.write(() => state(this.engine).files.release(this.dbName, this.name, idKey(id)));
  }

  async delete(id: unknown): Promise<boolean> {
    const pending = state(this.engine).files;
    await pending.ready();
    const files = this.files();
    if (!(await files.findOne({ _id: id }))) return false;
    const claimed = await this.store.write(() => pending.claim(this.dbName, this.name, idKey(id), idBytes(id)));
    if (!claimed) throw new EngineError(DUPLICATE_KEY, 'DuplicateKey', `a write of the file ${String(id)} is in progress`);
    const { deletedCount } = await files.deleteOne({ _id: id });
    await this.removeChunks(id);
    return deletedCount === 1;
  }

  async drop(): Promise<void> {
    const db = this.engine.db(this.dbName);
    await db.dropCollection(`${this.name}.files`);
    await db.dropCollection(`${this.name}.chunks`);
  }

  openDownloadStream(id: unknown, range: { start?: number; end?: number } = {}): Readable {
    const bucket = this;
    return Readable.from((async function* () {
      const file = await bucket.files().findOne({ _id: id });
      if (!file) throw new EngineError(26, 'FileNotFound', `FileNotFound: file ${String(id)} was not found`);
      const length = numberOf(file.length);
      const chunkSize = numberOf(file.chunkSize);
      const start = Math.max(0, range.start ?? 0);
      const end = Math.min(length, range.end ?? length);
      let n = Math.floor(start / chunkSize);
      let skip = start - n * chunkSize;
      let left = end - start;
      const prefix = component(id, 1);
      while (left > 0) {
        const rows = bucket.readChunks(prefix, n);
        if (rows.length === 0) throw new EngineError(26, 'ChunkIsMissing', `ChunkIsMissing: chunk ${n} of file ${String(id)} is missing`);
        for (const row of rows) {
          const chunk = deserialize(row, EXACT);
          if (!isNumeric(chunk.n) || numberOf(chunk.n) !== n) throw new EngineError(26, 'ChunkIsMissing', `ChunkIsMissing: chunk ${n} of file ${String(id)} is missing`);
          const data = (chunk.data as Binary).buffer;
          const piece = Buffer.from(data.buffer, data.byteOffset + skip, Math.min(left, data.length - skip));
          skip = 0;
          left -= piece.length;
          n++;
          if (piece.length) yield piece;
          if (left <= 0) break;
        }
      }
    })(), { objectMode: false });
  }

  /** Up to READ_BATCH chunk documents of a file from chunk `n` on, in order. */
  private readChunks(prefix: Buffer, n: number): Buffer[] {
    const info = this.chunksInfo();
    const index = info && this.chunkIndex(info);
    if (!info || !index) return [];
    return this.store.prepared(`SELECT c.doc FROM ${index} i JOIN ${info.table} c ON c.k = i.k
      WHERE i.key >= ? AND i.key < ? ORDER BY i.key LIMIT ${READ_BATCH}`).pluck()
      .all(Buffer.concat([prefix, component(n, 1)]), prefixEnd(prefix)) as Buffer[];
  }
}

function duplicateFile(db: string, bucket: string, id: unknown): EngineError {
  return new EngineError(DUPLICATE_KEY, 'DuplicateKey',
    `E11000 duplicate key error collection: ${db}.${bucket}.files index: _id_ dup key: { _id: ${JSON.stringify(String(id))} }`);
}

class EmbeddedUpload extends Writable implements UploadStream {
  readonly id: unknown;
  private readonly bucket: EmbeddedBucket;
  private readonly options: UploadOptions;
  private started: Promise<CollectionInfo> | undefined;
  private buf = Buffer.allocUnsafe(GRIDFS_CHUNK_SIZE);
  private fill = 0;
  private n = 0;
  private length = 0;
  private aborted = false;
  /** chunk writes queued and not yet durable, oldest first */
  private inflight: Array<Promise<void>> = [];
  private failure: Error | undefined;

  constructor(bucket: EmbeddedBucket, id: unknown, options: UploadOptions) {
    super();
    this.bucket = bucket;
    this.id = id;
    this.options = options;
    // claimed at once: a taken id fails the upload before its bytes arrive
    this.start().catch((e: unknown) => this.destroy(e as Error));
  }

  private start(): Promise<CollectionInfo> {
    return (this.started ??= this.bucket.begin(this.id));
  }

  /** Queues one chunk: its own write, so that no commit holds the event loop for more than one chunk. */
  private async store(chunk: Buffer): Promise<void> {
    const info = await this.start();
    // a new group commit every few chunks: none holds the event loop long
    if (this.n > 0 && this.n % CHUNKS_PER_COMMIT === 0) await new Promise((resolve) => setImmediate(resolve));
    if (this.aborted) throw new Error('upload aborted');
    const n = this.n++;
    const write = this.bucket.store.write(() => this.bucket.insertChunks(info, this.id, n, [chunk]));
    this.inflight.push(write.catch((e: Error) => {
      this.failure ??= e;
    }));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.length += chunk.length;
    const full: Buffer[] = [];
    for (let off = 0; off < chunk.length;) {
      const take = Math.min(GRIDFS_CHUNK_SIZE - this.fill, chunk.length - off);
      chunk.copy(this.buf, this.fill, off, off + take);
      this.fill += take;
      off += take;
      if (this.fill === GRIDFS_CHUNK_SIZE) {
        full.push(this.buf);
        this.buf = Buffer.allocUnsafe(GRIDFS_CHUNK_SIZE);
        this.fill = 0;
      }
    }
    if (full.length === 0) return cb();
    this.queue(full).then(() => cb(this.failure), cb);
  }

  /** Stores the chunks; waits while too many are in flight (memory stays a few chunks). */
  private async queue(chunks: Buffer[]): Promise<void> {
    for (const c of chunks) {
      await this.store(c);
      while (this.inflight.length > MAX_INFLIGHT) await this.inflight.shift();
    }
  }

  override _final(cb: (e?: Error | null) => void): void {
    const last = this.fill > 0 ? [this.buf.subarray(0, this.fill)] : [];
    const doc: Document = {
      _id: this.id, length: Long.fromNumber(this.length), chunkSize: new Int32(GRIDFS_CHUNK_SIZE), uploadDate: new Date(), filename: this.options.filename,
    };
    if (this.options.metadata) doc.metadata = this.options.metadata;
    (async () => {
      for (const c of last) await this.store(c);
      await Promise.all(this.inflight);
      if (this.failure) throw this.failure;
      // an empty file has no chunks: its claim is still needed
      await this.start();
      await this.bucket.commit(this.id, doc);
    })().then(() => cb(), async (e: Error) => {
      await this.cleanup();
      cb(e);
    });
  }

  private async cleanup(): Promise<void> {
    await Promise.all(this.inflight);
    // only this upload's own claim may be cleaned up: a failed claim means another writer owns the id
    const claimed = await this.started?.then(() => true, () => false);
    if (claimed) await this.bucket.removeChunks(this.id).catch(() => undefined);
  }

  async abort(): Promise<void> {
    if (this.aborted) return;
    this.aborted = true;
    this.destroy();
    await this.cleanup();
  }
}

/** Deletes the chunks of uploads and deletes whose process died. */
async function sweepOrphans(engine: EmbeddedEngine, pending: PendingFiles): Promise<void> {
  await pending.ready();
  for (const row of pending.orphans()) {
    if (!(await engine.store.write(() => pending.adopt(row)))) continue;
    const id = deserialize(row.id, EXACT).id;
    const bucket = new EmbeddedBucket(engine, row.db, row.bucket);
    const kept = await engine.db(row.db).collection(`${row.bucket}.files`).findOne({ _id: id });
    if (kept) await engine.store.write(() => pending.release(row.db, row.bucket, row.filesKey));
    else await bucket.removeChunks(id);
  }
}
