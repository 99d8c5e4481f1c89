// Aggregation on the embedded engine. A leading $match (with a $sort, $skip and $limit after it)
// runs as a find through the query engine (indexes, compiled predicates, column scans in slices);
// the rest of the pipeline runs in mingo on a worker thread (aggregate-pool.ts), so that no stage
// holds the event loop. A last $out or $merge is written here (aggregate-output.ts).
// In a transaction, the documents come from its read path instead (sessions.ts: its own writes
// over its snapshot), for the pipeline's input and every collection it looks up.
//
// Safety limit: the documents entering the in-memory part (the pipeline's input and every
// collection $lookup, $graphLookup or $unionWith reads) may total at most MAX_INPUT_BYTES of BSON,
// like MongoDB's 100 MB per stage without allowDiskUse, and so may the results; past it the
// aggregation fails with QueryExceededMemoryLimitNoDiskUseAllowed (292). allowDiskUse changes
// nothing here.
import { deserialize, serialize } from 'bson';
import { BAD_VALUE, EngineError } from '../../errors.ts';
import { renderJson } from '../../json/render.ts';
import type { AggregateOptions, Engine, Filter, FindOptions, Sort } from '../types.ts';
import { isNumeric, isPlainObject, numberOf, type Document } from '../values.ts';
import { runOnWorker } from './aggregate-pool.ts';
import { writeOutput } from './aggregate-output.ts';
import type { EmbeddedEngine } from './engine.ts';
import { idOnlySort, limitOf } from './query.ts';
import { SLICE_MS, nextSlice } from './slices.ts';
import type { CollectionInfo } from './store.ts';
import { deadlineOf, timeLimitExceeded } from './time-limit.ts';
import { bsonDocuments } from './bson-chunks.ts';
import { findInTransaction } from './sessions.ts';

export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
const PAGE_ROWS = 256;
const CHUNK_BYTES = 1 << 20;
const EXACT = { promoteValues: false, bsonRegExp: true } as const;

const OPERATION_NOT_SUPPORTED_IN_TRANSACTION = 263;

/** A find of a collection of the aggregation's database, as the transaction sees it. */
type TransactionFind = (collName: string, filter: Filter, opts: FindOptions) => Promise<Document[]>;

const fail = (code: number, codeName: string, message: string) => new EngineError(code, codeName, message);

const stageName = (stage: Document): string => Object.keys(stage)[0]!;

const JAVASCRIPT = new Set(['$function', '$accumulator', '$where']);

/** JavaScript operators anywhere in the pipeline: the embedded engine runs none. */
function refuseJavaScript(v: unknown): void {
  if (Array.isArray(v)) for (const x of v) refuseJavaScript(x);
  else if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      if (JAVASCRIPT.has(k)) throw fail(31264, 'Location31264', `${k} is not supported: the embedded engine runs no JavaScript`);
      refuseJavaScript(v[k]);
    }
  }
}

/** MongoDB's checks of the pipeline's shape, before anything runs. */
function checkPipeline(pipeline: unknown, nested?: string): void {
  if (!Array.isArray(pipeline)) throw fail(14, 'TypeMismatch', "'pipeline' option must be specified as an array");
  pipeline.forEach((stage, i) => {
    if (!isPlainObject(stage)) throw fail(14, 'TypeMismatch', 'Each element of the \'pipeline\' array must be an object');
    if (Object.keys(stage).length !== 1) throw fail(40323, 'Location40323', 'A pipeline stage specification object must contain exactly one field.');
    const name = stageName(stage);
    if (name === '$out' || name === '$merge') {
      if (nested) throw fail(40600, 'Location40600', `${name} is not allowed to be used within a ${nested} stage`);
      if (i !== pipeline.length - 1) throw fail(40601, 'Location40601', `${name} can only be the final stage in the pipeline`);
    }
    const spec = stage[name];
    if (name === '$facet' && isPlainObject(spec)) for (const sub of Object.values(spec)) checkPipeline(sub, '$facet');
    if ((name === '$lookup' || name === '$unionWith') && isPlainObject(spec) && spec.pipeline !== undefined) checkPipeline(spec.pipeline, name);
  });
}

/** The collections the pipeline reads besides its own: $lookup, $graphLookup, $unionWith, at any depth. */
function foreignCollections(pipeline: Document[], into: Set<string> = new Set()): Set<string> {
  for (const stage of pipeline) {
    const name = stageName(stage);
    const spec = stage[name];
    if (name === '$unionWith' && typeof spec === 'string') into.add(spec);
    if (!isPlainObject(spec)) continue;
    if ((name === '$lookup' || name === '$graphLookup') && typeof spec.from === 'string') into.add(spec.from);
    if (name === '$lookup' && isPlainObject(spec.from)) throw fail(BAD_VALUE, 'BadValue', '$lookup from another database is not supported by the embedded engine');
    if (name === '$unionWith' && typeof spec.coll === 'string') into.add(spec.coll);
    if ((name === '$lookup' || name === '$unionWith') && Array.isArray(spec.pipeline)) foreignCollections(spec.pipeline as Document[], into);
    if (name === '$facet') for (const sub of Object.values(spec)) if (Array.isArray(sub)) foreignCollections(sub as Document[], into);
  }
  return into;
}

interface Prefix {
  filter: Filter;
  opts: FindOptions;
  /** a $limit of 0 was met: no document goes on */
  none: boolean;
  rest: Document[];
}

function count(v: unknown): number | undefined {
  return isNumeric(v) && Number.isInteger(numberOf(v)) && numberOf(v) >= 0 ? numberOf(v) : undefined;
}

function sortOf(spec: unknown): Sort | undefined {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0) return undefined;
  const sort: Sort = [];
  for (const [k, v] of Object.entries(spec)) {
    const d = isNumeric(v) ? numberOf(v) : Number.NaN;
    if (d !== 1 && d !== -1) return undefined;
    sort.push([k, d]);
  }
  return sort;
}

/** The leading stages a find answers: $match…, then $sort, then $skip/$limit in any number and order. */
function splitPrefix(pipeline: Document[]): Prefix {
  const matches: Document[] = [];
  let i = 0;
  while (i < pipeline.length && stageName(pipeline[i]!) === '$match' && isPlainObject(pipeline[i]!.$match)) matches.push(pipeline[i++]!.$match as Document);
  const opts: FindOptions = {};
  let none = false;
  const sortAt = i;
  if (i < pipeline.length && stageName(pipeline[i]!) === '$sort') {
    const sort = sortOf(pipeline[i]!.$sort);
    if (sort) {
      opts.sort = sort;
      i++;
    }
  }
  for (; i < pipeline.length; i++) {
    const name = stageName(pipeline[i]!);
    const n = count(pipeline[i]![name]);
    if (n === undefined || (name !== '$skip' && name !== '$limit') || (name === '$limit' && n === 0)) break;
    if (name === '$skip') {
      opts.skip = (opts.skip ?? 0) + n;
      if (opts.limit !== undefined) {
        opts.limit -= n;
        if (opts.limit <= 0) none = true;
      }
    } else opts.limit = Math.min(opts.limit ?? n, n);
  }
  const nonEmpty = matches.filter((m) => Object.keys(m).length > 0);
  const filter = nonEmpty.length === 0 ? {} : nonEmpty.length === 1 ? nonEmpty[0]! : { $and: nonEmpty };
  // the whole collection in an index's order would be read in one synchronous go: read it in
  // pages and let the worker sort it
  if (nonEmpty.length === 0 && opts.sort && idOnlySort(opts.sort) === undefined && opts.limit === undefined) {
    return { filter, opts: {}, none: false, rest: pipeline.slice(sortAt) };
  }
  return { filter, opts, none, rest: pipeline.slice(i) };
}

/** Counts bytes against the safety limit. */
class Budget {
  private used = 0;
  add(n: number): void {
    this.used += n;
    if (this.used > MAX_INPUT_BYTES) {
      throw fail(292, 'QueryExceededMemoryLimitNoDiskUseAllowed',
        `the documents this aggregation reads exceed the embedded engine's limit of ${MAX_INPUT_BYTES / 1024 / 1024} MB; start the pipeline with a $match that an index or a filter narrows`);
    }
  }
}

/** A pacer: yields the event loop once a slice is used up, and enforces the deadline. */
function pacer(deadline: number): () => Promise<void> {
  let start = Date.now();
  return async () => {
    const now = Date.now();
    if (now - start < SLICE_MS) return;
    if (now >= deadline) throw timeLimitExceeded();
    await nextSlice();
    start = Date.now();
  };
}

/** Where the documents read go: packed for the worker, or decoded when no stage is left to run. */
interface Sink {
  add(bson: Uint8Array): void;
}

/**
 * BSON documents back to back in chunks with ArrayBuffers of their own (they are transferred to
 * the worker). Each row is copied as it is read, so no row outlives its page: thousands of row
 * buffers kept across slices would reach V8's old generation and cost a long full collection.
 */
class Packer implements Sink {
  readonly chunks: Uint8Array[] = [];
  private chunk: Uint8Array | undefined;
  private used = 0;
  private readonly budget: Budget;

  constructor(budget: Budget) {
    this.budget = budget;
  }

  add(bson: Uint8Array): void {
    this.budget.add(bson.length);
    if (!this.chunk || this.used + bson.length > this.chunk.length) {
      this.seal();
      this.chunk = new Uint8Array(Math.max(CHUNK_BYTES, bson.length));
    }
    this.chunk.set(bson, this.used);
    this.used += bson.length;
  }

  private seal(): void {
    if (this.chunk && this.used) this.chunks.push(this.used === this.chunk.length ? this.chunk : this.chunk.slice(0, this.used));
    this.chunk = undefined;
    this.used = 0;
  }

  done(): Uint8Array[] {
    this.seal();
    return this.chunks;
  }
}

class Decoder implements Sink {
  readonly docs: Document[] = [];
  private readonly budget: Budget;

  constructor(budget: Budget) {
    this.budget = budget;
  }

  add(bson: Uint8Array): void {
    this.budget.add(bson.length);
    this.docs.push(deserialize(bson, EXACT));
  }
}

/** Rows of a table in _id order, a page at a time, giving way between slices. */
async function tableRows(engine: EmbeddedEngine, info: CollectionInfo, opts: FindOptions, deadline: number, sink: Sink): Promise<void> {
  const dir = idOnlySort(opts.sort) === -1 ? -1 : 1;
  const order = dir === 1 ? 'ASC' : 'DESC';
  const first = engine.store.prepared(`SELECT k, doc FROM ${info.table} ORDER BY k ${order} LIMIT ?`).raw(true);
  const after = engine.store.prepared(`SELECT k, doc FROM ${info.table} WHERE k ${dir === 1 ? '>' : '<'} ? ORDER BY k ${order} LIMIT ?`).raw(true);
  const pace = pacer(deadline);
  let skip = opts.skip ?? 0;
  let left = limitOf(opts);
  let last: Buffer | undefined;
  for (;;) {
    const page = (last ? after.all(last, PAGE_ROWS) : first.all(PAGE_ROWS)) as Array<[Buffer, Buffer]>;
    for (const [, doc] of page) {
      if (skip > 0) {
        skip--;
        continue;
      }
      sink.add(doc);
      if (--left === 0) return;
    }
    if (page.length < PAGE_ROWS) return;
    last = page[page.length - 1]![0];
    await pace();
  }
}

/** The documents the prefix selects, into the sink. */
async function sourceRows(engine: EmbeddedEngine, info: CollectionInfo, prefix: Prefix, deadline: number, sink: Sink): Promise<void> {
  if (prefix.none) return;
  const { filter, opts } = prefix;
  if (Object.keys(filter).length === 0 && idOnlySort(opts.sort) !== undefined) return tableRows(engine, info, opts, deadline, sink);
  let hits;
  try {
    hits = await engine.scanner.query(info, filter, renderJson(filter, 'extended'), opts, deadline, false);
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw fail(BAD_VALUE, 'BadValue', (e as Error).message);
  }
  const pace = pacer(deadline);
  for (const h of hits as Array<{ parsed: { bytes: Buffer } }>) {
    sink.add(h.parsed.bytes);
    await pace();
  }
}

/** The documents a transaction's find answers, into the sink. */
async function transactionRows(find: TransactionFind, collName: string, filter: Filter, opts: FindOptions, deadline: number, sink: Sink): Promise<void> {
  const docs = await find(collName, filter, opts);
  const pace = pacer(deadline);
  for (const d of docs) {
    sink.add(serialize(d));
    await pace();
  }
}

/** Documents in the exact model from the worker's BSON chunks, decoded in slices. */
async function unpack(chunks: Uint8Array[], deadline: number): Promise<Document[]> {
  const pace = pacer(deadline);
  const docs: Document[] = [];
  for (const bson of bsonDocuments(chunks)) {
    docs.push(deserialize(bson, EXACT));
    await pace();
  }
  return docs;
}

export async function aggregate(engine: EmbeddedEngine, dbName: string, collName: string, pipeline: Document[], options: AggregateOptions = {}): Promise<Document[]> {
  checkPipeline(pipeline);
  refuseJavaScript(pipeline);
  const deadline = deadlineOf(options.maxTimeMS);
  const last = pipeline[pipeline.length - 1];
  const output = last && (stageName(last) === '$out' || stageName(last) === '$merge') ? last : undefined;
  const session = options.session?.txnNumber !== undefined ? options.session : undefined;
  if (output && session) throw fail(OPERATION_NOT_SUPPORTED_IN_TRANSACTION, 'OperationNotSupportedInTransaction', `${stageName(output)} cannot be used in a transaction`);
  const txnFind: TransactionFind | undefined = session
    && ((name, filter, opts) => findInTransaction(engine, dbName, name, filter, { ...opts, maxTimeMS: options.maxTimeMS, session }));
  const body = output ? pipeline.slice(0, -1) : pipeline;
  const prefix = splitPrefix(body);
  const budget = new Budget();
  const info = engine.store.collectionInfo(dbName, collName);
  const source = async (sink: Sink) => {
    if (txnFind) {
      if (!prefix.none) await transactionRows(txnFind, collName, prefix.filter, prefix.opts, deadline, sink);
    } else if (info) await sourceRows(engine, info, prefix, deadline, sink);
  };
  let results: Document[];
  if (prefix.rest.length === 0) {
    const decoder = new Decoder(budget);
    await source(decoder);
    results = decoder.docs;
  } else {
    const input = new Packer(budget);
    await source(input);
    const lookups: Array<[string, Uint8Array[]]> = [];
    for (const name of foreignCollections(prefix.rest)) {
      const rows = new Packer(budget);
      if (txnFind) await transactionRows(txnFind, name, {}, {}, deadline, rows);
      else {
        const foreign = engine.store.collectionInfo(dbName, name);
        if (foreign) await tableRows(engine, foreign, {}, deadline, rows);
      }
      lookups.push([name, rows.done()]);
    }
    const job = { pipeline: new Uint8Array(serialize({ p: prefix.rest })), source: input.done(), lookups, maxResultBytes: MAX_INPUT_BYTES };
    const chunks = await runOnWorker(job, deadline);
    results = await unpack(chunks, deadline);
  }
  if (!output) return results;
  await writeOutput(engine as Engine, dbName, output, results);
  return [];
}
