// Which rows other processes wrote (workers sharing the data directory, README "Workers"): every
// batch appends the rowids it wrote to this table, in the batch's own transaction, so a process
// that sees another's commit (PRAGMA data_version) re-reads just those rows into its columns
// instead of dropping them. Entries of the writing process itself are skipped by its token. The
// log keeps the last KEEP entries; a process that fell further behind drops its columns.
import { randomInt } from 'node:crypto';
import type Database from 'better-sqlite3';

const KEEP = 200_000;

export class RowLog {
  private readonly token = randomInt(1, 2 ** 47);
  private readonly append: Database.Statement;
  private readonly since: Database.Statement;
  private readonly first: Database.Statement;
  private readonly trim: Database.Statement;
  private readonly keep: number;
  private seen: number;
  private written = 0;

  /** keep: entries kept (tests make it small) */
  constructor(sql: Database.Database, keep = KEEP) {
    this.keep = keep;
    sql.exec('CREATE TABLE IF NOT EXISTS rowlog (id INTEGER PRIMARY KEY, p INTEGER NOT NULL, tbl TEXT NOT NULL, r INTEGER NOT NULL)');
    this.append = sql.prepare('INSERT INTO rowlog (p, tbl, r) VALUES (?, ?, ?)');
    this.since = sql.prepare('SELECT id, p, tbl, r FROM rowlog WHERE id > ? ORDER BY id').raw(true);
    this.first = sql.prepare('SELECT min(id) FROM rowlog').pluck();
    this.trim = sql.prepare('DELETE FROM rowlog WHERE id <= (SELECT max(id) FROM rowlog) - ?');
    this.seen = (sql.prepare('SELECT max(id) FROM rowlog').pluck().get() as number | null) ?? 0;
  }

  /** Inside the write transaction: the rows this batch wrote. */
  record(rows: Map<string, number[]>): void {
    for (const [table, rowids] of rows) for (const r of rowids) this.append.run(this.token, table, r);
    this.written += [...rows.values()].reduce((n, r) => n + r.length, 0);
    if (this.written > this.keep / 4) {
      this.written = 0;
      this.trim.run(this.keep);
    }
  }

  /** Rows other processes wrote since the last call, per table; 'gap' when some were trimmed away. */
  foreign(): Map<string, number[]> | 'gap' {
    const out = new Map<string, number[]>();
    const rows = this.since.all(this.seen) as Array<[number, number, string, number]>;
    if (rows.length && rows[0]![0] > this.seen + 1 && (this.first.get() as number) > this.seen + 1) {
      this.seen = rows[rows.length - 1]![0];
      return 'gap';
    }
    for (const [id, p, table, r] of rows) {
      this.seen = id;
      if (p !== this.token) (out.get(table) ?? out.set(table, []).get(table)!).push(r);
    }
    return out;
  }
}
