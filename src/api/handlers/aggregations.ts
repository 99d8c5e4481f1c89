// AGGREGATION: GET /{db}/{coll}/_aggrs/{uri} (API.md §9.1): the definition from the collection's
// metadata, its variables bound, the pipeline security checked, then the engine's aggregate.
// Results are not paged: a pipeline pages itself with @skip/@limit.
import { EngineError, HttpError, notFound } from '../../errors.ts';
import { Int32, type Document } from '../../engine/values.ts';
import { httpErrorOfEngineError, httpStatusOfEngineCode } from '../../http/engine-errors.ts';
import { aggregationsOf } from '../aggr-definitions.ts';
import { PipelineGuard } from '../aggr-security.ts';
import { interpolate, parseAvars, predefinedVariables } from '../aggr-variables.ts';
import { ok, type ApiResponse, type MongoRequest } from '../context.ts';
import { collProps, requireColl } from '../meta.ts';
import type { AggregationSecurity } from '../../settings.ts';

const guards = new WeakMap<AggregationSecurity, PipelineGuard>();

function guardOf(s: AggregationSecurity): PipelineGuard {
  let g = guards.get(s);
  if (!g) guards.set(s, (g = new PipelineGuard(s)));
  return g;
}

function requestPath(req: MongoRequest): string {
  return decodeURI(req.path).replace(/\/+$/, '') || '/';
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** HAL (API.md §16.2): `_size: 0` only when empty, `_returned`, results as `rh:result`; SHAL flattens. */
function representation(req: MongoRequest, docs: Document[]): unknown {
  const { rep, halFull, np } = req.params;
  if (rep === 'STANDARD') return docs;
  const body: Document = {};
  if (docs.length === 0) body._size = new Int32(0);
  body._returned = new Int32(docs.length);
  if (rep === 'SHAL') return np ? docs : { ...body, _embedded: docs };
  if (docs.length) body._embedded = { 'rh:result': docs };
  if (halFull) {
    const p = requestPath(req);
    body._links = {
      self: { href: req.query ? `${p}?${decodeURIComponent(req.query.replaceAll('+', ' '))}` : p },
      'rh:collection': { href: parentOf(parentOf(p)) },
    };
  }
  return body;
}

/** A failure of the pipeline itself is RESTHeart's 422; time limits and an unreachable engine keep their status. */
function executionError(e: unknown): unknown {
  if (!(e instanceof EngineError)) return e;
  const status = httpStatusOfEngineCode(e.code);
  if (status === 408 || status === 503) return e;
  return new HttpError(422, 'error executing aggregation', { extra: httpErrorOfEngineError(e).extra });
}

export async function getAggregation(req: MongoRequest): Promise<ApiResponse> {
  const { db, coll, name } = req.resource;
  await requireColl(req);
  // RESTHeart's order: the avars parameter, then the definitions, then the one asked for
  const avars = parseAvars(req);
  const def = aggregationsOf(await collProps(req.engine, db!, coll!)).find((d) => d.uri === name);
  if (!def) throw notFound('query does not exist');
  const vars = { ...avars, ...predefinedVariables(req) };
  const stages = interpolate(def.stages, vars);
  guardOf(req.settings.aggregationSecurity).check(stages, db!);
  let docs: Document[];
  try {
    docs = await req.engine.db(db!).collection(coll!).aggregate(stages, { maxTimeMS: req.settings.aggregationTimeLimit, allowDiskUse: def.allowDiskUse });
  } catch (e) {
    throw executionError(e);
  }
  return ok(representation(req, req.shape ? docs.map(req.shape) : docs));
}
