// The SQLite file behind the embedded engine: one file for all databases (data-dir/docrest.sqlite),
// a catalog table naming every collection, and one table per collection holding the BSON document
// under the order-preserving _id key (keys.ts). The rowid gives each row a small stable integer,
// which the in-memory columns (columns.ts) are indexed by.
//
// Durability: writes are queued and the queue is committed once per event-loop turn (group commit:
// ~4x the throughput of a commit per write, measured), each write inside its own SAVEPOINT so one
// failing write does not undo the others. A write's promise resolves only once its commit is on
// disk: with several worker processes, synchronous=FULL (COMMIT returns after fsync); alone with
// the file, synchronous=NORMAL and an fsync off the event loop (durability.ts).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog, type CollectionInfo, type IndexRow } from './catalog.ts';
import { Durability } from './durability.ts';
import { createLayout } from './layout.ts';
import { RowLog } from './row-log.ts';
import { retireTable } from './retired.ts';
import { Stamps } from './stamps.ts';

type Statement = Database.Statement;

export type { CollectionInfo, IndexRow } from './catalog.ts';

interface PendingWrite {
  run: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  /** called right after the COMMIT that holds a successful run, before it is on disk */
  committed?: () => void;
}

export class Store {
  readonly sql: Database.Database;
  private readonly catalog = new Catalog();
  private readonly stamps = new Stamps();
  /** shared mode: the versions table as last seen; tables this batch wrote */
  private versions = new Map<string, number>();
  private touched = new Set<string>();
  private dataVersion = -1;
  private schemaVersion = -1;
  /** rows this batch wrote, per table: the columns re-read them once the batch is committed */
  private touchedRows = new Map<string, number[]>();
  private pending: PendingWrite[] = [];
  private statements = new Map<string, Statement>();
  private flushScheduled = false;
  private readonly stmts: {
    schemaVersion: Statement;
    listCatalog: Statement;
    insertCatalog: Statement;
    deleteCatalog: Statement;
    savepoint: Statement;
    release: Statement;
    rollbackTo: Statement;
    dataVersion: Statement;
    allVersions: Statement;
    bumpVersion: Statement;
    begin: Statement;
    commit: Statement;
  };

  /**
   * exclusive: this process is the only one using the file (one worker). SQLite then keeps its
   * locks and WAL index in-process, and reads never need to look for other processes' commits.
   */
  private readonly exclusive: boolean;
  /** shared mode: which rows other processes wrote */
  private readonly rowLog: RowLog | undefined;
  /** exclusive mode: commits reach the disk off the event loop */
  private readonly durability: Durability | undefined;

  constructor(dataDir: string, opts: { exclusive: boolean; rowLogEntries?: number }) {
    mkdirSync(dataDir, { recursive: true });
    this.exclusive = opts.exclusive;
    this.sql = new Database(join(dataDir, 'docrest.sqlite'));
    if (this.exclusive) this.sql.pragma('locking_mode = EXCLUSIVE');
    this.sql.pragma('journal_mode = WAL');
    this.sql.pragma(this.exclusive ? 'synchronous = NORMAL' : 'synchronous = FULL');
    // exclusive: checkpoints are run by durability.ts, their fsyncs off the event loop
    if (this.exclusive) this.sql.pragma('wal_autocheckpoint = 0');
    this.durability = this.exclusive ? new Durability(join(dataDir, 'docrest.sqlite-wal'), join(dataDir, 'docrest.sqlite')) : undefined;
    this.sql.pragma('busy_timeout = 10000');
    createLayout(this.sql);
    this.rowLog = this.exclusive ? undefined : new RowLog(this.sql, opts.rowLogEntries);
    this.stmts = {
      schemaVersion: this.sql.prepare('PRAGMA schema_version').pluck(),
      listCatalog: this.sql.prepare('SELECT db, name, tbl AS "table" FROM catalog'),
      insertCatalog: this.sql.prepare('INSERT INTO catalog (db, name, tbl) VALUES (?, ?, ?)'),
      deleteCatalog: this.sql.prepare('DELETE FROM catalog WHERE db = ? AND name = ?'),
      savepoint: this.sql.prepare('SAVEPOINT w'),
      release: this.sql.prepare('RELEASE w'),
      rollbackTo: this.sql.prepare('ROLLBACK TO w'),
      dataVersion: this.sql.prepare('PRAGMA data_version').pluck(),
      allVersions: this.sql.prepare('SELECT tbl, v FROM versions'),
      begin: this.sql.prepare('BEGIN'),
      commit: this.sql.prepare('COMMIT'),
      bumpVersion: this.sql.prepare('INSERT INTO versions (tbl, v) VALUES (?, 1) ON CONFLICT (tbl) DO UPDATE SET v = v + 1 RETURNING v'),
    };
  }

  private checked = false;
  private readTxn = false;
  /** inside flush(): the write transaction is open */
  private writing = false;
  private schemaStale = true;

  /** Forces the next lookup to reload the catalog from the file. */
  private invalidateSchema(): void {
    this.schemaStale = true;
    this.checked = false;
  }

  /**
   * Catches up with commits of other processes sharing the file. PRAGMA data_version moves only
   * when another connection committed, so one cheap check gates reloading the catalog (when the
   * schema moved) and the per-collection versions. One check serves a whole synchronous run (reset
   * by a microtask): no commit elsewhere can reach this process in between without I/O.
   */
  private sync(): void {
    if (this.checked) return;
    // Reads share a snapshot: outside a transaction every statement acquires its own (~5–7 µs
    // each, measured, plus lock system calls; 0.2–1.6 µs inside one).
    if (!this.readTxn && !this.writing) {
      this.stmts.begin.run();
      this.readTxn = true;
    }
    // Alone with the file, the snapshot stays open until this process writes: it is always current.
    if (this.exclusive && !this.schemaStale) return;
    this.checked = true;
    queueMicrotask(() => this.endRun());
    const dv = this.stmts.dataVersion.get() as number;
    if (dv !== this.dataVersion) {
      this.dataVersion = dv;
      this.reloadVersions();
      const sv = this.stmts.schemaVersion.get() as number;
      if (sv !== this.schemaVersion) this.schemaStale = true;
    }
    if (!this.schemaStale) return;
    this.catalog.load(this.stmts.listCatalog.all() as CollectionInfo[],
      this.sql.prepare('SELECT coll, name, spec, tbl AS "table", builder, beat FROM idx').all() as IndexRow[]);
    this.schemaVersion = this.stmts.schemaVersion.get() as number;
    this.schemaStale = false;
    this.onSchemaChange?.();
  }

  private endRun(): void {
    this.checked = false;
    if (this.readTxn && !this.exclusive) this.endRead();
  }

  private endRead(): void {
    if (this.readTxn) {
      this.readTxn = false;
      this.stmts.commit.run();
    }
  }

  /** Called whenever the catalog was reloaded (indexes.ts rebuilds its definitions). */
  onSchemaChange: (() => void) | undefined;

  indexesOf(table: string): IndexRow[] {
    this.sync();
    return this.catalog.indexesOf(table);
  }

  addIndexRow(row: IndexRow): void {
    this.sql.prepare('INSERT INTO idx (coll, name, spec, tbl, builder, beat) VALUES (?, ?, ?, ?, ?, ?)')
      .run(row.coll, row.name, row.spec, row.table, row.builder, row.beat);
    this.invalidateSchema();
  }

  /** An index's catalog row changed in place (index-build.ts); only inside a write. */
  indexRowChanged(): void {
    // an UPDATE does not move schema_version, which is how other processes learn the catalog changed
    this.sql.exec('CREATE TABLE schema_touch (x); DROP TABLE schema_touch');
    this.invalidateSchema();
  }

  removeIndexRow(coll: string, name: string): void {
    this.sql.prepare('DELETE FROM idx WHERE coll = ? AND name = ?').run(coll, name);
    this.invalidateSchema();
  }

  /** A fresh table name; only inside a write. */
  newTable(prefix: 'c' | 'i'): string {
    return `${prefix}${this.sql.prepare('INSERT INTO sequence DEFAULT VALUES').run().lastInsertRowid}`;
  }

  /**
   * The collection's version (its stamp): a new one after every write to it, from this process or
   * another (PRAGMA data_version moves only when another connection committed; then the versions
   * table says which).
   */
  version(table: string): number {
    this.sync();
    return this.stamps.result(table);
  }

  /** The stamp of the table's cached documents (stamps.ts). */
  docVersion(table: string): number {
    this.sync();
    return this.stamps.doc(table);
  }

  private reloadVersions(): void {
    const seen = new Map<string, number>();
    const changed: string[] = [];
    for (const row of this.stmts.allVersions.all() as Array<{ tbl: string; v: number }>) {
      seen.set(row.tbl, row.v);
      if (this.versions.get(row.tbl) !== row.v) {
        this.stamps.renew(row.tbl);
        changed.push(row.tbl);
      }
    }
    this.versions = seen;
    const rows = this.rowLog?.foreign() ?? 'gap';
    if (rows === 'gap') for (const table of changed) this.onForeignWrite?.(table);
    else if (rows.size) this.onForeignRows?.(rows);
  }

  /** Marks a collection as written; only inside a write. */
  bump(table: string): void {
    this.stamps.written(table);
    this.touched.add(table);
  }

  /** Marks one row as written (inserted, changed or deleted); only inside a write. */
  rowTouched(table: string, rowid: number, k: Buffer): void {
    (this.touchedRows.get(table) ?? this.touchedRows.set(table, []).get(table)!).push(rowid);
    this.onRowWritten?.(table, k);
  }

  /** A row was written: a cached copy of its document is stale from now on. */
  onRowWritten: ((table: string, k: Buffer) => void) | undefined;

  /** The rows of this table the current write batch has written so far (not yet committed). */
  batchRows(table: string): number[] {
    return this.writing ? (this.touchedRows.get(table) ?? []) : [];
  }

  /** After every commit: the rows it wrote, per table (kept and rolled-back writes alike). */
  onCommitted: ((rows: Map<string, number[]>) => void) | undefined;
  /**
   * Right after every successful COMMIT of this process; what it returns runs once that commit is
   * on disk (the change feed notes how far the change log goes, then reads it up to there).
   */
  onCommit: (() => () => void) | undefined;
  /** Another process committed to this table, and which rows is not known. */
  onForeignWrite: ((table: string) => void) | undefined;
  /** The rows other processes' commits wrote, per table. */
  onForeignRows: ((rows: Map<string, number[]>) => void) | undefined;
  /** The table was dropped. */
  onDropped: ((table: string) => void) | undefined;
  /** A table was retired (retired.ts), inside the write that retires it. */
  onRetired: (() => void) | undefined;
  /** A collection table was created, inside the write that creates it (transactions' snapshots watch it). */
  onTableCreated: ((table: string) => void) | undefined;

  /**
   * Tells other processes which tables this batch wrote: one versions row per table and batch,
   * not per write. Alone with the file (exclusive), nobody is listening.
   */
  private publishVersions(): void {
    if (this.exclusive) return;
    for (const table of this.touched) this.versions.set(table, (this.stmts.bumpVersion.get(table) as { v: number }).v);
    this.rowLog?.record(this.touchedRows);
  }

  /** After a rollback, whatever a touched table's cached entries saw may never have existed. */
  restampTouched(): void {
    for (const table of this.touched) this.stamps.renew(table);
  }

  /** A caller's own savepoint was rolled back: the cached catalog and stamps may show what never existed. */
  rolledBack(): void {
    this.invalidateSchema();
    this.restampTouched();
  }

  collectionInfo(db: string, name: string): CollectionInfo | undefined {
    this.sync();
    return this.catalog.get(db, name);
  }

  listCollections(db: string): string[] {
    this.sync();
    return this.catalog.collectionsOf(db);
  }

  listDatabases(): string[] {
    this.sync();
    return this.catalog.databases();
  }

  /** The table's largest rowid (0 when empty): its size as a seek finds it, where count(*) walks it. */
  lastRowid(table: string): number {
    return (this.prepared(`SELECT max(rowid) FROM ${table}`).pluck().get() as number | null) ?? 0;
  }

  /** Prepared statements are cached: preparing costs more than running a point read. */
  prepared(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.sql.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Drops cached statements of a table that no longer exists. */
  forget(table: string): void {
    for (const sql of this.statements.keys()) if (sql.includes(` ${table} `)) this.statements.delete(sql);
  }

  /** Only inside a write (queued) operation. */
  createCollection(db: string, name: string): CollectionInfo {
    const existing = this.collectionInfo(db, name);
    if (existing) return existing;
    const table = this.newTable('c');
    this.sql.exec(`CREATE TABLE ${table} (k BLOB NOT NULL UNIQUE, doc BLOB NOT NULL)`);
    this.onTableCreated?.(table);
    this.stmts.insertCatalog.run(db, name, table);
    const info = { db, name, table };
    this.catalog.add(info);
    return info;
  }

  /** Only inside a write (queued) operation. */
  dropCollection(db: string, name: string): boolean {
    const info = this.collectionInfo(db, name);
    if (!info) return false;
    for (const ix of this.indexesOf(info.table)) {
      retireTable(this, ix.table);
      this.removeIndexRow(info.table, ix.name);
    }
    retireTable(this, info.table);
    this.onDropped?.(info.table);
    this.sql.prepare('DELETE FROM versions WHERE tbl = ?').run(info.table);
    this.stmts.deleteCatalog.run(db, name);
    this.catalog.remove(db, name);
    return true;
  }

  /**
   * Runs `run` inside the next group commit; resolves with its result once it is durable.
   * `committed`: told as soon as that commit is made (a long write queues its next slice then).
   */
  write<T>(run: () => T, committed?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (v: unknown) => void, reject, committed });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private closed = false;

  /** `now`: at close, no checkpoint first (SQLite's own at close syncs). */
  private flush(now = false): void {
    if (this.closed) return;
    const resume = () => (this.pending.length ? this.flush() : (this.flushScheduled = false));
    if (!now && this.durability?.holdsCommits(() => this.copyWal(), resume)) return;
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const results: Array<{ ok: boolean; value: unknown }> = [];
    this.endRead();
    try {
      this.sql.exec('BEGIN IMMEDIATE');
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    this.writing = true;
    this.touched.clear();
    this.touchedRows = new Map();
    const schema = this.durability && (this.stmts.schemaVersion.get() as number);
    for (const w of batch) {
      this.stmts.savepoint.run();
      try {
        const value = w.run();
        this.stmts.release.run();
        results.push({ ok: true, value });
      } catch (e) {
        this.stmts.rollbackTo.run();
        this.stmts.release.run();
        this.invalidateSchema(); // a rolled-back create/drop leaves the cached catalog stale
        this.restampTouched();
        results.push({ ok: false, value: e });
      }
    }
    try {
      this.publishVersions();
      this.sql.exec('COMMIT');
    } catch (e) {
      if (this.sql.inTransaction) this.sql.exec('ROLLBACK');
      this.invalidateSchema();
      this.restampTouched();
      if (!this.exclusive) this.reloadVersions();
      for (const w of batch) w.reject(e);
      return;
    } finally {
      this.writing = false;
    }
    if (this.touchedRows.size) this.onCommitted?.(this.touchedRows);
    const published = this.onCommit?.();
    batch.forEach((w, i) => {
      if (results[i]!.ok) w.committed?.();
    });
    const settle = () => {
      published?.();
      batch.forEach((w, i) => (results[i]!.ok ? w.resolve(results[i]!.value) : w.reject(results[i]!.value)));
    };
    if (!this.durability) return settle();
    const tables = new Set([...this.touched, ...this.touchedRows.keys()]);
    const seq = this.durability.committed(tables, this.stmts.schemaVersion.get() !== schema);
    this.durability.whenDurable(seq).then(settle, (e: unknown) => batch.forEach((w) => w.reject(e)));
  }

  /**
   * Undefined when every commit that wrote this collection table (or created or dropped one) is
   * on disk; else a promise of that moment, which a read must wait for (durability.ts). Without a
   * table: every commit so far.
   */
  durable(table?: string): Promise<void> | undefined {
    return this.durability?.pending(table);
  }

  /** Copies the WAL into the database file without syncing either: every frame is on disk already. */
  private copyWal(): void {
    this.endRead();
    this.sql.pragma('synchronous = OFF');
    try {
      this.sql.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      this.sql.pragma('synchronous = NORMAL');
    }
  }

  close(): void {
    this.durability?.syncDatabaseFile();
    if (this.pending.length) this.flush(true);
    this.closed = true;
    this.endRead();
    this.durability?.close();
    this.sql.close();
  }
}
