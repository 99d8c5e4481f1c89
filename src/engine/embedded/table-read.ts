// A read of a whole collection without columns, for a collection whose columns were refused over
// the columns' budget (columns.ts): its documents in _id order, read in slices that give way to
// other requests (slices.ts) and stop past the deadline. Before, such a read took every document in
// one synchronous step, with no time limit: a collection larger than the budget stalled the server
// for as long as its scan ran. Rows written while the read gave way are judged again at the end
// (columns.follow), as for an index range (index-scan.ts).
import type Database from 'better-sqlite3';
import { Pace } from './slices.ts';
import { judgeWritten } from './written-rows.ts';

export interface TableHit {
  k: Buffer;
  rowid: number;
}

export interface TableAccess<H extends TableHit> {
  prepared(sql: string): Database.Statement;
  /** catches up with other processes' commits (their rows reach follow's log) */
  sync(): void;
  /** a row just read, not cached (a scan reads each once) */
  hit(rowid: number, k: Buffer, doc: Buffer): H;
  /** the row with this rowid as committed now, or undefined when it no longer exists */
  read(rowid: number): H | undefined;
  matches(h: H): boolean;
  follow(work: () => Promise<void>): Promise<{ written: number[] }>;
}

// rows per SELECT: the slice's time is checked between them
const BATCH = 64;

/**
 * The first `need` matching rows in _id order (dir), or all of them (need = Infinity). Throws the
 * time-limit error past the deadline.
 */
export async function readTable<H extends TableHit>(table: string, dir: 1 | -1, need: number, deadline: number, a: TableAccess<H>): Promise<H[]> {
  const o = dir === 1 ? 'ASC' : 'DESC';
  const first = a.prepared(`SELECT rowid, k, doc FROM ${table} ORDER BY k ${o} LIMIT ${BATCH}`).raw(true);
  const next = a.prepared(`SELECT rowid, k, doc FROM ${table} WHERE k ${dir === 1 ? '>' : '<'} ? ORDER BY k ${o} LIMIT ${BATCH}`).raw(true);
  const pace = new Pace(deadline);
  const hits = new Map<number, H>();
  let after: Buffer | undefined;
  let exhausted = false;
  // walks on until `need` rows match or the table ends; `sync`: without giving way
  const walk = async (sync: boolean) => {
    while (!exhausted && hits.size < need) {
      a.sync();
      const rows = (after ? next.all(after) : first.all()) as Array<[number, Buffer, Buffer]>;
      for (const [rowid, k, doc] of rows) {
        after = k;
        const h = a.hit(rowid, k, doc);
        if (a.matches(h)) {
          hits.set(rowid, h);
          if (hits.size >= need) break;
        }
      }
      if (rows.length < BATCH && hits.size < need) exhausted = true;
      else if (hits.size < need) {
        const turn = pace.turn(sync);
        if (turn) await turn;
      }
    }
  };
  const { written } = await a.follow(() => walk(false));
  if (written.length === 0) return [...hits.values()];
  const passed = (h: H) => exhausted || (after !== undefined && dir * Buffer.compare(h.k, after) <= 0);
  judgeWritten(hits, written, (r) => a.read(r), passed, (h) => a.matches(h));
  // rows the writes took out leave room for rows further on
  await walk(true);
  return [...hits.values()].sort((x, y) => dir * Buffer.compare(x.k, y.k)).slice(0, need);
}
