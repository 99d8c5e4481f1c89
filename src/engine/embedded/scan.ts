// Runs a plan (planner.ts): reads candidate rows, parses them through the document cache, applies
// the full filter, then orders and pages the matches.
import type { Filter, FindOptions, Sort } from '../types.ts';
import type { DocCache, Parsed } from './doc-cache.ts';
import { HexKeyHit, exactKeyLookup, exactOf, finish, pageOf, viewOf, type Hit } from './hits.ts';
import { idKey } from './keys.ts';
import type { IndexDef, Indexes } from './indexes.ts';
import { plan, type Plan, type Range } from './planner.ts';
import { IndexScan } from './index-scan.ts';
import { idOnlySort, limitOf, type Matcher } from './query.ts';
import { runColumnQuery, type RowAccess } from './column-scan.ts';
import { ResidentReads } from './resident-read.ts';
import { readTable } from './table-read.ts';
import { ROWS, WritesLost, type Columns } from './columns.ts';
import { matchAll, matcherFor, predicateFor } from './compiled-filters.ts';
import type { CollectionInfo, Store } from './store.ts';
import { timeLimitExceeded } from './time-limit.ts';
import { STEP, skipKeys } from './deep-page.ts';
import { Pace } from './slices.ts';
import { engineMetrics } from '../../metrics/docrest-registry.ts';

type RawRow = [number, Buffer, Buffer];

/** collections above this many rows are scanned for writes before the write (write-targets.ts) */
const LARGE_SCAN_ROWS = 16_384;

/**
 * Whether an index walk gives the requested order: unless the index was only hinted; a hint with
 * an empty sort asks for the hinted index's order (MongoDB).
 */
function inIndexOrder(opts: FindOptions, idDir: 1 | -1 | undefined): boolean {
  return (idDir === undefined && !!opts.sort && opts.hint === undefined) || (opts.hint !== undefined && opts.sort?.length === 0);
}

/** the documents a page reads between two turns (pageInSlices) */
const PAGE_SLICE_BYTES = 256 * 1024;

export class Scanner {
  private readonly store: Store;
  private readonly indexes: Indexes;
  private readonly docs: DocCache;

  readonly columns: Columns;
  readonly resident: ResidentReads;

  constructor(store: Store, indexes: Indexes, docs: DocCache, columns: Columns) {
    this.store = store;
    this.indexes = indexes;
    this.docs = docs;
    this.columns = columns;
    this.resident = new ResidentReads(store, indexes, columns);
  }

  /**
   * A read (find, count) that never holds the event loop long: scans of the whole collection run
   * over columns in slices (column-scan.ts); plans on _id or an index read bounded sets of rows.
   * Throws MaxTimeMSExpired past the deadline.
   */
  async query(info: CollectionInfo, filter: Filter, filterKey: string, opts: FindOptions, deadline: number, countOnly: boolean): Promise<Hit[] | number> {
    for (;;) {
      try {
        return await this.queryOnce(info, filter, filterKey, opts, deadline, countOnly);
      } catch (e) {
        // which rows were written while it yielded is unknown (columns.ts, LOST): read again
        if (!(e instanceof WritesLost)) throw e;
        if (Date.now() > deadline) throw timeLimitExceeded();
      }
    }
  }

  private async queryOnce(info: CollectionInfo, filter: Filter, filterKey: string, opts: FindOptions, deadline: number, countOnly: boolean): Promise<Hit[] | number> {
    const idDir = idOnlySort(opts.sort);
    const p = plan(filter, opts, this.indexes.of(info.table), idDir);
    const empty = Object.keys(filter).length === 0;
    if (p.kind === 'bounds' || p.kind === 'indexOrder') {
      const found = await this.viaIndex(info, filter, filterKey, opts, idDir, p, deadline, countOnly);
      engineMetrics.documentsScanned('index', typeof found === 'number' ? found : found.length);
      return found;
    }
    if (p.kind === 'table' && empty && idDir !== undefined && !countOnly && (opts.skip ?? 0) > STEP) {
      const walked = await skipKeys(this.store, info.table, p.dir, opts.skip!, deadline);
      // the page is read in the same step as this check that the collection is as the walk saw it
      if (walked && this.store.version(info.table) === walked.version) {
        if (walked.after === null) return [];
        const hits = this.page(info, p.dir === 1 ? 'ASC' : 'DESC', 0, limitOf(opts), this.store.docVersion(info.table), walked.after);
        engineMetrics.documentsScanned('collection', hits.length);
        return hits;
      }
    }
    if (p.kind === 'table' && empty && idDir !== undefined && !countOnly) {
      const hits = await this.pageInSlices(info, p.dir === 1 ? 'ASC' : 'DESC', opts.skip ?? 0, limitOf(opts), deadline);
      engineMetrics.documentsScanned('collection', hits.length);
      return hits;
    }
    if (p.kind !== 'table' || (empty && countOnly)) {
      const hits = this.run(info, filter, opts);
      engineMetrics.documentsScanned(p.kind === 'table' ? 'collection' : 'index', hits.length);
      return countOnly ? hits.length : hits;
    }
    const compiled = predicateFor(filter, filterKey);
    // compiling mingo costs 10–25 µs: a fully compiled filter needs it only for UNSURE cells
    let matcher = compiled.complete ? undefined : matcherFor(filter, filterKey);
    const sortPaths = idDir === undefined ? opts.sort!.map(([f]) => f) : [];
    const paths = [ROWS, ...compiled.paths, ...sortPaths];
    await this.columns.ensure(info.table, paths, deadline);
    // a build that failed (its rows changed under it) is started again, under the same deadline:
    // only columns refused over the budget fall back to reading the documents (table-read.ts)
    if (!this.columns.get(info.table, ROWS)) await this.columns.ensure(info.table, paths, deadline);
    // rowid order is not _id order (ids not inserted in order, e.g. UUIDs): the _id column orders
    // the matches (reading each match's key held the loop 0.6-0.8 s over 100k matches)
    if (idDir !== undefined && !countOnly && !this.columns.ordered(info.table)) await this.columns.ensure(info.table, ['_id'], deadline);
    const rows = this.columns.get(info.table, ROWS);
    if (!rows) {
      matcher ??= matcherFor(filter, filterKey);
      const m = matcher;
      const need = countOnly || idDir === undefined ? Infinity : (opts.skip ?? 0) + limitOf(opts);
      const hits = await readTable<Hit>(info.table, idDir === undefined ? 1 : p.dir, need, deadline, {
        prepared: (sql) => this.store.prepared(sql),
        sync: () => void this.store.docVersion(info.table),
        hit: (rowid, k, doc) => ({ k, rowid, parsed: { bytes: doc, rowid, stamp: 0 } }),
        read: (rowid) => this.rowAt(info, rowid, false),
        matches: (h) => m(viewOf(h.parsed), () => exactOf(h.parsed)),
        follow: (work) => this.columns.follow(info.table, work),
      });
      engineMetrics.documentsScanned('collection', hits.length);
      if (countOnly) return hits.length;
      return idDir === undefined ? finish(hits, opts) : hits.slice(opts.skip ?? 0);
    }
    engineMetrics.documentsScanned('collection', rows.cells.length);
    const keyOf = this.store.prepared(`SELECT k FROM ${info.table} WHERE rowid = ?`).pluck();
    const access: RowAccess<Hit> = {
      read: (rowid) => this.rowAt(info, rowid, true),
      peek: (rowid) => this.rowAt(info, rowid, false),
      key: (rowid) => keyOf.get(rowid) as Buffer | undefined,
      view: (h) => viewOf(h.parsed),
      matches: (h) => {
        matcher ??= matcherFor(filter, filterKey);
        return matcher(viewOf(h.parsed), () => exactOf(h.parsed));
      },
    };
    return runColumnQuery<Hit>({ info, compiled, opts, idDir: idDir === undefined ? undefined : p.dir, deadline, countOnly }, this.columns, access);
  }

  /** A read through an index, in slices (index-scan.ts). */
  private async viaIndex(info: CollectionInfo, filter: Filter, filterKey: string, opts: FindOptions, idDir: 1 | -1 | undefined,
    p: Plan & { kind: 'bounds' | 'indexOrder' }, deadline: number, countOnly: boolean): Promise<Hit[] | number> {
    const index = p.index;
    const covered = (p.kind === 'bounds' && p.covered) || exactKeyLookup(filter);
    if (p.kind === 'bounds') {
      const held = this.resident.read(info.table, p, covered ? undefined : () => matcherFor(filter, filterKey), opts, countOnly);
      if (held !== undefined) return held;
    }
    const scan = new IndexScan<Hit>({ info, index, matcher: covered ? undefined : matcherFor(filter, filterKey), deadline }, {
      prepared: (sql) => this.store.prepared(sql),
      stamp: () => this.store.docVersion(info.table),
      // Ranges of an index leave the document cache alone: V5 (10 documents a request through an
      // index, from 100k) cost 227 µs of CPU a request with the cache asked and filled, 162 without
      // (interleaved A/B), the cache churning through documents read once. Its rendered bytes made
      // a cached document worth less than its upkeep; point reads keep it.
      parse: (rowid, hex, doc) => ({
        k: Buffer.from(hex, 'hex'),
        rowid,
        // copied into Node's pool: a document kept later (result cache) must not keep its whole read alive
        parsed: { bytes: Buffer.from(doc), rowid, stamp: 0 },
      }),
      byKey: (k, stamp) => this.peekKey(info, k, stamp),
      read: (rowid) => this.rowAt(info, rowid, true),
      entries: (exact) => this.indexes.keys(index, exact),
      view: viewOf,
      exact: exactOf,
      follow: (work) => this.columns.follow(info.table, work),
    });
    const skip = opts.skip ?? 0;
    const limit = limitOf(opts);
    if (p.kind === 'bounds') {
      const { keys, hits } = await scan.bounds(p.ranges, !countOnly && idDir === undefined);
      if (countOnly) return keys.size;
      if (idDir === undefined) return finish([...hits!.values()], opts);
      const page = [...keys].sort((a, b) => idDir * Buffer.compare(a[1], b[1])).slice(skip, skip + limit);
      const stamp = this.store.docVersion(info.table);
      // documents not kept are read again: rows written meanwhile were judged at the end
      return page.map(([rowid, k]) => hits?.get(rowid) ?? this.peekKey(info, k, stamp)).filter((h) => h !== undefined);
    }
    const sort: Sort = opts.sort?.length ? opts.sort : index.fields.map((f) => [f.field, f.dir * p.dir as 1 | -1]);
    if (!countOnly && inIndexOrder(opts, idDir)) return this.adopt(info, (await scan.inOrder(p.dir, skip + limit, sort)).slice(skip));
    const all = await scan.inOrder(p.dir, Infinity, sort);
    return countOnly ? all.length : this.adopt(info, finish(all, opts));
  }

  /** The row with this _id key for judging it: the document cache's entry if current, else not cached. */
  private peekKey(info: CollectionInfo, k: Buffer, stamp: number): Hit | undefined {
    const cached = this.docs.current(info.table, k, stamp);
    if (cached) return { k, rowid: cached.rowid, parsed: cached };
    const row = this.sql(info, 'SELECT rowid, doc FROM $T WHERE k = ?').get(k) as [number, Buffer] | undefined;
    return row && { k, rowid: row[0], parsed: { bytes: row[1], rowid: row[0], stamp: 0 } };
  }

  /** A row just read, for judging: the cache's entry if current, else one outside it (stamp 0, see adopt). */
  private judging(info: CollectionInfo, rowid: number, k: Buffer, bytes: Buffer, stamp: number): Parsed {
    return this.docs.current(info.table, k, stamp) ?? { bytes, rowid, stamp: 0 };
  }

  /** An answer's documents into the document cache (its rows are as committed now). */
  private adopt(info: CollectionInfo, hits: Hit[]): Hit[] {
    const stamp = this.store.docVersion(info.table);
    for (const h of hits) if (h.parsed.stamp === 0) h.parsed = this.docs.adopt(info.table, h.k, h.parsed, stamp);
    return hits;
  }

  private parse(info: CollectionInfo, rowid: number, k: Buffer, bytes: Buffer, stamp: number): Parsed {
    let p = this.docs.get(info.table, k, bytes, stamp, rowid);
    if (!p) {
      p = { bytes, stamp, rowid };
      this.docs.set(info.table, k, p);
    }
    return p;
  }

  private sql(info: CollectionInfo, text: string) {
    return this.store.prepared(text.replaceAll('$T', ` ${info.table} `)).raw(true);
  }

  /**
   * Whether a filter would read the whole collection or a range of an index (as wide, for all a
   * plan knows), and the collection is large: a write then finds its rows first, in slices.
   */
  largeScan(info: CollectionInfo, filter: Filter, opts: FindOptions = {}): boolean {
    if (Object.keys(filter).length === 0 || exactKeyLookup(filter)) return false;
    const kind = plan(filter, opts, this.indexes.of(info.table), idOnlySort(opts.sort)).kind;
    if (kind !== 'table' && kind !== 'bounds') return false;
    return this.store.lastRowid(info.table) > LARGE_SCAN_ROWS;
  }

  /**
   * The row with this rowid, if it exists; `keep`: through the document cache, else only for
   * judging it (a scan must not flood the cache with the rows it rejects).
   */
  private rowAt(info: CollectionInfo, rowid: number, keep: boolean): Hit | undefined {
    const row = this.sql(info, 'SELECT rowid, k, doc FROM $T WHERE rowid = ?').get(rowid) as RawRow | undefined;
    if (!row) return undefined;
    const stamp = this.store.docVersion(info.table);
    const parsed = keep ? this.parse(info, rowid, row[1], row[2], stamp) : this.judging(info, rowid, row[1], row[2], stamp);
    return { k: row[1], rowid, parsed };
  }

  /** The rows among these that match the filter now, in _id order (inside a write: exact). */
  recheck(info: CollectionInfo, filter: Filter, rowids: Iterable<number>): Hit[] {
    const matcher = matcherFor(filter);
    const hits: Hit[] = [];
    for (const r of new Set(rowids)) {
      const hit = this.rowAt(info, r, true);
      if (hit && matcher(viewOf(hit.parsed), () => exactOf(hit.parsed))) hits.push(hit);
    }
    return hits.sort((a, b) => Buffer.compare(a.k, b.k));
  }

  /** The document with this exact _id (see exactKeyLookup), if any. */
  point(info: CollectionInfo, id: unknown): Hit | undefined {
    return this.byKey(info, [idKey(id)], matchAll, this.store.docVersion(info.table))[0];
  }

  /** Point reads by primary key: a cached document of an unchanged table needs no read at all. */
  private byKey(info: CollectionInfo, keys: Iterable<Buffer>, matcher: Matcher, stamp: number): Hit[] {
    let get: ReturnType<Scanner['sql']> | undefined;
    const hits: Hit[] = [];
    for (const k of keys) {
      let parsed = this.docs.current(info.table, k, stamp);
      if (!parsed) {
        // the key is known: reading it again would cost one more Buffer
        get ??= this.sql(info, 'SELECT rowid, doc FROM $T WHERE k = ?');
        const row = get.get(k) as [number, Buffer] | undefined;
        if (!row) continue;
        parsed = this.parse(info, row[0], k, row[1], stamp);
      }
      if (matcher === matchAll || matcher(viewOf(parsed), () => exactOf(parsed))) hits.push({ k, rowid: parsed.rowid, parsed });
    }
    return hits;
  }

  /**
   * The rows an index's ranges point at, each once, read in one statement per range rather than a
   * key list and then a point read per key (one statement step and one key Buffer less per row).
   */
  private rangeRows(info: CollectionInfo, index: IndexDef, ranges: Range[], matcher: Matcher, stamp: number): Hit[] {
    const q = this.store.prepared(`SELECT t.rowid, t.k, t.doc FROM ${index.table} i JOIN ${info.table} t ON t.k = i.k WHERE i.key >= ? AND i.key < ?`).raw(true);
    const seen = new Set<number>();
    const hits: Hit[] = [];
    for (const [lo, hi] of ranges) {
      for (const [rowid, k, bytes] of q.all(lo, hi) as RawRow[]) {
        if (seen.has(rowid)) continue;
        seen.add(rowid);
        const parsed = this.parse(info, rowid, k, bytes, stamp);
        if (matcher === matchAll || matcher(viewOf(parsed), () => exactOf(parsed))) hits.push({ k, rowid, parsed });
      }
    }
    return hits;
  }

  run(info: CollectionInfo, filter: Filter, opts: FindOptions = {}): Hit[] {
    // compiled only when needed: an index lookup that answers the whole filter needs none
    let m: Matcher | undefined;
    const matcher = (): Matcher => (m ??= exactKeyLookup(filter) ? matchAll : matcherFor(filter));
    const skip = opts.skip ?? 0;
    const limit = limitOf(opts);
    const idDir = idOnlySort(opts.sort);
    const p = plan(filter, opts, this.indexes.of(info.table), idDir);
    // taken before any row is read: rows read under this stamp are what the table holds at it
    const stamp = this.store.docVersion(info.table);
    switch (p.kind) {
      case 'ids': return finish(this.byKey(info, p.keys, matcher(), stamp), opts);
      case 'bounds': return finish(this.rangeRows(info, p.index, p.ranges, p.covered ? matchAll : matcher(), stamp), opts);
      case 'indexOrder': {
        const order = p.dir === 1 ? 'ASC' : 'DESC';
        const entries = this.store.prepared(`SELECT DISTINCT k FROM ${p.index.table} ORDER BY key ${order}`).pluck().iterate() as IterableIterator<Buffer>;
        const self = this;
        const hits = (function* () {
          const seen = new Set<string>();
          for (const k of entries) {
            const s = k.toString('latin1');
            if (seen.has(s)) continue;
            seen.add(s);
            yield* self.byKey(info, [k], matcher(), stamp);
          }
        })();
        return inIndexOrder(opts, idDir) ? pageOf(hits, skip, limit) : finish([...hits], opts);
      }
      case 'table': {
        const order = p.dir === 1 ? 'ASC' : 'DESC';
        if (idDir === undefined) return finish([...this.tableRows(info, order, matcher(), stamp)], opts);
        if (Object.keys(filter).length === 0) return this.page(info, order, skip, limit, stamp);
        return pageOf(this.tableRows(info, order, matcher(), stamp), skip, limit);
      }
    }
  }

  /**
   * A page of the collection in _id order, after `skip` keys or after the key `after` (a deep
   * page, deep-page.ts). The keys come first: a cached document of an unchanged table needs no
   * read, which saves a Buffer per row (pages of a collection that inserts keep changing miss the
   * result cache, not the document cache).
   */
  private page(info: CollectionInfo, order: string, skip: number, limit: number, stamp: number, after?: Buffer): Hit[] {
    const read = this.pageReader(info, stamp);
    const hits: Hit[] = [];
    for (const [rowid, hexKey] of this.pageKeys(info, order, skip, limit, after)) {
      const h = read(rowid, hexKey);
      if (h) hits.push(h);
    }
    return hits;
  }

  /**
   * page() giving way once it read PAGE_SLICE_BYTES of documents: a page of 1,000 documents of
   * 18 KB held the event loop 140 ms. When rows were written meanwhile, the page is read again in
   * one step.
   */
  private async pageInSlices(info: CollectionInfo, order: string, skip: number, limit: number, deadline: number): Promise<Hit[]> {
    const pace = new Pace(deadline);
    const { value, written } = await this.columns.follow(info.table, async () => {
      let read = this.pageReader(info, this.store.docVersion(info.table));
      const hits: Hit[] = [];
      let bytes = 0;
      for (const [rowid, hexKey] of this.pageKeys(info, order, skip, limit)) {
        const h = read(rowid, hexKey);
        if (!h) continue;
        hits.push(h);
        if ((bytes += h.parsed.bytes.length) < PAGE_SLICE_BYTES) continue;
        bytes = 0;
        const turn = pace.turn();
        if (turn) await turn;
        // the stamp also catches up with other processes' commits, so that their rows reach follow's log
        read = this.pageReader(info, this.store.docVersion(info.table));
      }
      return hits;
    });
    return written.length ? this.page(info, order, skip, limit, this.store.docVersion(info.table)) : value;
  }

  /** The rowids and hex keys of a page: a string per row costs far less than a Buffer per row (doc-cache.ts currentHex). */
  private pageKeys(info: CollectionInfo, order: string, skip: number, limit: number, after?: Buffer): Array<[number, string]> {
    const n = limit === Infinity ? -1 : limit;
    return (after
      ? this.sql(info, `SELECT rowid, lower(hex(k)) FROM $T WHERE k ${order === 'ASC' ? '>' : '<'} ? ORDER BY k ${order} LIMIT ?`).all(after, n)
      : this.sql(info, `SELECT rowid, lower(hex(k)) FROM $T ORDER BY k ${order} LIMIT ? OFFSET ?`).all(n, skip)) as Array<[number, string]>;
  }

  /** A page row's hit: the cached document when current, else the row read now (undefined when gone). */
  private pageReader(info: CollectionInfo, stamp: number): (rowid: number, hexKey: string) => Hit | undefined {
    let get: ReturnType<Scanner['sql']> | undefined;
    return (rowid, hexKey) => {
      const parsed = this.docs.currentHex(info.table, hexKey, stamp);
      if (parsed?.rowid === rowid) return new HexKeyHit(hexKey, rowid, parsed);
      get ??= this.sql(info, 'SELECT k, doc FROM $T WHERE rowid = ?');
      const row = get.get(rowid) as [Buffer, Buffer] | undefined;
      return row && { k: row[0], rowid, parsed: this.parse(info, rowid, row[0], row[1], stamp) };
    };
  }

  private *tableRows(info: CollectionInfo, order: string, matcher: Matcher, stamp: number): Generator<Hit> {
    for (const [rowid, k, bytes] of this.sql(info, `SELECT rowid, k, doc FROM $T ORDER BY k ${order}`).iterate() as IterableIterator<RawRow>) {
      const parsed = this.parse(info, rowid, k, bytes, stamp);
      if (matcher === matchAll || matcher(viewOf(parsed), () => exactOf(parsed))) yield { k, rowid, parsed };
    }
  }
}
