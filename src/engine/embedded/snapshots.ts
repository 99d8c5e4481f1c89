// The snapshot a transaction of the embedded engine reads (transactions.ts): its own writes over
// everything else as of its first operation, as MongoDB's snapshot isolation, across requests and
// worker processes.
//
// Copy on write, in the shared SQLite file: every collection table has triggers that, while some
// transaction is in progress with its snapshot taken (txn.snap = 1), keep the version a row had
// before its first change since then, per such transaction (table txn_snap: the document's bytes,
// or NULL when it did not exist). The triggers run inside the writer's own SQLite write, under the
// one write lock, so no write can slip between a transaction taking its snapshot and the triggers
// seeing it. A read as of the snapshot writes those versions back inside the operation's savepoint
// (rolled back afterwards); a collection with no such rows reads as committed. A write by the
// transaction to a document that has a row conflicts (WriteConflict, as MongoDB).
// Chosen over pre-images in the change log: the rows exist only while a transaction needs them,
// they never depend on the change log's retention, and the change events stay as they are.
// Measured (20k rows of 250 bytes in one SQLite transaction, and 5k engine insertOne): with no
// transaction in progress the triggers' WHEN (one indexed EXISTS) costs nothing measurable, 2–4 µs
// a row with or without them; with one in progress, the first change of a row adds one txn_snap
// row, ~10–20 µs on this loaded 2-core machine.
import { deserialize } from 'bson';
import type { EmbeddedCollection } from './collection.ts';
import type { Store } from './store.ts';

const EXACT = { promoteValues: false, bsonRegExp: true } as const;
const TAKEN = "SELECT sid FROM txn WHERE status = 'IN' AND snap = 1";

function triggers(table: string): string {
  const when = `WHEN EXISTS (${TAKEN})`;
  const keep = (k: string, pre: string) => `BEGIN INSERT OR IGNORE INTO txn_snap (sid, tbl, k, pre) SELECT sid, '${table}', ${k}, ${pre} FROM txn WHERE status = 'IN' AND snap = 1; END;`;
  return `CREATE TRIGGER IF NOT EXISTS ${table}_snap_i AFTER INSERT ON ${table} ${when} ${keep('NEW.k', 'NULL')}
    CREATE TRIGGER IF NOT EXISTS ${table}_snap_u AFTER UPDATE ON ${table} ${when} ${keep('OLD.k', 'OLD.doc')}
    CREATE TRIGGER IF NOT EXISTS ${table}_snap_d AFTER DELETE ON ${table} ${when} ${keep('OLD.k', 'OLD.doc')}`;
}

export class Snapshots {
  private readonly store: Store;

  /** Needs the txn table (transactions.ts). */
  constructor(store: Store) {
    this.store = store;
    const sql = store.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS txn_snap (sid TEXT NOT NULL, tbl TEXT NOT NULL, k BLOB NOT NULL, pre BLOB,
      PRIMARY KEY (sid, tbl, k)) WITHOUT ROWID`);
    // collection tables of files written before snapshots, or re-created by a migration
    const bare = sql.prepare(`SELECT c.tbl FROM catalog c WHERE NOT EXISTS
      (SELECT 1 FROM sqlite_master m WHERE m.type = 'trigger' AND m.name = c.tbl || '_snap_d')`).pluck().all() as string[];
    if (bare.length) sql.transaction(() => bare.forEach((t) => sql.exec(triggers(t))))();
    store.onTableCreated = (table) => sql.exec(triggers(table));
  }

  /** Takes the snapshot of (sid) now, unless taken; inside a store write. */
  take(sid: string): void {
    this.store.prepared('UPDATE txn SET snap = 1 WHERE sid = ? AND snap = 0').run(sid);
  }

  taken(sid: string): boolean {
    return this.store.prepared('SELECT snap FROM txn WHERE sid = ?').pluck().get(sid) === 1;
  }

  /** The snapshot's versions of the documents of this table others changed since (null: absent then). */
  versions(sid: string, table: string): Array<{ k: Buffer; pre: Buffer | null }> {
    return this.store.prepared('SELECT k, pre FROM txn_snap WHERE sid = ? AND tbl = ?').all(sid, table) as Array<{ k: Buffer; pre: Buffer | null }>;
  }

  /** Others changed documents of this table since the snapshot of (sid). */
  changed(sid: string, table: string): boolean {
    return this.store.prepared('SELECT 1 FROM txn_snap WHERE sid = ? AND tbl = ? LIMIT 1').get(sid, table) !== undefined;
  }

  /** Others changed this document since the snapshot of (sid). */
  changedKey(sid: string, table: string, k: Buffer): boolean {
    return this.store.prepared('SELECT 1 FROM txn_snap WHERE sid = ? AND tbl = ? AND k = ?').get(sid, table, k) !== undefined;
  }

  /**
   * Puts the collection back as the snapshot of (sid) saw it, through its write paths (indexes
   * follow); only inside a savepoint that is rolled back. Every changed document goes first and the
   * snapshot's versions come back after, so a unique index never sees two at once.
   */
  restore(sid: string, c: EmbeddedCollection, table: string): void {
    const rows = this.versions(sid, table);
    const current = this.store.prepared(`SELECT doc FROM ${table} WHERE k = ?`).pluck();
    for (const r of rows) {
      const now = current.get(r.k) as Buffer | undefined;
      if (now) c.inWrite.deleteOne({ _id: { $eq: deserialize(now, EXACT)._id } });
    }
    for (const r of rows) if (r.pre) c.inWrite.insertOne(deserialize(r.pre, EXACT));
  }

  /** Forgets the snapshot of (sid), or of every transaction; inside a store write. */
  drop(sid?: string): void {
    if (sid === undefined) this.store.sql.exec('DELETE FROM txn_snap');
    else this.store.prepared('DELETE FROM txn_snap WHERE sid = ?').run(sid);
  }
}
