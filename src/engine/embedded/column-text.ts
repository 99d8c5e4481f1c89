// A column's strings as search text, for regexes with a required literal (regex-literal.ts): one
// String.prototype.indexOf over the strings of many rows finds the few rows a regex can match,
// where testing every row costs a closure call and an `includes` per string.
//
// Measured on the 2-core VM (busy), 1,000 rows of two ~33-character URLs, a different pattern
// `ample<v>.org` per query: compiling, binding and testing every row cost 42–92 µs a query, with
// this search 14–31 µs (in-process, same minutes); the workload over HTTP (V2) went from 169–237
// to 114–130 µs of server CPU a request. The text costs 75–250 ns a string to build (join, `+=`
// and Buffer writes alike): a 100k-row column of two URLs a row takes 50–60 ms, too long to hold
// the event loop. Hence chunks of CHUNK_ROWS rows, each built (~1 ms) and searched when a scan
// first reaches it, between the scan's slices, and kept for the next queries (then the 100k rows
// are searched in ~3 ms).
//
// A write does not drop a chunk: the rows written since it was built are remembered and always
// left to the row test (their old strings in the text only make them candidates too), until too
// many have been written and the chunk is built again.
import { UNSURE, type Cell } from './cells.ts';
import type { ColumnNumbers } from './column-numbers.ts';

/**
 * Between two strings in the text. A pattern cannot contain NUL (regex.ts refuses it), so no
 * literal does and no occurrence spans two strings; a literal with it is not searched anyway
 * (searchable()). An occurrence across strings would only make a row a candidate needlessly.
 */
const SEPARATOR = '\0';
const CHUNK_BITS = 11;
const CHUNK_ROWS = 1 << CHUNK_BITS;
/** a chunk over these is not built (its rows are tested one by one): bounds one build's time */
const CHUNK_STRINGS = 8192;
const CHUNK_CHARS = 1 << 19;
/** all chunks of a column (8–16 MB): bounds the memory, also counted in the column's size() */
const COLUMN_CHARS = 8 << 20;
/** rows written into a chunk after which it is built again */
const MAX_CHANGED = 256;

interface Chunk {
  text: string;
  /** where each string starts in the text, and its row, in row order */
  starts: Uint32Array;
  rows: Uint32Array;
  /** rows written since the build: their strings may not be in the text */
  changed: number[];
  /** rows UNSURE at the build: only the row test can tell */
  unsure: number[];
  /** how often each character (by its low byte) occurs, from a sample of the text */
  freq: Uint32Array;
}

/** one character in this many is counted for `freq` */
const SAMPLE_STRIDE = 7;

/**
 * Where in the literal to start searching: at its rarest character in the text. indexOf runs
 * memchr for a pattern's first character and compares at each occurrence: 'ample1234' over the V2
 * text (66k characters, 'a' in every string) takes ~30 µs, '1234' ~5 µs.
 */
function anchorOf(literal: string, freq: Uint32Array): number {
  let best = 0;
  for (let j = 1; j < literal.length; j++) if (freq[literal.charCodeAt(j) & 255]! < freq[literal.charCodeAt(best) & 255]!) best = j;
  return best;
}

const chunkBytes = (ch: Chunk) => 2 * ch.text.length + 8 * (ch.starts.length + ch.unsure.length) + ch.freq.byteLength;

/** Whether a search must leave the row to the row test: strings the text may not show, or UNSURE. */
const mayHold = (c: Cell | undefined) => typeof c === 'string' || c === UNSURE || (Array.isArray(c) && c.some((x) => typeof x === 'string'));

/** What a compiled predicate (predicate.ts) sees of a column: its cells, and a search of its strings. */
export interface ColumnView {
  readonly cells: Cell[];
  /** the column's numbers, when it holds any (column-numbers.ts) */
  readonly numbers?: ColumnNumbers | undefined;
  /** rows that may hold a string containing one of `literals`, or be UNSURE; undefined when no search can tell */
  search(literals: string[]): RowSearch | undefined;
}

/** The search texts of one column, built chunk by chunk on demand. */
export class ColumnText {
  private readonly chunks: Array<Chunk | undefined> = [];
  private chars = 0;
  /** estimated memory: two bytes a character, eight a string or UNSURE row, the sample's counts */
  bytes = 0;

  /** Called for every write to the column. */
  written(rowid: number, cell: Cell | undefined): void {
    const k = Math.floor(rowid / CHUNK_ROWS);
    const ch = this.chunks[k];
    // a row that holds no string now cannot match: its old strings in the text are harmless
    if (!ch || !mayHold(cell)) return;
    ch.changed.push(rowid);
    if (ch.changed.length > MAX_CHANGED) this.drop(k, ch);
  }

  private drop(k: number, ch: Chunk): void {
    this.chunks[k] = undefined;
    this.chars -= ch.text.length;
    this.bytes -= chunkBytes(ch);
  }

  /** Chunk k of these cells, built now if it is not; undefined when it is over the limits. */
  chunk(cells: Cell[], k: number): Chunk | undefined {
    const had = this.chunks[k];
    if (had) return had;
    const from = k * CHUNK_ROWS;
    const to = Math.min(cells.length, from + CHUNK_ROWS);
    let strings = 0;
    let chars = 0;
    for (let r = from; r < to; r++) {
      const c = cells[r];
      if (typeof c === 'string') {
        strings++;
        chars += c.length + 1;
      } else if (Array.isArray(c)) {
        for (const x of c) {
          if (typeof x !== 'string') continue;
          strings++;
          chars += x.length + 1;
        }
      } else continue;
      if (strings > CHUNK_STRINGS || chars > CHUNK_CHARS) return undefined;
    }
    if (this.chars + chars > COLUMN_CHARS) return undefined;
    const parts = new Array<string>(strings);
    const starts = new Uint32Array(strings);
    const rows = new Uint32Array(strings);
    let i = 0;
    let at = 0;
    const add = (s: string, r: number) => {
      parts[i] = s;
      starts[i] = at;
      rows[i++] = r;
      at += s.length + 1;
    };
    const unsure: number[] = [];
    for (let r = from; r < to; r++) {
      const c = cells[r];
      if (typeof c === 'string') add(c, r);
      else if (c === UNSURE) unsure.push(r);
      else if (Array.isArray(c)) for (const x of c) if (typeof x === 'string') add(x, r);
    }
    const text = parts.join(SEPARATOR);
    const freq = new Uint32Array(256);
    for (let p = 0; p < text.length; p += SAMPLE_STRIDE) freq[text.charCodeAt(p) & 255]!++;
    const ch: Chunk = { text, starts, rows, changed: [], unsure, freq };
    this.chunks[k] = ch;
    this.chars += ch.text.length;
    this.bytes += chunkBytes(ch);
    return ch;
  }
}

/** Whether every literal can be searched for in the text. */
export const searchable = (literals: string[]) => literals.length > 0 && literals.every((l) => l !== '' && !l.includes(SEPARATOR));

/**
 * One query's search of a column for rows whose strings contain one of some literals, chunk by
 * chunk as the query reaches rows. `may(row)` false: the row is not UNSURE and none of its strings
 * contains a literal. After any write to the column every row may (the query tests each row).
 */
export class RowSearch {
  private readonly column: { readonly cells: Cell[]; readonly writes: number };
  private readonly text: ColumnText;
  private readonly literals: string[];
  private readonly writes: number;
  private readonly rows: number;
  /**
   * Bit (row & 15) of hits[row >>> 4]: the row may match. Plain arrays of small integers: a typed
   * array's off-heap store costs microseconds to allocate on this VM (malloc contention).
   */
  private readonly hits: number[];
  /** per chunk: searched yet */
  private readonly searched: boolean[];

  constructor(column: { readonly cells: Cell[]; readonly writes: number }, text: ColumnText, literals: string[]) {
    this.column = column;
    this.text = text;
    this.literals = literals;
    this.writes = column.writes;
    this.rows = column.cells.length;
    this.hits = new Array<number>(Math.ceil(this.rows / 16)).fill(0);
    this.searched = new Array<boolean>(Math.ceil(this.rows / CHUNK_ROWS)).fill(false);
  }

  may(row: number): boolean {
    if (this.column.writes !== this.writes || row >= this.rows) return true;
    const k = row >>> CHUNK_BITS;
    if (!this.searched[k]) this.search(k);
    return (this.hits[row >>> 4]! & (1 << (row & 15))) !== 0;
  }

  /**
   * The first row from `row` on that may hold a literal, or else the first row of the next chunk:
   * one call searches at most one chunk, so the caller can yield between chunks.
   */
  next(row: number): number {
    const end = Math.min(this.rows, ((row >>> CHUNK_BITS) + 1) * CHUNK_ROWS);
    while (row < end && this.column.writes === this.writes) {
      const k = row >>> CHUNK_BITS;
      if (!this.searched[k]) this.search(k);
      const word = this.hits[row >>> 4]! >>> (row & 15);
      if (word !== 0) return row + 31 - Math.clz32(word & -word);
      row = (row | 15) + 1;
    }
    return row;
  }

  private hit(row: number): void {
    if (row < this.rows) this.hits[row >>> 4]! |= 1 << (row & 15);
  }

  private search(k: number): void {
    this.searched[k] = true;
    const ch = this.text.chunk(this.column.cells, k);
    if (!ch) {
      // chunks are whole words of the bitmap
      this.hits.fill(0xffff, (k * CHUNK_ROWS) >>> 4, ((k + 1) * CHUNK_ROWS) >>> 4);
      return;
    }
    const { text, starts, rows } = ch;
    const n = starts.length;
    for (const literal of this.literals) {
      // an occurrence of the anchor at `at` is one of the literal at `at - j` if the rest is there
      const j = anchorOf(literal, ch.freq);
      const anchor = literal.slice(j);
      let at = text.indexOf(anchor, j);
      let lo = 0;
      while (at >= 0) {
        const start = at - j;
        if (j > 0 && !text.startsWith(literal, start)) {
          at = text.indexOf(anchor, at + 1);
          continue;
        }
        // the string holding the occurrence: the last one starting at or before it
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >>> 1;
          if (starts[mid]! <= start) lo = mid;
          else hi = mid - 1;
        }
        const r = rows[lo]!;
        this.hit(r);
        // on to the next row's strings
        while (lo < n && rows[lo] === r) lo++;
        if (lo === n) break;
        at = text.indexOf(anchor, starts[lo]! + j);
      }
    }
    for (const r of ch.changed) this.hit(r);
    for (const r of ch.unsure) this.hit(r);
  }
}
