// A MongoDB wire-protocol server over the embedded engine, for tests only: the official driver
// talks to it as to a mongod, so the MongoDB engine's whole path (commands the driver builds from
// its options, raw replies, write results and errors, sessions, transactions, change streams,
// reconnection) runs here. Two modes: a standalone server (the default: no transactions, a
// transaction number answers IllegalOperation 20 and $changeStream answers 40573, as a standalone
// mongod) or, with `replicaSet`, the one primary of a one-member replica set (connect with
// ?replicaSet=<name> or directConnection=true).
//
// It proves the plumbing, not MongoDB's semantics: answers are the embedded engine's. Replies
// follow MongoDB's command reply shapes (find/aggregate cursors, insert/update/delete with n,
// nModified, upserted and writeErrors, command errors with ok 0, code, codeName, errmsg and
// errorLabels). Where it does not follow mongod:
// - only OP_MSG and the legacy OP_QUERY handshake are spoken; find and aggregate answer in one
//   batch; only change stream cursors (change-streams.ts) have more;
// - no operationTime or $clusterTime: no causal consistency tokens, no startAtOperationTime, no
//   cluster-wide change streams; readConcern and writeConcern are accepted and ignored;
// - retryable writes run once: a retried write (same lsid and txnNumber) is not recognised;
// - in a transaction, the catalog commands mongod refuses (count, list*, drop*) answer 263 and
//   abort it, as mongod; aggregations run in the transaction, $out/$merge refused (263) as mongod;
// - snapshots and conflicts are the embedded engine's: a plain write to a document a transaction
//   wrote goes through and the transaction's commit conflicts, where mongod makes the write wait;
// - the transaction lifetime is the embedded engine's (Transactions.lifetimeMs), not a server
//   parameter (transactions.ts);
// - change events are the embedded engine's: no clusterTime, lsid or txnNumber fields, and resume
//   tokens are its change log positions (change-streams.ts).
import { ObjectId, deserialize, serialize } from 'bson';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import { isPlainObject, type Document } from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';
import { WireCursors } from './change-streams.ts';
import { crud, errorReply, num } from './commands.ts';
import { errorLabels, WireTransactions } from './transactions.ts';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const EXACT = { promoteValues: false, bsonRegExp: true } as const;
// the one primary's election id (the driver tracks the newest to tell a stale primary)
const ELECTION_ID = new ObjectId('7fffffff0000000000000001');


export class WireShim {
  readonly engine: EmbeddedEngine;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private connectionId = 0;
  private readonly setName: string | undefined;
  private readonly transactions: WireTransactions;
  private readonly cursors = new WireCursors();
  port = 0;

  /** replicaSet: the set's name, to be its one primary; absent: a standalone server. */
  constructor(dataDir: string, opts: { replicaSet?: string } = {}) {
    this.engine = new EmbeddedEngine(dataDir, { exclusive: true });
    this.setName = opts.replicaSet;
    this.transactions = new WireTransactions(this.engine, this.setName !== undefined);
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

  /** Stops listening and drops every connection and cursor (what a crashed mongod looks like). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await this.cursors.closeAll();
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
      return { ...(await this.run(name.toLowerCase(), body, dbName)), ok: 1 };
    } catch (e) {
      const reply = errorReply(e);
      const labels = errorLabels(body, reply.code);
      return labels ? { ...reply, errorLabels: labels } : reply;
    }
  }

  private hello(): Document {
    const base: Document = {
      helloOk: true, ismaster: true, isWritablePrimary: true, maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000, maxWriteBatchSize: 100_000, localTime: new Date(), logicalSessionTimeoutMinutes: 30,
      connectionId: ++this.connectionId, minWireVersion: 0, maxWireVersion: 21, readOnly: false,
    };
    if (!this.setName) return base;
    const me = `127.0.0.1:${this.port}`;
    return { ...base, setName: this.setName, setVersion: 1, electionId: ELECTION_ID, secondary: false, hosts: [me], primary: me, me };
  }

  private async run(name: string, body: Document, dbName: string): Promise<Document> {
    switch (name) {
      case 'hello': case 'ismaster':
        return this.hello();
      case 'ping':
        return {};
      case 'buildinfo':
        return { version: '7.0.0-wire-shim', versionArray: [7, 0, 0, 0] };
      case 'endsessions':
        return this.transactions.end(body);
      case 'committransaction':
        return this.transactions.commit(body);
      case 'aborttransaction':
        return this.transactions.abort(body);
      case 'getmore':
        return this.cursors.getMore(body);
      case 'killcursors':
        return this.cursors.kill((body.cursors ?? []) as unknown[]);
    }
    const db = this.engine.db(dbName);
    const collName = String(body[Object.keys(body)[0]!]);
    const pipeline = name === 'aggregate' && Array.isArray(body.pipeline) ? (body.pipeline as Document[]) : [];
    if (pipeline[0] && isPlainObject(pipeline[0]) && '$changeStream' in pipeline[0]) {
      if (!this.setName) throw new EngineError(40573, 'Location40573', 'The $changeStream stage is only supported on replica sets');
      const whole = typeof body.aggregate !== 'string';
      const ns = whole ? `${dbName}.$cmd.aggregate` : `${dbName}.${collName}`;
      const batchSize = isPlainObject(body.cursor) ? num(body.cursor.batchSize) : 0;
      return this.cursors.changeStream(db, whole ? undefined : collName, ns, pipeline, batchSize);
    }
    const session = await this.transactions.sessionOf(name, body);
    const target = { engine: this.engine, db, coll: db.collection(collName), dbName, collName, ns: `${dbName}.${collName}`, session };
    const reply = await crud(name, body, target);
    if (!reply) throw new EngineError(59, 'CommandNotFound', `no such command: '${name}'`);
    return reply;
  }
}
