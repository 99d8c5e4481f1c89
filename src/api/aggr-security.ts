// Pipeline security (`aggregationSecurity`, API.md §9.1): checked on the stages about to run,
// after variables are bound; a violation is 403 `aggregation pipeline security violation: …` with
// RESTHeart's wording. Stricter than RESTHeart on purpose: stages nested in $facet, $lookup and
// $unionWith pipelines are checked like top-level ones, and $where/$function/$accumulator are
// JavaScript wherever they appear (RESTHeart looks at stage names only). Whatever the settings, no
// pipeline reads or writes the users collection (password hashes) or the ACL (SECURITY.md).
import { HttpError } from '../errors.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import type { AggregationSecurity } from '../settings.ts';

const JAVASCRIPT = new Set(['$where', '$function', '$accumulator']);

function violation(type: string, op: string, at: string, reason: string): HttpError {
  return new HttpError(403, `aggregation pipeline security violation: Security violation: ${type} operator '${op}' at ${at} - ${reason}`);
}

/** The collections a stage names, as (db, coll): a dotted name counts both ways (MongoDB: a name; RESTHeart: db.coll). */
function namedCollections(lower: string, spec: unknown, db: string): Array<{ db: string; coll: string }> {
  let ref: unknown;
  if (lower === '$lookup' || lower === '$graphlookup') ref = isPlainObject(spec) ? spec.from : undefined;
  else if (lower === '$unionwith') ref = isPlainObject(spec) ? spec.coll : spec;
  else if (lower === '$out') ref = isPlainObject(spec) ? { db: spec.db ?? db, coll: spec.coll } : spec;
  else if (lower === '$merge') ref = isPlainObject(spec) ? spec.into : spec;
  if (typeof ref === 'string') {
    const dot = ref.indexOf('.');
    return dot < 0 ? [{ db, coll: ref }] : [{ db, coll: ref }, { db: ref.slice(0, dot), coll: ref.slice(dot + 1) }];
  }
  if (isPlainObject(ref) && typeof ref.coll === 'string') return [{ db: typeof ref.db === 'string' ? ref.db : db, coll: ref.coll }];
  return [];
}

function crossDatabase(lower: string, op: string, spec: unknown, db: string, at: string): HttpError | undefined {
  const other = namedCollections(lower, spec, db).find((c) => c.db !== db)?.db;
  if (other === undefined) return undefined;
  const output = lower === '$out' || lower === '$merge';
  return violation(output ? 'CROSS_DATABASE_OUTPUT' : 'CROSS_DATABASE_ACCESS', op, at,
    `Stage ${output ? 'outputs to' : 'references'} database '${other}' but request is for database '${db}'`);
}

export class PipelineGuard {
  private readonly s: AggregationSecurity;
  private readonly stages: Set<string>;
  private readonly operators: Set<string>;

  constructor(s: AggregationSecurity) {
    this.s = s;
    this.stages = new Set(s.stageBlacklist.map((x) => x.toLowerCase()));
    this.operators = new Set(s.operatorBlacklist.map((x) => x.toLowerCase()));
  }

  /** Throws 403 at the first violation. */
  check(pipeline: Document[], db: string): void {
    this.pipeline(pipeline, db, 'pipeline');
  }

  private pipeline(pipeline: unknown[], db: string, at: string): void {
    pipeline.forEach((stage, i) => {
      if (isPlainObject(stage)) this.stage(stage, db, `${at}[${i}]`);
    });
  }

  private stage(stage: Document, db: string, at: string): void {
    for (const [op, spec] of Object.entries(stage)) {
      const lower = op.toLowerCase();
      if (namedCollections(lower, spec, db).some((c) => this.s.guarded.some((g) => g.db === c.db && g.coll === c.coll))) {
        throw violation('PROTECTED_COLLECTION', op, at, 'the users and ACL collections cannot be read or written by an aggregation');
      }
      if (this.s.enabled) {
        if (this.stages.has(lower)) throw violation('BLACKLISTED_STAGE', op, at, 'Pipeline stage is in security blacklist');
        const cross = this.s.allowCrossDatabaseOperations ? undefined : crossDatabase(lower, op, spec, db, at);
        if (cross) throw cross;
        this.operatorsIn(spec, `${at}.${op}`);
      }
      if (!isPlainObject(spec)) continue;
      if (lower === '$facet') for (const [k, sub] of Object.entries(spec)) if (Array.isArray(sub)) this.pipeline(sub, db, `${at}.${op}.${k}`);
      if ((lower === '$lookup' || lower === '$unionwith') && Array.isArray(spec.pipeline)) this.pipeline(spec.pipeline, db, `${at}.${op}.pipeline`);
    }
  }

  private operatorsIn(v: unknown, at: string): void {
    if (Array.isArray(v)) {
      v.forEach((x, i) => this.operatorsIn(x, `${at}[${i}]`));
      return;
    }
    if (!isPlainObject(v)) return;
    for (const [k, x] of Object.entries(v)) {
      const lower = k.toLowerCase();
      if (this.operators.has(lower)) throw violation('BLACKLISTED_OPERATOR', k, at, 'Operator is in security blacklist');
      if (!this.s.allowJavaScriptExecution && JAVASCRIPT.has(lower)) {
        throw violation('JAVASCRIPT_EXECUTION', k, at, 'JavaScript execution is disabled by security policy');
      }
      this.operatorsIn(x, `${at}.${k}`);
    }
  }
}
