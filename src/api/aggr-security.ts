// Pipeline security (`aggregationSecurity`, API.md §9.1): checked on the stages about to run,
// after variables are bound; a violation is 403 `aggregation pipeline security violation: …` with
// RESTHeart's wording. Stricter than RESTHeart on purpose: stages nested in $facet, $lookup and
// $unionWith pipelines are checked like top-level ones, and $where/$function/$accumulator are
// JavaScript wherever they appear (RESTHeart looks at stage names only).
import { HttpError } from '../errors.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import type { AggregationSecurity } from '../settings.ts';

const JAVASCRIPT = new Set(['$where', '$function', '$accumulator']);

function violation(type: string, op: string, at: string, reason: string): HttpError {
  return new HttpError(403, `aggregation pipeline security violation: Security violation: ${type} operator '${op}' at ${at} - ${reason}`);
}

/** The database a `from`/`coll`/`into` names with the `db.collection` form, or {db, coll}. */
function databaseOf(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref.includes('.') ? ref.slice(0, ref.indexOf('.')) : undefined;
  if (isPlainObject(ref) && typeof ref.db === 'string') return ref.db;
  return undefined;
}

/** `lower`: the stage name in lower case; `op`: as written. */
function crossDatabase(lower: string, op: string, spec: unknown, db: string, at: string): HttpError | undefined {
  let ref: unknown;
  if (lower === '$lookup' || lower === '$graphlookup') ref = isPlainObject(spec) ? spec.from : undefined;
  else if (lower === '$unionwith') ref = isPlainObject(spec) ? spec.coll : spec;
  else if (lower === '$out') ref = isPlainObject(spec) ? { db: spec.db } : spec;
  else if (lower === '$merge') ref = isPlainObject(spec) ? spec.into : spec;
  const other = databaseOf(ref);
  if (other === undefined || other === db) return undefined;
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
    if (this.s.enabled) this.pipeline(pipeline, db, 'pipeline');
  }

  private pipeline(pipeline: unknown[], db: string, at: string): void {
    pipeline.forEach((stage, i) => {
      if (isPlainObject(stage)) this.stage(stage, db, `${at}[${i}]`);
    });
  }

  private stage(stage: Document, db: string, at: string): void {
    for (const [op, spec] of Object.entries(stage)) {
      const lower = op.toLowerCase();
      if (this.stages.has(lower)) throw violation('BLACKLISTED_STAGE', op, at, 'Pipeline stage is in security blacklist');
      const cross = this.s.allowCrossDatabaseOperations ? undefined : crossDatabase(lower, op, spec, db, at);
      if (cross) throw cross;
      this.operatorsIn(spec, `${at}.${op}`);
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
