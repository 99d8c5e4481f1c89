// The in-memory part of an embedded aggregation, on a worker thread (aggregate-pool.ts): a $group
// or $sort over many documents is one synchronous mingo call, which must not hold the event loop.
// Input: the pipeline and the documents as BSON; output: the results as BSON, in the exact model.
import { parentPort } from 'node:worker_threads';
import { deserialize, serialize } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { fromView, isPlainObject, numberOf, isNumeric, toView, type Document } from '../values.ts';
import { AGGREGATE_CONTEXT } from './aggregate-stages.ts';
import { beginRun, endRun } from './aggregate-typed.ts';
import { bsonDocuments } from './bson-chunks.ts';
import { encodeValue } from './keys.ts';

const EXACT = { promoteValues: false, bsonRegExp: true } as const;
/** results are sent back in chunks of about this many bytes */
const CHUNK_BYTES = 1 << 20;

export interface WorkerJob {
  /** BSON of {p: pipeline} */
  pipeline: Uint8Array;
  /** BSON documents, back to back */
  source: Uint8Array[];
  /** collections $lookup, $graphLookup and $unionWith read, by name */
  lookups: Array<[string, Uint8Array[]]>;
  /** the results may total at most this many bytes of BSON */
  maxResultBytes: number;
}

export type WorkerReply =
  | { ok: true; chunks: Uint8Array[] }
  | { ok: false; code: number; codeName: string; message: string };

function documentsOf(chunks: Uint8Array[]): Document[] {
  const docs: Document[] = [];
  for (const bson of bsonDocuments(chunks)) docs.push(deserialize(bson, EXACT));
  return docs;
}

const keyOf = (id: unknown) => encodeValue(id).toString('latin1');

/**
 * The numeric view of an exact value for mingo (as toView), remembering for every object and
 * array it builds the exact value it stands for: mingo passes input objects on by reference
 * ($match, $sort, $lookup, $push, $first…), so a result object found here is an input one.
 */
function viewOf(v: unknown, origins: WeakMap<object, unknown>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    v.forEach((x, i) => {
      const c = viewOf(x, origins);
      if (c !== x) (out ??= v.slice())[i] = c;
    });
    if (out) origins.set(out, v);
    return out ?? v;
  }
  if (!isPlainObject(v)) return toView(v);
  let out: Document | undefined;
  for (const k in v) {
    const c = viewOf(v[k], origins);
    if (c !== v[k]) (out ??= { ...v })[k] = c;
  }
  if (out) origins.set(out, v);
  return out ?? v;
}

/**
 * A result value back in the exact model. A number keeps the type its exact counterpart has when
 * that is the same number: the exact twin of the object holding it (an input object mingo passed
 * on by reference, or a document a stage built, whose twin holds the typed results of the typed
 * operators — aggregate-typed.ts), else the input document with the same _id at the same path.
 * Other numbers are typed by their value (fromView: Int32, Int64 or Double).
 */
function retype(v: unknown, hint: unknown, origins: WeakMap<object, unknown>): unknown {
  if (typeof v === 'number') {
    return isNumeric(hint) && typeof hint !== 'number' && (numberOf(hint) === v || (Number.isNaN(v) && Number.isNaN(numberOf(hint)))) ? hint : fromView(v);
  }
  if (v === null || typeof v !== 'object') return v;
  const own = origins.get(v);
  if (own === undefined && v === hint) return v;
  if (Array.isArray(v)) {
    const exact = Array.isArray(own) ? own : hint;
    return v.map((x, i) => retype(x, Array.isArray(exact) ? exact[i] : undefined, origins));
  }
  if (!isPlainObject(v)) return v;
  const mine = isPlainObject(own) ? own : undefined;
  const theirs = isPlainObject(hint) ? hint : undefined;
  const out: Document = {};
  for (const k in v) out[k] = retype(v[k], mine?.[k] !== undefined ? mine[k] : theirs?.[k], origins);
  return out;
}

function run(job: WorkerJob): Uint8Array[] {
  const pipeline = deserialize(job.pipeline, EXACT).p as Document[];
  const source = documentsOf(job.source);
  const byId = new Map<string, Document>();
  for (const d of source) if (d._id !== undefined) byId.set(keyOf(d._id), d);
  const origins = beginRun();
  const lookups = new Map(job.lookups.map(([name, chunks]) => [name, documentsOf(chunks).map((d) => viewOf(d, origins) as Document)]));
  // the pipeline's own view is remembered too: the typed operators read its literals' exact types
  const aggregator = new Aggregator(viewOf(pipeline, origins) as Document[], {
    context: AGGREGATE_CONTEXT,
    // mingo's $setWindowFields runs its windows through $function; users' JavaScript never gets
    // here (aggregate.ts refuses $function, $accumulator and $where)
    scriptEnabled: true,
    collectionResolver: (name) => lookups.get(name) ?? [],
  });
  const chunks: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let bytes = 0;
  let total = 0;
  const flush = () => {
    // an ArrayBuffer of its own: it is transferred, and Buffer.concat may share Node's pool
    if (pending.length) chunks.push(new Uint8Array(Buffer.concat(pending)));
    pending = [];
    bytes = 0;
  };
  const out = aggregator.stream(source.map((d) => viewOf(d, origins)));
  for (let r = out.next(); !r.done; r = out.next()) {
    const view = r.value as Document;
    const exact = view._id !== undefined ? byId.get(keyOf(view._id)) : undefined;
    const typed = retype(view, exact, origins) as Document;
    const bson = serialize(Object.hasOwn(typed, '_id') ? { _id: typed._id, ...typed } : typed, { ignoreUndefined: true });
    pending.push(bson);
    bytes += bson.length;
    total += bson.length;
    if (total > job.maxResultBytes) {
      throw Object.assign(new Error(`the results of this aggregation exceed the embedded engine's limit of ${job.maxResultBytes / 1024 / 1024} MB; page them with $skip and $limit`), { code: 292, codeName: 'QueryExceededMemoryLimitNoDiskUseAllowed' });
    }
    if (bytes >= CHUNK_BYTES) flush();
  }
  flush();
  return chunks;
}

/** mingo's messages for what it lacks, as MongoDB's errors naming the stage or operator. */
function failure(e: unknown): WorkerReply {
  const message = e instanceof Error ? e.message : String(e);
  const stage = /unregistered pipeline operator (\$\w+)/.exec(message);
  if (stage) return { ok: false, code: 40324, codeName: 'Location40324', message: `Unrecognized pipeline stage name: '${stage[1]}'` };
  const op = /'(\$\w+)' is not registered/.exec(message);
  if (op) return { ok: false, code: 168, codeName: 'InvalidPipelineOperator', message: `Unrecognized expression '${op[1]}'` };
  const code = typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 2;
  const codeName = typeof (e as { codeName?: unknown }).codeName === 'string' ? (e as { codeName: string }).codeName : 'BadValue';
  return { ok: false, code, codeName, message };
}

parentPort?.on('message', (job: WorkerJob) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, chunks: run(job) };
  } catch (e) {
    reply = failure(e);
  } finally {
    endRun();
  }
  parentPort!.postMessage(reply, reply.ok ? reply.chunks.map((c) => c.buffer as ArrayBuffer) : []);
});
