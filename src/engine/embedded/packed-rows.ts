// Rows read from SQLite packed into one result row: the rowids and hex keys as comma-separated
// text, the BSON documents back to back in one BLOB (a document carries its own length).
//
// better-sqlite3 returns every BLOB as a Buffer with an ArrayBuffer of its own: malloc'd, swept by
// V8, 2.5–4.5 µs each on this VM. Ten documents read through an index with their keys (V5) cost
// 69 µs as 20 BLOBs, 43 µs packed (plain Node, same rows); in the server V5 went 420 -> 393 µs of
// CPU a request (interleaved A/B); building a column of 1M documents took 3.9–4.3 s, now 2.4–2.5.
// SQLite keeps a BLOB's bytes through CAST to TEXT (no encoding change in a UTF-8 database), and
// group_concat appends them by length, NULs included.

/**
 * A query returning r (rowid), d (doc) and, with `keys`, h (lower(hex(k))), as one packed row
 * (count, r, h, d). The lists share one order, SQLite's choice (an aggregate's order need not be
 * the inner query's): the column build takes the largest rowid, the index scan keeps no order.
 */
export function packedSql(inner: string, opts: { keys: boolean }): string {
  return `SELECT count(*), group_concat(r), ${opts.keys ? 'group_concat(h)' : 'NULL'},
    CAST(group_concat(CAST(d AS TEXT), '') AS BLOB) FROM (${inner})`;
}

export type PackedRow = [number, string | null, string | null, Buffer | null];

/** [rowid, hex key ('' without keys), document] of each row, the documents views into the BLOB. */
export function unpack([n, rowids, keys, docs]: PackedRow): Array<[number, string, Buffer]> {
  const out: Array<[number, string, Buffer]> = [];
  if (n === 0) return out;
  const rs = rowids!.split(',');
  const ks = keys?.split(',');
  for (let i = 0, at = 0; i < n; i++) {
    const len = docs!.readInt32LE(at);
    out.push([Number(rs[i]), ks ? ks[i]! : '', docs!.subarray(at, at + len)]);
    at += len;
  }
  return out;
}
