// A last $out or $merge stage of an embedded aggregation: its input written to a collection
// through the engine's own write paths.
//
// $out: the target's documents are replaced by the results (its indexes stay). A duplicate _id among
// the results fails the stage before anything is written. Not atomic: a reader may see the target
// empty between the two writes.
// $merge: {into, on (default _id), whenMatched: merge | replace | keepExisting | fail,
// whenNotMatched: insert | discard | fail}; a pipeline in whenMatched, and let, are not supported (BadValue).
import { BAD_VALUE, DUPLICATE_KEY, EngineError } from '../../errors.ts';
import type { BulkOperation, Collection, Engine } from '../types.ts';
import { ObjectId, isPlainObject, type Document } from '../values.ts';
import { encodeValue } from './keys.ts';

const bad = (message: string) => new EngineError(BAD_VALUE, 'BadValue', message);

function target(engine: Engine, dbName: string, spec: unknown, stage: string): Collection {
  if (typeof spec === 'string' && spec !== '') return engine.db(dbName).collection(spec);
  if (isPlainObject(spec) && typeof spec.coll === 'string' && spec.coll !== '') {
    return engine.db(typeof spec.db === 'string' && spec.db !== '' ? spec.db : dbName).collection(spec.coll);
  }
  throw bad(`${stage} needs a target collection: a name or {db, coll}`);
}

async function out(coll: Collection, engine: Engine, docs: Document[]): Promise<void> {
  const seen = new Set<string>();
  const withIds = docs.map((d) => (d._id === undefined ? { _id: new ObjectId(), ...d } : d));
  for (const d of withIds) {
    const k = encodeValue(d._id).toString('latin1');
    if (seen.has(k)) throw new EngineError(DUPLICATE_KEY, 'DuplicateKey', `$out: E11000 duplicate key error, the results hold _id ${String(d._id)} more than once`);
    seen.add(k);
  }
  await engine.db(coll.dbName).createCollection(coll.name);
  await coll.deleteMany({});
  await throwFirst(coll.bulkWrite(withIds.map((document) => ({ insertOne: { document } }))));
}

async function throwFirst(p: Promise<{ writeErrors: Array<{ code: number; message: string }> }>): Promise<void> {
  const r = await p;
  const e = r.writeErrors[0];
  if (e) throw new EngineError(e.code, e.code === DUPLICATE_KEY ? 'DuplicateKey' : 'WriteError', e.message);
}

function onFields(spec: unknown): string[] {
  if (spec === undefined) return ['_id'];
  if (typeof spec === 'string') return [spec];
  if (Array.isArray(spec) && spec.length > 0 && spec.every((s) => typeof s === 'string')) return spec as string[];
  throw bad("$merge 'on' must be a field name or an array of field names");
}

function valueAt(doc: Document, path: string): unknown {
  let v: unknown = doc;
  for (const p of path.split('.')) v = isPlainObject(v) ? v[p] : undefined;
  return v;
}

async function merge(coll: Collection, engine: Engine, spec: Document, docs: Document[]): Promise<void> {
  const on = onFields(spec.on);
  const whenMatched = spec.whenMatched ?? 'merge';
  const whenNotMatched = spec.whenNotMatched ?? 'insert';
  if (Array.isArray(whenMatched) || spec.let !== undefined) throw bad('$merge: a whenMatched pipeline and let are not supported by the embedded engine');
  if (!['merge', 'replace', 'keepExisting', 'fail'].includes(String(whenMatched))) throw bad(`$merge: unknown whenMatched mode '${String(whenMatched)}'`);
  if (!['insert', 'discard', 'fail'].includes(String(whenNotMatched))) throw bad(`$merge: unknown whenNotMatched mode '${String(whenNotMatched)}'`);
  await engine.db(coll.dbName).createCollection(coll.name);
  const ops: BulkOperation[] = [];
  for (const raw of docs) {
    const doc = raw._id === undefined && on.length === 1 && on[0] === '_id' ? { _id: new ObjectId(), ...raw } : raw;
    const filter: Document = {};
    for (const f of on) {
      const v = valueAt(doc, f);
      if (v === undefined || v === null || Array.isArray(v)) throw new EngineError(51132, 'Location51132', `$merge write error: 'on' field '${f}' cannot be missing, null, undefined or an array`);
      filter[f] = v;
    }
    const exists = whenMatched === 'fail' || whenNotMatched !== 'insert' ? (await coll.findOne(filter)) !== null : undefined;
    if (exists === false && whenNotMatched === 'fail') throw new EngineError(13113, 'MergeStageNoMatchingDocument', '$merge could not find a matching document in the target collection for at least one document in the source collection');
    if (exists === false && whenNotMatched === 'discard') continue;
    if (exists === true && whenMatched === 'fail') throw new EngineError(DUPLICATE_KEY, 'DuplicateKey', `$merge: E11000 duplicate key error, a document matching ${on.join(', ')} exists`);
    const upsert = whenNotMatched === 'insert';
    if (whenMatched === 'replace' || whenMatched === 'fail') ops.push({ replaceOne: { filter, replacement: doc, upsert } });
    else if (whenMatched === 'keepExisting') ops.push({ updateOne: { filter, update: { $setOnInsert: doc }, upsert } });
    else {
      // the matched document keeps its _id; an inserted one gets the result's
      const { _id, ...fields } = doc;
      const update: Document = {};
      if (Object.keys(fields).length) update.$set = fields;
      if (_id !== undefined && (!on.includes('_id') || !update.$set)) update.$setOnInsert = { _id };
      ops.push({ updateOne: { filter, update, upsert } });
    }
  }
  if (ops.length) await throwFirst(coll.bulkWrite(ops));
}

export async function writeOutput(engine: Engine, dbName: string, stage: Document, docs: Document[]): Promise<void> {
  if (stage.$out !== undefined) return out(target(engine, dbName, stage.$out, '$out'), engine, docs);
  const spec = typeof stage.$merge === 'string' ? { into: stage.$merge } : stage.$merge;
  if (!isPlainObject(spec)) throw bad('$merge needs a target collection: a name or {into: …}');
  return merge(target(engine, dbName, spec.into, '$merge'), engine, spec, docs);
}
