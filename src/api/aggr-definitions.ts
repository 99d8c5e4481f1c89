// Aggregation definitions in collection metadata (`aggrs`, API.md §9.1): checked when written
// (PUT/PATCH of the collection) and when run. Stored with `$`-prefixed keys escaped as `_$` and
// dots in keys as `::` (API.md §7.2), since MongoDB refuses such field names in updates; read
// back unescaped (a definition written as `_$match` by hand reads as `$match` too).
import { HttpError } from '../errors.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import { renderJson } from '../json/render.ts';

export interface AggregationDef {
  uri: string;
  stages: Document[];
  allowDiskUse: boolean;
}

// RESTHeart's aliases of the pipeline type; map-reduce was removed in RESTHeart 9
const PIPELINE_TYPES = new Set(['AGGREGATION_PIPELINE', 'aggregation pipeline', 'aggregationPipeline', 'pipeline', 'aggregation-pipeline', 'aggregation', 'aggregate', 'ap']);

/** RESTHeart's 422 for a definition it cannot use: message, then the InvalidMetadataException. */
export function invalidMetadata(message: 'unknown query type' | 'invalid aggregation', detail: string): HttpError {
  return new HttpError(422, message, { extra: { exception: 'InvalidMetadataException', 'exception message': detail } });
}

const json = (v: unknown) => renderJson(v, 'relaxed');

function mapKeys(v: unknown, key: (k: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => mapKeys(x, key));
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const [k, x] of Object.entries(v)) out[key(k)] = mapKeys(x, key);
  return out;
}

export const escapeKeys = (v: unknown): unknown => mapKeys(v, (k) => (k.startsWith('$') ? `_${k}` : k).replaceAll('.', '::'));
export const unescapeKeys = (v: unknown): unknown => mapKeys(v, (k) => (k.startsWith('_$') ? k.slice(1) : k).replaceAll('::', '.'));

/** A `{$var: …}` and `{$ifvar: …}` anywhere in the stages must be well formed. */
function checkVariables(v: unknown, uri: string): void {
  if (Array.isArray(v)) {
    for (const x of v) checkVariables(x, uri);
    return;
  }
  if (!isPlainObject(v)) return;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === '$var') {
    const name = v.$var;
    const ok = typeof name === 'string' || (Array.isArray(name) && name.length === 2 && typeof name[0] === 'string');
    if (!ok) throw invalidMetadata('invalid aggregation', `query /${uri}: wrong variable name ${json(name)}`);
    return;
  }
  if (Object.hasOwn(v, '$ifvar')) {
    const spec = v.$ifvar;
    const names = Array.isArray(spec) ? spec[0] : undefined;
    const ok = Array.isArray(spec) && (spec.length === 2 || spec.length === 3) && keys.length === 1
      && (typeof names === 'string' || (Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string')))
      && isPlainObject(spec[1]) && (spec.length === 2 || isPlainObject(spec[2]));
    if (!ok) throw invalidMetadata('invalid aggregation', `Invalid optional stage: ${json(v)}`);
  }
  for (const k of keys) checkVariables(v[k], uri);
}

function definition(d: unknown): AggregationDef {
  if (!isPlainObject(d)) throw invalidMetadata('unknown query type', `element 'aggrs' is not valid: ${json(d)}`);
  if (d.type !== undefined && (typeof d.type !== 'string' || !PIPELINE_TYPES.has(d.type))) {
    throw invalidMetadata('unknown query type', `query has invalid 'type': ${json(d.type)}`);
  }
  if (typeof d.uri !== 'string' || d.uri === '') throw invalidMetadata('unknown query type', "query does not have a string 'uri' property");
  const { uri } = d;
  if (!Array.isArray(d.stages) || d.stages.some((s) => !isPlainObject(s))) {
    throw invalidMetadata('unknown query type', `query /${uri} has invalid 'stages': ${json(d.stages)}; must be an array of stage objects`);
  }
  if (d.allowDiskUse !== undefined && typeof d.allowDiskUse !== 'boolean') {
    throw invalidMetadata('unknown query type', `query /${uri} has invalid 'allowDiskUse': ${json(d.allowDiskUse)}; must be boolean`);
  }
  checkVariables(d.stages, uri);
  return { uri, stages: d.stages as Document[], allowDiskUse: d.allowDiskUse === true };
}

/** The definitions of (unescaped) collection metadata; throws 422 when one is not usable. */
export function aggregationsOf(props: Document | null): AggregationDef[] {
  const aggrs = props?.aggrs;
  if (aggrs === undefined || aggrs === null) return [];
  if (!Array.isArray(aggrs)) throw invalidMetadata('unknown query type', `element 'aggrs' is not an array: ${json(aggrs)}`);
  return aggrs.map(definition);
}

/** Metadata as a PUT/PATCH of the collection stores it: `aggrs` checked (422) and escaped. */
export function storedMetadata(fields: Document): Document {
  if (!Object.hasOwn(fields, 'aggrs')) return fields;
  const aggrs = unescapeKeys(fields.aggrs);
  aggregationsOf({ aggrs });
  return { ...fields, aggrs: escapeKeys(aggrs) };
}

/** Metadata as read back: `aggrs` unescaped. */
export function readMetadata(props: Document | null): Document | null {
  return props && Object.hasOwn(props, 'aggrs') ? { ...props, aggrs: unescapeKeys(props.aggrs) } : props;
}
