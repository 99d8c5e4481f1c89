// Multi-request transactions of the embedded engine (API.md §11, README "Sessions and
// transactions"). No transaction holds SQLite's write lock between requests: a transaction is a
// set of pending document versions (its overlay), kept in the shared SQLite file so that every
// worker sees it, and applied in one durable commit.
//
// - Reads see a snapshot as of the transaction's first operation (snapshots.ts: copy on write by
//   triggers, in the shared file).
// - An operation in a transaction runs inside one store write: in a savepoint, the collection is
//   put back as of the snapshot, the transaction's pending versions are written over it, the
//   operation runs through the normal paths (so its results are exactly what it would do on those
//   rows), the versions it wrote and the change events it appended are read back, and the
//   savepoint is rolled back. Reads instead take the normal (cached, sliced) read path merged with
//   the overlay (txn-reads.ts), so a read never holds the event loop longer than a plain one; it
//   is done again if a write reached its collection meanwhile, and runs as above after a few such
//   tries or with a hint. Writes still run as one synchronous step.
// - A write conflicts (WriteConflict, 112: the transaction is aborted, as MongoDB does) when
//   another transaction in progress has a pending version of the same document, or when others
//   changed the document since the snapshot; the commit checks again inside its own write (each
//   pending version also keeps a hash of the committed version it replaced, its base). Like
//   MongoDB's snapshot isolation, only write-write conflicts abort.
// - The commit applies the overlay through the collections' normal write paths (indexes, unique
//   constraints, caches and columns stay right) in one SQLite transaction: commit() is the one
//   place a commit happens. The change events of that apply give way to the ones the operations
//   appended as they ran (txn_event), so an update in a transaction is an `update` event with its
//   updateDescription, one event per operation, as MongoDB reports a transaction.
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'bson';
import { EngineError } from '../../errors.ts';
import type { TransactionStatus } from '../types.ts';
import type { ChangeRow } from './change-log.ts';
import { EmbeddedCollection } from './collection.ts';
import type { EmbeddedEngine } from './engine.ts';
import { Snapshots } from './snapshots.ts';
import type { Overlay } from './txn-reads.ts';

const NO_SUCH_TRANSACTION = 251;
const WRITE_CONFLICT = 112;
const EXACT = { promoteValues: false, bsonRegExp: true } as const;
// a read merged with the overlay is done again when a write reached its collection meanwhile;
// after that many, it runs inside a store write
const READ_ATTEMPTS = 3;

/** MongoDB's transactionLifetimeLimitSeconds default */
export const DEFAULT_TRANSACTION_LIFETIME_MS = 60_000;
// MongoDB's logical session timeout: a session idle for longer forgets its transaction numbers
const SESSION_IDLE_MS = 30 * 60_000;

type Steps = EmbeddedCollection['inWrite'];

interface TxnRow {
  n: number;
  status: 'IN' | 'COMMITTED' | 'ABORTED';
  expires: number;
}

interface Entry {
  db: string;
  coll: string;
  k: Buffer;
  id: Buffer;
  base: Buffer | null;
  doc: Buffer | null;
}

/** What a step inside a store write hands back: a failure must not roll back the abort it recorded. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function notInProgress(): EngineError {
  return new EngineError(NO_SUCH_TRANSACTION, 'NoSuchTransaction', 'Given transaction number does not match any in-progress transactions');
}

function writeConflict(): EngineError {
  return new EngineError(WRITE_CONFLICT, 'WriteConflict',
    'WriteConflict error: this operation conflicted with another operation. Please retry your operation or multi-document transaction.');
}

function hashOf(bytes: Buffer | undefined): Buffer | null {
  return bytes ? createHash('sha1').update(bytes).digest() : null;
}

function sameBase(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

export class Transactions {
  private readonly engine: EmbeddedEngine;
  /** how long a transaction may stay in progress before it is aborted */
  lifetimeMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly snapshots: Snapshots;

  constructor(engine: EmbeddedEngine, opts: { lifetimeMs?: number; exclusive: boolean }) {
    this.engine = engine;
    this.lifetimeMs = opts.lifetimeMs ?? DEFAULT_TRANSACTION_LIFETIME_MS;
    const sql = engine.store.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS txn (sid TEXT PRIMARY KEY, n INTEGER NOT NULL, status TEXT NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS txn_doc (sid TEXT NOT NULL, db TEXT NOT NULL, coll TEXT NOT NULL, k BLOB NOT NULL,
        id BLOB NOT NULL, base BLOB, doc BLOB, w INTEGER NOT NULL, PRIMARY KEY (sid, db, coll, k)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS txn_doc_key ON txn_doc (db, coll, k);
      CREATE INDEX IF NOT EXISTS txn_expires ON txn (status, expires);
      CREATE TABLE IF NOT EXISTS txn_event (sid TEXT NOT NULL, i INTEGER NOT NULL, db TEXT NOT NULL, coll TEXT NOT NULL, op TEXT NOT NULL,
        doc BLOB, key BLOB, upd BLOB, PRIMARY KEY (sid, i)) WITHOUT ROWID`);
    // snap: the transaction's snapshot is taken (at its first operation); files from before it lack the column
    if (!(sql.prepare('SELECT name FROM pragma_table_info(\'txn\')').pluck().all() as string[]).includes('snap')) {
      sql.exec('ALTER TABLE txn ADD COLUMN snap INTEGER NOT NULL DEFAULT 0');
    }
    this.snapshots = new Snapshots(engine.store);
    // alone with the file, this process starts after a stop: as after a mongod restart, no transaction survives it
    if (opts.exclusive) {
      sql.transaction(() => {
        sql.exec("UPDATE txn SET status = 'ABORTED' WHERE status = 'IN'");
        sql.exec('DELETE FROM txn_doc; DELETE FROM txn_event');
        this.snapshots.drop();
      })();
    }
    this.sweeper = setInterval(() => void this.sweep(), 1000).unref();
  }

  private get store() {
    return this.engine.store;
  }

  private row(sid: string): TxnRow | undefined {
    const r = this.store.prepared('SELECT n, status, expires FROM txn WHERE sid = ?').get(sid) as TxnRow | undefined;
    if (r && r.status === 'IN' && r.expires <= Date.now()) return { ...r, status: 'ABORTED' };
    return r;
  }

  private inProgress(sid: string, n: number): boolean {
    const r = this.row(sid);
    return r !== undefined && r.n === n && r.status === 'IN';
  }

  current(sid: string): { txnNumber: number; status: TransactionStatus } | null {
    const r = this.row(sid);
    return r ? { txnNumber: r.n, status: r.status } : null;
  }

  private async inWrite<T>(step: () => Outcome<T>): Promise<T> {
    const out = await this.store.write(step);
    if (!out.ok) throw out.error;
    return out.value;
  }

  start(sid: string): Promise<number | null> {
    return this.inWrite(() => {
      const r = this.row(sid);
      if (r?.status === 'IN') return { ok: true, value: null };
      const n = (r?.n ?? 0) + 1;
      this.forget(sid);
      this.store.prepared(`INSERT INTO txn (sid, n, status, expires, snap) VALUES (?, ?, 'IN', ?, 0)
        ON CONFLICT (sid) DO UPDATE SET n = excluded.n, status = excluded.status, expires = excluded.expires, snap = 0`)
        .run(sid, n, Date.now() + this.lifetimeMs);
      return { ok: true, value: n };
    });
  }

  /** Drops the transaction's overlay, events and snapshot; only inside a write. */
  private forget(sid: string): void {
    this.store.prepared('DELETE FROM txn_doc WHERE sid = ?').run(sid);
    this.store.prepared('DELETE FROM txn_event WHERE sid = ?').run(sid);
    this.snapshots.drop(sid);
  }

  /** Marks the transaction aborted and drops its overlay; only inside a write. */
  private abortNow(sid: string): void {
    this.store.prepared("UPDATE txn SET status = 'ABORTED' WHERE sid = ? AND status = 'IN'").run(sid);
    this.forget(sid);
  }

  abort(sid: string, n: number): Promise<void> {
    return this.inWrite(() => {
      if (!this.inProgress(sid, n)) return { ok: false, error: notInProgress() };
      this.abortNow(sid);
      return { ok: true, value: undefined };
    });
  }

  /** Ends a session: its transaction in progress is aborted, and its transaction numbers forgotten. */
  end(sid: string): Promise<void> {
    return this.inWrite(() => {
      this.abortNow(sid);
      this.store.prepared('DELETE FROM txn WHERE sid = ?').run(sid);
      return { ok: true, value: undefined };
    });
  }

  private entries(sid: string, db?: string, coll?: string): Entry[] {
    return (db === undefined
      ? this.store.prepared('SELECT db, coll, k, id, base, doc FROM txn_doc WHERE sid = ? AND w = 1').all(sid)
      : this.store.prepared('SELECT db, coll, k, id, base, doc FROM txn_doc WHERE sid = ? AND db = ? AND coll = ? AND w = 1').all(sid, db, coll)) as Entry[];
  }

  private committedBytes(db: string, coll: string, k: Buffer): Buffer | undefined {
    const info = this.store.collectionInfo(db, coll);
    return info ? (this.store.prepared(`SELECT doc FROM ${info.table} WHERE k = ?`).pluck().get(k) as Buffer | undefined) : undefined;
  }

  /** Writes the overlay's versions into the real table; only inside a write. */
  private apply(c: EmbeddedCollection, entries: Entry[]): void {
    for (const e of entries) {
      const { _id } = deserialize(e.id, EXACT);
      if (e.doc) c.inWrite.replaceOne({ _id: { $eq: _id } }, deserialize(e.doc, EXACT), { upsert: true });
      else c.inWrite.deleteOne({ _id: { $eq: _id } });
    }
  }

  /** What the transaction sees of the collection instead of its committed documents, and what identifies it. */
  private overlay(sid: string, c: EmbeddedCollection): { overlay: Overlay; signature: string } {
    const info = this.store.collectionInfo(c.dbName, c.name);
    const versions: Overlay['versions'] = new Map();
    const snap = info ? this.snapshots.versions(sid, info.table) : [];
    for (const r of snap) versions.set(r.k.toString('hex'), { k: r.k, doc: r.pre });
    const own = this.entries(sid, c.dbName, c.name);
    for (const e of own) versions.set(e.k.toString('hex'), { k: e.k, doc: e.doc });
    return { overlay: { versions, committed: (k) => this.committedBytes(c.dbName, c.name, k) }, signature: this.signature(info?.table, snap.length, own.length) };
  }

  /** Changes whenever the overlay may have: snapshot rows are only ever added, and only this transaction writes its entries. */
  private signature(table: string | undefined, snapRows: number, ownRows: number): string {
    return `${table ?? ''}:${snapRows}:${ownRows}`;
  }

  private signatureNow(sid: string, c: EmbeddedCollection): string {
    const table = this.store.collectionInfo(c.dbName, c.name)?.table;
    const snapRows = table === undefined ? 0 : this.store.prepared('SELECT count(*) FROM txn_snap WHERE sid = ? AND tbl = ?').pluck().get(sid, table) as number;
    const ownRows = this.store.prepared('SELECT count(*) FROM txn_doc WHERE sid = ? AND db = ? AND coll = ? AND w = 1').pluck().get(sid, c.dbName, c.name) as number;
    return this.signature(table, snapRows, ownRows);
  }

  /**
   * Runs a read of transaction (sid, n) through the normal read path, merged with the overlay
   * (txn-reads.ts); again if a write reached the collection meanwhile; over the snapshot and the
   * overlay inside a store write (`op`) when that keeps happening, or when `merged` cannot answer.
   */
  async read<T>(sid: string, n: number, c: EmbeddedCollection, op: (s: Steps) => T, merged: (o: Overlay) => Promise<T | undefined>): Promise<T> {
    if (!this.inProgress(sid, n)) throw notInProgress();
    if (!this.snapshots.taken(sid)) {
      await this.inWrite(() => {
        if (this.inProgress(sid, n)) this.snapshots.take(sid);
        return { ok: true, value: undefined };
      });
    }
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const { overlay, signature } = this.overlay(sid, c);
      let value: T | undefined;
      try {
        value = await merged(overlay);
      } catch (e) {
        await this.inWrite(() => {
          if (this.inProgress(sid, n)) this.abortNow(sid);
          return { ok: true, value: undefined };
        });
        throw e;
      }
      if (value === undefined) break;
      if (this.signatureNow(sid, c) === signature) return value;
    }
    return this.run(sid, n, c, op, false);
  }

  /** Runs a write (or a read over the overlay) of transaction (sid, n). */
  write<T>(sid: string, n: number, c: EmbeddedCollection, op: (s: Steps) => T): Promise<T> {
    return this.run(sid, n, c, op, true);
  }

  private run<T>(sid: string, n: number, c: EmbeddedCollection, op: (s: Steps) => T, writes: boolean): Promise<T> {
    return this.inWrite(() => {
      if (!this.inProgress(sid, n)) return { ok: false, error: notInProgress() };
      this.snapshots.take(sid);
      const store = this.store;
      const changes = this.engine.changes;
      const written = new Map<string, Buffer>();
      const after = new Map<string, Buffer | undefined>();
      let events: ChangeRow[] = [];
      let value: T | undefined;
      let failure: unknown;
      store.sql.exec('SAVEPOINT txn');
      try {
        const info = store.collectionInfo(c.dbName, c.name);
        if (info) this.snapshots.restore(sid, c, info.table);
        this.apply(c, this.entries(sid, c.dbName, c.name));
        const from = changes.lastSeq();
        const previous = store.onRowWritten;
        if (writes) {
          store.onRowWritten = (table, k) => {
            previous?.(table, k);
            written.set(k.toString('hex'), k);
          };
        }
        try {
          value = op(c.inWrite);
        } finally {
          store.onRowWritten = previous;
        }
        for (const [hex, k] of written) after.set(hex, this.committedBytes(c.dbName, c.name, k));
        if (written.size) events = changes.read(from, Number.MAX_SAFE_INTEGER, changes.lastSeq());
      } catch (e) {
        failure = e;
      } finally {
        store.sql.exec('ROLLBACK TO txn');
        store.sql.exec('RELEASE txn');
        store.rolledBack();
      }
      if (failure !== undefined) {
        // as in MongoDB, a failed operation aborts its transaction
        this.abortNow(sid);
        return { ok: false, error: failure };
      }
      if (written.size && !this.record(sid, c, written, after)) {
        this.abortNow(sid);
        return { ok: false, error: writeConflict() };
      }
      this.keepEvents(sid, events);
      return { ok: true, value: value as T };
    });
  }

  /** Stores the versions an operation wrote; false on a write conflict. Only inside a write. */
  private record(sid: string, c: EmbeddedCollection, written: Map<string, Buffer>, after: Map<string, Buffer | undefined>): boolean {
    const existing = this.store.prepared('SELECT id, base FROM txn_doc WHERE sid = ? AND db = ? AND coll = ? AND k = ?');
    const other = this.store.prepared(`SELECT 1 FROM txn_doc d JOIN txn t ON t.sid = d.sid
      WHERE d.db = ? AND d.coll = ? AND d.k = ? AND d.sid <> ? AND d.w = 1 AND t.status = 'IN' AND t.expires > ? LIMIT 1`);
    const rows: Entry[] = [];
    const now = Date.now();
    const table = this.store.collectionInfo(c.dbName, c.name)?.table;
    for (const [hex, k] of written) {
      if (table !== undefined && this.snapshots.changedKey(sid, table, k)) return false;
      const committed = this.committedBytes(c.dbName, c.name, k);
      const base = hashOf(committed);
      const mine = existing.get(sid, c.dbName, c.name, k) as { id: Buffer; base: Buffer | null } | undefined;
      if (mine && !sameBase(mine.base, base)) return false;
      if (other.get(c.dbName, c.name, k, sid, now) !== undefined) return false;
      const doc = after.get(hex) ?? null;
      const source = doc ?? committed;
      const id = source ? Buffer.from(serialize({ _id: deserialize(source, EXACT)._id })) : mine?.id;
      // inserted and deleted again by this transaction's operation: nothing to apply
      if (id) rows.push({ db: c.dbName, coll: c.name, k, id, base: mine ? mine.base : base, doc });
    }
    const put = this.store.prepared(`INSERT INTO txn_doc (sid, db, coll, k, id, base, doc, w) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
      ON CONFLICT (sid, db, coll, k) DO UPDATE SET doc = excluded.doc, w = 1`);
    for (const r of rows) put.run(sid, r.db, r.coll, r.k, r.id, r.base, r.doc);
    return true;
  }

  /** The change events of one operation, in order after those of the transaction's earlier ones; only inside a write. */
  private keepEvents(sid: string, events: ChangeRow[]): void {
    if (!events.length) return;
    let i = this.store.prepared('SELECT coalesce(max(i), 0) FROM txn_event WHERE sid = ?').pluck().get(sid) as number;
    const put = this.store.prepared('INSERT INTO txn_event (sid, i, db, coll, op, doc, key, upd) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const e of events) put.run(sid, ++i, e.db, e.coll, e.op, e.doc, e.key, e.upd);
  }

  /** Commits transaction (sid, n): every base checked, then every write applied, in one SQLite transaction. */
  commit(sid: string, n: number): Promise<void> {
    return this.inWrite(() => {
      if (!this.inProgress(sid, n)) return { ok: false, error: notInProgress() };
      const entries = this.entries(sid);
      for (const e of entries) {
        const table = this.store.collectionInfo(e.db, e.coll)?.table;
        if ((table !== undefined && this.snapshots.changedKey(sid, table, e.k)) || !sameBase(e.base, hashOf(this.committedBytes(e.db, e.coll, e.k)))) {
          this.abortNow(sid);
          return { ok: false, error: writeConflict() };
        }
      }
      const sql = this.store.sql;
      const changes = this.engine.changes;
      sql.exec('SAVEPOINT txc');
      try {
        const from = changes.lastSeq();
        const byColl = new Map<string, Entry[]>();
        for (const e of entries) (byColl.get(`${e.db}\u0000${e.coll}`) ?? byColl.set(`${e.db}\u0000${e.coll}`, []).get(`${e.db}\u0000${e.coll}`)!).push(e);
        for (const list of byColl.values()) this.apply(new EmbeddedCollection(this.engine, list[0]!.db, list[0]!.coll), list);
        changes.replaceAfter(from, this.store.prepared('SELECT db, coll, op, doc, key, upd FROM txn_event WHERE sid = ? ORDER BY i').all(sid) as ChangeRow[]);
        sql.exec('RELEASE txc');
      } catch (e) {
        sql.exec('ROLLBACK TO txc');
        sql.exec('RELEASE txc');
        this.store.rolledBack();
        this.abortNow(sid);
        return { ok: false, error: e };
      }
      this.store.prepared("UPDATE txn SET status = 'COMMITTED' WHERE sid = ?").run(sid);
      this.forget(sid);
      return { ok: true, value: undefined };
    });
  }

  /**
   * Aborts the transactions past their lifetime, so that their pending writes stop blocking others,
   * and forgets sessions idle for longer than MongoDB's session timeout.
   */
  private async sweep(): Promise<void> {
    const now = Date.now();
    const expired = this.store.prepared("SELECT 1 FROM txn WHERE status = 'IN' AND expires <= ? LIMIT 1").get(now) !== undefined;
    const idle = this.store.prepared("SELECT 1 FROM txn WHERE status <> 'IN' AND expires <= ? LIMIT 1").get(now - SESSION_IDLE_MS) !== undefined;
    if (!expired && !idle) return;
    await this.store.write(() => {
      for (const t of ['txn_doc', 'txn_event', 'txn_snap']) this.store.prepared(`DELETE FROM ${t} WHERE sid IN (SELECT sid FROM txn WHERE status = 'IN' AND expires <= ?)`).run(now);
      this.store.prepared("UPDATE txn SET status = 'ABORTED' WHERE status = 'IN' AND expires <= ?").run(now);
      this.store.prepared("DELETE FROM txn WHERE status <> 'IN' AND expires <= ?").run(now - SESSION_IDLE_MS);
    }).catch(() => undefined); // retried on the next tick
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
