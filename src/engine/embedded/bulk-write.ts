// A bulk write of the embedded engine (bulkWrite, updateMany, deleteMany) as a cursor over its
// operations that runs in slices (bulk-slices.ts): each slice goes on from where the previous one
// stopped until its time is up. As in MongoDB, a bulk write is not atomic: other clients' requests
// run between slices and see the slices committed so far.
//
// - Operations run in order; a failed one is reported (writeErrors) and the next one runs
//   (unordered bulk write, as RESTHeart's bulk POST and the driver's insertMany({ordered:false})).
// - A write by filter (updateMany, deleteMany) fixes the rows it goes through at its start
//   (bulk-rows.ts); each slice takes the next of them in chunks and judges each on the stored
//   document, so a document is written at most once, one that matched at the start and still
//   matches is never missed, and one another client changed meanwhile is judged as it is now (as
//   MongoDB re-checks a document after yielding).
// - Every operation's share of a slice runs in a savepoint: an error (a unique index violated, an
//   _id changed) rolls back that share and ends the operation; what its earlier slices wrote stays,
//   counted, as MongoDB keeps the documents a multi-update wrote before failing. An operation that
//   fits in one slice (every small one) is all or nothing, as before slicing.
import type { Database } from 'better-sqlite3';
import { EngineError } from '../../errors.ts';
import type { BulkOperation, BulkResult, Filter, UpdateResult, UpdateSpec } from '../types.ts';
import type { Document } from '../values.ts';
import type { CollectionInfo } from './store.ts';
import type { RowCursor, Targets } from './bulk-rows.ts';
import type { Hit } from './hits.ts';
import type { WriteTargets } from './write-targets.ts';

/** updateMany with the options of Collection.updateMany */
export interface ManyUpdate {
  filter: Filter;
  update: UpdateSpec;
  upsert?: boolean;
  arrayFilters?: Document[];
}

export type BulkOp = Exclude<BulkOperation, { updateMany: unknown }> | { updateMany: ManyUpdate };
type ManyOp = { updateMany: ManyUpdate } | { deleteMany: { filter: Filter } };

/** The collection's write paths, synchronous, inside a store write. */
export interface BulkSteps {
  /** the collection, created if need be (a delete alone does not create it: undefined, nothing to do) */
  ensure(): CollectionInfo | undefined;
  insert(info: CollectionInfo, doc: Document): unknown;
  replace(info: CollectionInfo, filter: Filter, doc: Document, upsert: boolean, pre: WriteTargets | undefined): UpdateResult;
  updateOne(info: CollectionInfo, filter: Filter, update: UpdateSpec, upsert: boolean, pre: WriteTargets | undefined): UpdateResult;
  deleteOne(info: CollectionInfo, filter: Filter, pre: WriteTargets | undefined): number;
  /** the rows a write by filter goes through (bulk-rows.ts), at its start */
  cursor(info: CollectionInfo, filter: Filter, targets: Targets): RowCursor;
  /** applies the update to these matching rows; how many changed */
  updateHits(info: CollectionInfo, op: ManyUpdate, hits: Hit[], now: Date): number;
  /** deletes these matching rows */
  deleteHits(info: CollectionInfo, hits: Hit[]): number;
  /** a share of the bulk was rolled back: cached results must not keep what it wrote */
  rolledBack(): void;
  /** the document an updateMany with upsert inserts when it matched nothing; its _id */
  upsert(info: CollectionInfo, op: ManyUpdate, now: Date): unknown;
}

/** rows judged (and written) between two looks at the clock */
const CHUNK = 32;

/** A write by filter under way: its rows, when it began, how many matched so far. */
interface Many {
  table: string;
  rows: RowCursor;
  now: Date;
  matched: number;
}

export class BulkRun {
  readonly result: BulkResult = {
    insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0,
    insertedIds: new Map(), upsertedIds: new Map(), writeErrors: [],
  };
  /** the errors of writeErrors as thrown (a single updateMany/deleteMany throws its own) */
  readonly errors: EngineError[] = [];
  private readonly steps: BulkSteps;
  private readonly sql: Database;
  private readonly ops: BulkOp[];
  private readonly pres: Array<WriteTargets | undefined>;
  private readonly targets: Array<Targets | undefined>;
  private next = 0;
  private many: Many | undefined;

  /** `pres`: the targets of single-document operations, `targets` those of writes by filter, per operation */
  constructor(steps: BulkSteps, sql: Database, ops: BulkOp[], pres: Array<WriteTargets | undefined>, targets: Array<Targets | undefined>) {
    this.steps = steps;
    this.sql = sql;
    this.ops = ops;
    this.pres = pres;
    this.targets = targets;
  }

  /** Inside a store write: runs operations until `until` (performance.now()); true once all ran. */
  step(until: number): boolean {
    const info = this.steps.ensure();
    if (!info) this.next = this.ops.length;
    while (this.next < this.ops.length) {
      this.runOne(info!, this.next, until);
      if (performance.now() >= until) break;
    }
    return this.next >= this.ops.length;
  }

  /** Runs operation `index`, or this slice's share of it when it is a write by filter, in a savepoint. */
  private runOne(info: CollectionInfo, index: number, until: number): void {
    const op = this.ops[index]!;
    const r = this.result;
    this.sql.exec('SAVEPOINT op');
    try {
      let complete = true;
      if ('updateMany' in op || 'deleteMany' in op) complete = this.runMany(info, op, index, until);
      else if ('insertOne' in op) {
        r.insertedIds.set(index, this.steps.insert(info, op.insertOne.document));
        r.insertedCount++;
      } else if ('deleteOne' in op) {
        r.deletedCount += this.steps.deleteOne(info, op.deleteOne.filter, this.pres[index]);
      } else {
        const u = 'replaceOne' in op
          ? this.steps.replace(info, op.replaceOne.filter, op.replaceOne.replacement, op.replaceOne.upsert ?? false, this.pres[index])
          : this.steps.updateOne(info, op.updateOne.filter, op.updateOne.update, op.updateOne.upsert ?? false, this.pres[index]);
        this.count(index, u);
      }
      this.sql.exec('RELEASE op');
      if (complete) this.next++;
    } catch (e) {
      this.sql.exec('ROLLBACK TO op');
      this.sql.exec('RELEASE op');
      this.steps.rolledBack();
      this.many = undefined;
      this.next++;
      if (!(e instanceof EngineError)) throw e;
      this.errors.push(e);
      r.writeErrors.push({ index, code: e.code, message: e.message });
    }
  }

  private count(index: number, u: UpdateResult): void {
    this.result.matchedCount += u.matchedCount;
    this.result.modifiedCount += u.modifiedCount;
    if (u.upsertedCount) {
      this.result.upsertedCount++;
      this.result.upsertedIds.set(index, u.upsertedId);
    }
  }

  /**
   * This slice's share of a write by filter: chunk after chunk until `until`; true once the
   * operation is complete. Its counts are added only when the share went through (a share rolled
   * back counts nothing).
   */
  private runMany(info: CollectionInfo, op: ManyOp, index: number, until: number): boolean {
    const filter = 'updateMany' in op ? op.updateMany.filter : op.deleteMany.filter;
    const m = (this.many ??= { table: info.table, rows: this.steps.cursor(info, filter, this.targets[index] ?? { kind: 'plan' }), now: new Date(), matched: 0 });
    // the collection was dropped (and maybe created again) between two slices: its rows are gone
    if (m.table !== info.table) {
      this.many = undefined;
      return true;
    }
    let matched = 0;
    let modified = 0;
    let deleted = 0;
    while (!m.rows.done) {
      const hits = m.rows.next(CHUNK);
      if ('updateMany' in op) {
        matched += hits.length;
        modified += this.steps.updateHits(info, op.updateMany, hits, m.now);
      } else deleted += this.steps.deleteHits(info, hits);
      if (performance.now() >= until) break;
    }
    const complete = m.rows.done;
    let upserted: unknown;
    if (complete && 'updateMany' in op && op.updateMany.upsert && m.matched + matched === 0) upserted = this.steps.upsert(info, op.updateMany, m.now);
    m.matched += matched;
    this.count(index, { matchedCount: matched, modifiedCount: modified, upsertedCount: upserted === undefined ? 0 : 1, upsertedId: upserted ?? null });
    this.result.deletedCount += deleted;
    if (complete) this.many = undefined;
    return complete;
  }
}
