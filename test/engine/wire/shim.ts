// A MongoDB wire-protocol server over the embedded engine, for tests only: the official driver
// talks to it as to a standalone mongod, so the MongoDB engine's whole path (commands the driver
// builds from its options, raw replies, write results and errors, reconnection) runs here.
//
// It proves the plumbing, not MongoDB's semantics: answers are the embedded engine's. Replies
// follow MongoDB's command reply shapes (find/aggregate cursors, insert/update/delete with n,
// nModified, upserted and writeErrors, command errors with ok 0, code, codeName, errmsg).
// Only OP_MSG and the legacy OP_QUERY handshake are spoken; every cursor fits one batch.
import { Long, deserialize, serialize } from 'bson';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import { isOperatorUpdate } from '../../../src/engine/update.ts';
import type { Filter, FindOptions, Sort } from '../../../src/engine/types.ts';
import { isPlainObject, numberOf, type Document } from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const EXACT = { promoteValues: false, bsonRegExp: true } as const;


const num = (v: unknown, dflt = 0) => (v === undefined || v === null ? dflt : numberOf(v));
const bool = (v: unknown) => v === true || (v !== undefined && v !== null && v !== false && num(v) !== 0);

function sortOf(spec: unknown): Sort | undefined {
  if (!isPlainObject(spec)) return undefined;
  const out = Object.entries(spec).map(([k, v]) => [k, num(v) < 0 ? -1 : 1] as [string, 1 | -1]);
  return out.length ? out : undefined;
}

function errorReply(e: unknown): Document {
  if (e instanceof EngineError) return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName };
  return { ok: 0, errmsg: (e as Error).message ?? String(e), code: 8, codeName: 'UnknownError' };
}

function writeError(index: number, e: unknown): Document {
  const r = errorReply(e);
  return { index, code: r.code, errmsg: r.errmsg };
}

export class WireShim {
  readonly engine: EmbeddedEngine;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private connectionId = 0;
  port = 0;

  constructor(dataDir: string) {
    this.engine = new EmbeddedEngine(dataDir, { exclusive: true });
  }

  /** Listens on 127.0.0.1 (the given port, or a free one). */
  async listen(port = 0): Promise<number> {
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Stops listening and drops every connection (what a crashed mongod looks like). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.stop();
    await this.engine.close();
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readInt32LE(0);
        if (buffered.length < length) break;
        const message = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        // one connection's requests are answered in order
        chain = chain.then(() => this.answer(socket, message)).catch(() => {
          socket.destroy();
        });
      }
    });
  }

  private async answer(socket: Socket, message: Buffer): Promise<void> {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    if (opCode === OP_MSG) {
      const flags = message.readUInt32LE(16);
      const end = flags & 1 ? message.length - 4 : message.length;
      let at = 20;
      let body: Document = {};
      while (at < end) {
        const kind = message[at]!;
        at += 1;
        if (kind === 0) {
          const size = message.readInt32LE(at);
          body = deserialize(message.subarray(at, at + size), EXACT);
          at += size;
        } else {
          const size = message.readInt32LE(at);
          const sectionEnd = at + size;
          let p = at + 4;
          const nul = message.indexOf(0, p);
          const id = message.toString('utf8', p, nul);
          p = nul + 1;
          const docs: Document[] = [];
          while (p < sectionEnd) {
            const n = message.readInt32LE(p);
            docs.push(deserialize(message.subarray(p, p + n), EXACT));
            p += n;
          }
          body[id] = docs;
          at = sectionEnd;
        }
      }
      const reply = await this.command(body);
      if (socket.destroyed) return;
      const doc = Buffer.from(serialize(reply));
      const header = Buffer.alloc(21);
      header.writeInt32LE(21 + doc.length, 0);
      header.writeInt32LE(requestId, 8);
      header.writeInt32LE(OP_MSG, 12);
      header.writeUInt32LE(0, 16);
      header[20] = 0;
      socket.write(Buffer.concat([header, doc]));
    } else if (opCode === OP_QUERY) {
      // legacy handshake: flags, full collection name, skip, return, query
      const nul = message.indexOf(0, 20);
      const at = nul + 1 + 8;
      const size = message.readInt32LE(at);
      let query = deserialize(message.subarray(at, at + size), EXACT);
      if (isPlainObject(query.$query)) query = query.$query;
      const doc = Buffer.from(serialize(await this.command(query)));
      const header = Buffer.alloc(36);
      header.writeInt32LE(36 + doc.length, 0);
      header.writeInt32LE(requestId, 8);
      header.writeInt32LE(OP_REPLY, 12);
      header.writeInt32LE(0, 16);
      header.writeBigInt64LE(0n, 20);
      header.writeInt32LE(0, 28);
      header.writeInt32LE(1, 32);
      if (!socket.destroyed) socket.write(Buffer.concat([header, doc]));
    } else {
      socket.destroy();
    }
  }

  private async command(body: Document): Promise<Document> {
    const name = Object.keys(body)[0] ?? '';
    const dbName = typeof body.$db === 'string' ? body.$db : 'admin';
    try {
      return { ...(await this.run(name, body, dbName)), ok: 1 };
    } catch (e) {
      return errorReply(e);
    }
  }

  private cursor(ns: string, docs: Document[]): Document {
    return { cursor: { id: Long.fromNumber(0), ns, firstBatch: docs } };
  }

  private async run(name: string, body: Document, dbName: string): Promise<Document> {
    const db = this.engine.db(dbName);
    const collName = String(body[name]);
    const coll = db.collection(collName);
    const ns = `${dbName}.${collName}`;
    switch (name.toLowerCase()) {
      case 'hello': case 'ismaster':
        return {
          helloOk: true, ismaster: true, isWritablePrimary: true, maxBsonObjectSize: 16 * 1024 * 1024,
          maxMessageSizeBytes: 48_000_000, maxWriteBatchSize: 100_000, localTime: new Date(), logicalSessionTimeoutMinutes: 30,
          connectionId: ++this.connectionId, minWireVersion: 0, maxWireVersion: 21, readOnly: false,
        };
      case 'ping': case 'endsessions': case 'killcursors':
        return {};
      case 'buildinfo':
        return { version: '7.0.0-wire-shim', versionArray: [7, 0, 0, 0] };
      case 'find': {
        const opts: FindOptions = { sort: sortOf(body.sort), skip: num(body.skip), limit: Math.abs(num(body.limit)) };
        if (isPlainObject(body.projection)) opts.projection = body.projection;
        if (body.hint !== undefined) opts.hint = body.hint as string | Document;
        if (body.maxTimeMS !== undefined) opts.maxTimeMS = num(body.maxTimeMS);
        return this.cursor(ns, await coll.find((body.filter ?? {}) as Filter, opts));
      }
      case 'aggregate': {
        const opts = { allowDiskUse: bool(body.allowDiskUse), ...(body.maxTimeMS !== undefined ? { maxTimeMS: num(body.maxTimeMS) } : {}) };
        return this.cursor(ns, await coll.aggregate(body.pipeline as Document[], opts));
      }
      case 'count':
        return { n: await coll.countDocuments((body.query ?? {}) as Filter) };
      case 'insert': {
        const docs = body.documents as Document[];
        const ordered = body.ordered === undefined || bool(body.ordered);
        if (!ordered) {
          // one engine write for the whole batch (the embedded engine's bulk writes are unordered)
          const r = await coll.bulkWrite(docs.map((document) => ({ insertOne: { document } })));
          const errors = r.writeErrors.map((w) => ({ index: w.index, code: w.code, errmsg: w.message }));
          return errors.length ? { n: r.insertedCount, writeErrors: errors } : { n: r.insertedCount };
        }
        const writeErrors: Document[] = [];
        let n = 0;
        for (const [index, doc] of docs.entries()) {
          try {
            await coll.insertOne(doc);
            n++;
          } catch (e) {
            writeErrors.push(writeError(index, e));
            if (ordered) break;
          }
        }
        return writeErrors.length ? { n, writeErrors } : { n };
      }
      case 'update': {
        const ordered = body.ordered === undefined || bool(body.ordered);
        const writeErrors: Document[] = [];
        const upserted: Document[] = [];
        let n = 0;
        let nModified = 0;
        for (const [index, st] of (body.updates as Document[]).entries()) {
          try {
            const q = (st.q ?? {}) as Filter;
            const u = st.u as Document | Document[];
            const upsert = bool(st.upsert);
            const opts = { upsert, ...(Array.isArray(st.arrayFilters) ? { arrayFilters: st.arrayFilters as Document[] } : {}) };
            const r = !Array.isArray(u) && !isOperatorUpdate(u)
              ? await coll.replaceOne(q, u, opts)
              : bool(st.multi) ? await coll.updateMany(q, u, opts) : await coll.updateOne(q, u, opts);
            n += r.matchedCount + r.upsertedCount;
            nModified += r.modifiedCount;
            if (r.upsertedCount) upserted.push({ index, _id: r.upsertedId });
          } catch (e) {
            writeErrors.push(writeError(index, e));
            if (ordered) break;
          }
        }
        return { n, nModified, ...(upserted.length ? { upserted } : {}), ...(writeErrors.length ? { writeErrors } : {}) };
      }
      case 'delete': {
        const ordered = body.ordered === undefined || bool(body.ordered);
        const writeErrors: Document[] = [];
        let n = 0;
        for (const [index, st] of (body.deletes as Document[]).entries()) {
          try {
            const q = (st.q ?? {}) as Filter;
            n += (num(st.limit) === 1 ? await coll.deleteOne(q) : await coll.deleteMany(q)).deletedCount;
          } catch (e) {
            writeErrors.push(writeError(index, e));
            if (ordered) break;
          }
        }
        return writeErrors.length ? { n, writeErrors } : { n };
      }
      case 'createindexes': {
        const before = (await coll.listIndexes()).length;
        const existed = (await db.listCollections()).includes(collName);
        for (const spec of body.indexes as Document[]) await coll.createIndex(spec as never);
        return { numIndexesBefore: existed ? before : 1, numIndexesAfter: (await coll.listIndexes()).length, createdCollectionAutomatically: !existed };
      }
      case 'listindexes':
        if (!(await db.listCollections()).includes(collName)) throw new EngineError(26, 'NamespaceNotFound', `ns does not exist: ${ns}`);
        return this.cursor(ns, await coll.listIndexes());
      case 'dropindexes':
        if (!(await db.listCollections()).includes(collName)) throw new EngineError(26, 'NamespaceNotFound', `ns not found ${ns}`);
        await coll.dropIndex(String(body.index));
        return { nIndexesWas: 2 };
      case 'listcollections': {
        const filter = isPlainObject(body.filter) ? body.filter : {};
        const names = (await db.listCollections()).filter((n) => filter.name === undefined || filter.name === n);
        return this.cursor(`${dbName}.$cmd.listCollections`, names.map((n) => ({ name: n, type: 'collection' })));
      }
      case 'create':
        if ((await db.listCollections()).includes(collName)) throw new EngineError(48, 'NamespaceExists', `Collection ${ns} already exists.`);
        await db.createCollection(collName);
        return {};
      case 'drop':
        if (!(await db.dropCollection(collName))) throw new EngineError(26, 'NamespaceNotFound', 'ns not found');
        return { ns, nIndexesWas: 1 };
      case 'dropdatabase':
        await db.dropDatabase();
        return { dropped: dbName };
      case 'listdatabases':
        return { databases: (await this.engine.listDatabases()).map((n) => ({ name: n, sizeOnDisk: 0, empty: false })), totalSize: 0 };
      default:
        throw new EngineError(59, 'CommandNotFound', `no such command: '${name}'`);
    }
  }
}
