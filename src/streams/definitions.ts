// Change stream definitions in collection metadata (`streams`, API.md §12), as RESTHeart's
// ChangeStreamOperation reads them: {uri, stages, notify_when?}. Stored with `$` keys as `_$` and
// dots in keys as `::` (aggr-definitions.ts escapes the same way); read back unescaped, except the
// `notify_when` key, whose `::` separates the event field from the path inside it.
import { escapeKeys, invalidMetadata, unescapeKeys } from '../api/aggr-definitions.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import { renderJson } from '../json/render.ts';

/** notify_when `{"<eventField>::<path>": {"$var": "<query parameter>"}}` */
export interface NotifyWhen {
  field: string;
  path: string[];
  param: string;
}

export interface StreamDef {
  uri: string;
  stages: Document[];
  notifyWhen?: NotifyWhen;
}

const json = (v: unknown) => renderJson(v, 'relaxed');

function notifyWhenOf(uri: string, v: unknown): NotifyWhen | undefined {
  if (v === undefined || v === null) return undefined;
  const bad = (why: string) => invalidMetadata('invalid aggregation', `stream /${uri} has invalid 'notify_when': ${why}`);
  if (!isPlainObject(v)) throw bad('must be a document');
  const entries = Object.entries(v);
  if (entries.length !== 1) throw bad(`must have exactly one entry; got: ${json(v)}`);
  const [spec, value] = entries[0]!;
  // stored escaped (`_$var`) or sent as is
  const name = isPlainObject(value) ? (value.$var ?? value._$var) : undefined;
  if (typeof name !== 'string' || name === '') throw bad(`value must be { "$var": "<varName>" }; got: ${json(value)}`);
  const sep = spec.indexOf('::');
  const field = sep < 0 ? '' : spec.slice(0, sep).trim();
  const path = sep < 0 ? '' : spec.slice(sep + 2).trim();
  if (field === '' || path === '') throw bad(`field must use '::' separator, e.g. 'fullDocument::tenantId'; got: ${spec}`);
  return { field, path: path.split(/::|\./), param: name };
}

function definition(d: unknown): StreamDef {
  if (!isPlainObject(d)) throw invalidMetadata('invalid aggregation', `element 'streams' is not valid: ${json(d)}`);
  if (typeof d.uri !== 'string' || d.uri === '') throw invalidMetadata('invalid aggregation', "stream does not have a string 'uri' property");
  const { uri } = d;
  if (!Array.isArray(d.stages) || d.stages.some((s) => !isPlainObject(s))) {
    throw invalidMetadata('invalid aggregation', `stream /${uri} has invalid 'stages': ${json(d.stages)}; must be an array of stage objects`);
  }
  const def: StreamDef = { uri, stages: unescapeKeys(d.stages) as Document[] };
  const notifyWhen = notifyWhenOf(uri, d.notify_when);
  if (notifyWhen) def.notifyWhen = notifyWhen;
  return def;
}

/** The definitions of a collection's metadata; 422 when one is not usable. */
export function streamsOf(props: Document | null): StreamDef[] {
  const streams = props?.streams;
  if (streams === undefined || streams === null) return [];
  if (!Array.isArray(streams)) throw invalidMetadata('invalid aggregation', `element 'streams' is not an array: ${json(streams)}`);
  return streams.map(definition);
}

/** Metadata as a PUT/PATCH of the collection stores it: `streams` checked (422) and escaped. */
export function storedStreams(fields: Document): Document {
  if (!Object.hasOwn(fields, 'streams')) return fields;
  const streams = fields.streams;
  streamsOf({ streams });
  if (!Array.isArray(streams)) return fields;
  return {
    ...fields,
    streams: streams.map((d) => {
      const { notify_when: nw, ...rest } = d as Document;
      const out = escapeKeys(rest) as Document;
      // the notify_when key keeps its `::`; its {$var} value is escaped
      if (nw !== undefined) out.notify_when = Object.fromEntries(Object.entries(nw as Document).map(([k, v]) => [k, escapeKeys(v)]));
      return out;
    }),
  };
}

/** The value a notify_when filter compares: the event field, then the path inside it. */
export function notifyValue(nw: NotifyWhen, event: Document): unknown {
  let v: unknown = event[nw.field];
  for (const p of nw.path) {
    if (!isPlainObject(v)) return undefined;
    v = v[p];
  }
  return v;
}
