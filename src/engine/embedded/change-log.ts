// The embedded engine's change log (its oplog, README "Change streams"): every write appends its
// change event to the `changes` table inside the same SQLite transaction as the data, so an event
// exists exactly when its write is durable — a rolled-back write (a failed savepoint, a transaction
// operation replayed over its overlay, an aborted commit) leaves none. The sequence number
// (AUTOINCREMENT: never reused, even after a trim) is the commit order across worker processes,
// since every process writes under SQLite's one write lock; it is the resume token.
// Old entries are trimmed by age and count; `change_meta` remembers up to where, so a resume
// token from before that point is told apart (ChangeStreamHistoryLost) from one still in the log.
import { deserialize, serialize } from 'bson';
import type Database from 'better-sqlite3';
import { EngineError } from '../../errors.ts';
import { isPlainObject, type Document } from '../values.ts';
import { cstringEnd, skip } from './cells.ts';

const EXACT = { promoteValues: false, bsonRegExp: true } as const;

export type ChangeOp = 'insert' | 'update' | 'replace' | 'delete' | 'drop' | 'dropDatabase';

/** One row of the log as read back. */
export interface ChangeRow {
  seq: number;
  ts: number;
  db: string;
  coll: string;
  op: ChangeOp;
  /** BSON of the document after the write (insert, update, replace) */
  doc: Buffer | null;
  /** BSON {_id}, of a delete (the other events' _id is in `doc`) */
  key: Buffer | null;
  /** BSON {updatedFields, removedFields} */
  upd: Buffer | null;
}

export interface Retention {
  /** entries older than this many ms are trimmed */
  maxAgeMs: number;
  /** at most this many entries are kept */
  maxEntries: number;
}

export const HISTORY_LOST = 286;

export function historyLost(): EngineError {
  return new EngineError(HISTORY_LOST, 'ChangeStreamHistoryLost',
    'Resume of change stream was not possible, as the resume point may no longer be in the oplog.');
}

/** MongoDB's resume token shape: {_data: <hex string>}; ours holds the sequence number. */
export function tokenOf(seq: number): Document {
  return { _data: seq.toString(16).padStart(16, '0') };
}

/** The sequence number of a resume token; undefined when it is not one of ours. */
export function seqOfToken(token: unknown): number | undefined {
  if (!isPlainObject(token) || typeof token._data !== 'string' || !/^[0-9a-f]{16}$/.test(token._data)) return undefined;
  const n = Number.parseInt(token._data, 16);
  return Number.isSafeInteger(n) ? n : undefined;
}

interface Element {
  t: number;
  at: number;
  end: number;
}

/** The elements of the BSON document at `doc` by name: type and value bytes. */
function elementsOf(buf: Buffer, doc: number): Map<string, Element> {
  const out = new Map<string, Element>();
  const end = doc + buf.readInt32LE(doc) - 1;
  for (let at = doc + 4; at < end;) {
    const t = buf[at]!;
    const nameEnd = cstringEnd(buf, at + 1);
    const value = nameEnd + 1;
    const next = skip(buf, t, value);
    out.set(buf.toString('utf8', at + 1, nameEnd), { t, at: value, end: next });
    at = next;
  }
  return out;
}

/**
 * updatedFields/removedFields as MongoDB reports them: a changed field of a sub-document present
 * on both sides by its dotted path, anything else (arrays included) whole. Compared on the BSON
 * bytes of both versions (a field is unchanged when its type and bytes are): comparing the
 * documents' values cost 10–20 µs an update, a third of an updateOne's CPU (measured).
 */
export function updateDescription(before: Buffer, after: Buffer, afterDoc: Document): { updatedFields: Document; removedFields: string[] } {
  const out = { updatedFields: {} as Document, removedFields: [] as string[] };
  diff(before, 0, after, 0, afterDoc, '', out);
  return out;
}

function diff(b: Buffer, bDoc: number, a: Buffer, aDoc: number, aValue: Document, prefix: string, out: { updatedFields: Document; removedFields: string[] }): void {
  const olds = elementsOf(b, bDoc);
  const news = elementsOf(a, aDoc);
  for (const [name, n] of news) {
    const o = olds.get(name);
    if (o && o.t === n.t && a.compare(b, o.at, o.end, n.at, n.end) === 0) continue;
    if (o && o.t === 0x03 && n.t === 0x03) diff(b, o.at, a, n.at, aValue[name] as Document, `${prefix}${name}.`, out);
    else out.updatedFields[`${prefix}${name}`] = aValue[name];
  }
  for (const name of olds.keys()) if (!news.has(name)) out.removedFields.push(`${prefix}${name}`);
}

export class ChangeLog {
  private readonly append: Database.Statement;
  private readonly since: Database.Statement;
  private readonly last: Database.Statement;
  private readonly trimmedTo: Database.Statement;
  private readonly retention: Retention;
  private readonly sql: Database.Database;

  constructor(sql: Database.Database, retention: Retention) {
    this.sql = sql;
    this.retention = retention;
    sql.exec(`CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, db TEXT NOT NULL,
        coll TEXT NOT NULL, op TEXT NOT NULL, doc BLOB, key BLOB, upd BLOB);
      CREATE TABLE IF NOT EXISTS change_meta (id INTEGER PRIMARY KEY CHECK (id = 1), trimmed INTEGER NOT NULL);
      INSERT OR IGNORE INTO change_meta (id, trimmed) VALUES (1, 0)`);
    this.append = sql.prepare('INSERT INTO changes (ts, db, coll, op, doc, key, upd) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.since = sql.prepare('SELECT seq, ts, db, coll, op, doc, key, upd FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
    this.last = sql.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").pluck();
    this.trimmedTo = sql.prepare('SELECT trimmed FROM change_meta WHERE id = 1').pluck();
  }

  // ---- inside a store write ----

  insert(db: string, coll: string, bytes: Uint8Array): void {
    this.append.run(Date.now(), db, coll, 'insert', bytes, null, null);
  }

  update(db: string, coll: string, op: 'update' | 'replace', before: Buffer, after: Document, bytes: Uint8Array): void {
    const upd = op === 'update' ? serialize(updateDescription(before, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), after)) : null;
    this.append.run(Date.now(), db, coll, op, bytes, null, upd);
  }

  delete(db: string, coll: string, id: unknown): void {
    this.append.run(Date.now(), db, coll, 'delete', null, serialize({ _id: id }), null);
  }

  drop(db: string, coll: string): void {
    this.append.run(Date.now(), db, coll, 'drop', null, null, null);
  }

  dropDatabase(db: string): void {
    this.append.run(Date.now(), db, '', 'dropDatabase', null, null, null);
  }

  /**
   * A transaction's commit: the entries its writes appended after `seq` give way to the events of
   * its operations as they ran (as MongoDB reports a transaction: an update as an update); inside a
   * store write.
   */
  replaceAfter(seq: number, rows: ChangeRow[]): void {
    this.sql.prepare('DELETE FROM changes WHERE seq > ?').run(seq);
    const ts = Date.now();
    for (const r of rows) this.append.run(ts, r.db, r.coll, r.op, r.doc, r.key, r.upd);
  }

  /** Deletes what the retention no longer keeps; inside a store write. */
  trim(now = Date.now()): void {
    const last = this.lastSeq();
    // the first entry young enough to keep; scanning from the oldest reads only what goes
    const kept = this.sql.prepare('SELECT seq FROM changes WHERE ts >= ? ORDER BY seq LIMIT 1').pluck().get(now - this.retention.maxAgeMs) as number | undefined;
    const upTo = Math.max(kept === undefined ? last : kept - 1, last - this.retention.maxEntries);
    if (upTo <= this.trimmed()) return;
    this.sql.prepare('DELETE FROM changes WHERE seq <= ?').run(upTo);
    this.sql.prepare('UPDATE change_meta SET trimmed = ? WHERE id = 1').run(upTo);
  }

  // ---- reads ----

  /** The last sequence number ever written (0 when none). */
  lastSeq(): number {
    return (this.last.get() as number | undefined) ?? 0;
  }

  /** Entries up to this sequence number were trimmed away. */
  trimmed(): number {
    return this.trimmedTo.get() as number;
  }

  /** Up to `limit` entries after `seq` and up to `last`, in commit order. */
  read(seq: number, limit: number, last: number): ChangeRow[] {
    return this.since.all(seq, last, limit) as ChangeRow[];
  }

  /** Throws ChangeStreamHistoryLost unless the log still holds every entry after `seq`. */
  checkResumable(seq: number): void {
    if (seq < this.trimmed() || seq > this.lastSeq()) throw historyLost();
  }
}

/** The event of a row, shaped as MongoDB's change event; `fullDocument` on updates only when asked for. */
export function eventOf(row: ChangeRow, updateLookup: boolean): Document {
  const ev: Document = { _id: tokenOf(row.seq), operationType: row.op, wallTime: new Date(row.ts) };
  const doc = row.doc ? deserialize(row.doc, EXACT) : undefined;
  if (doc && (row.op !== 'update' || updateLookup)) ev.fullDocument = doc;
  ev.ns = row.op === 'dropDatabase' ? { db: row.db } : { db: row.db, coll: row.coll };
  if (row.key) ev.documentKey = deserialize(row.key, EXACT);
  else if (doc) ev.documentKey = { _id: doc._id };
  if (row.upd) ev.updateDescription = deserialize(row.upd, EXACT);
  return ev;
}
