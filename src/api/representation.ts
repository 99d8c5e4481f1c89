// Representations of listings and bulk results (API.md §6, §16): STANDARD, HAL and SHAL.
import { Int32, ObjectId, isPlainObject, type Document } from '../engine/values.ts';
import type { MongoRequest } from './context.ts';
import { idLink } from './ids.ts';
import { collProps } from './meta.ts';
import { relationshipLinks } from './relationships.ts';

export interface Listing {
  /** STANDARD body of root/db listings */
  names?: string[];
  /** documents of a collection */
  docs?: Document[];
  /** HAL items of root/db listings: the metadata of each db or collection, `_id` = name */
  embedded?: Document[];
  /** total count when known (root, db, or `count`) */
  size?: number;
  relation: 'rh:db' | 'rh:coll' | 'rh:doc';
  /** the resource's own properties (metadata), `_id` = name */
  props?: Document;
}

const TYPE_OF: Record<string, string> = { ROOT: 'ROOT', DB: 'DB', COLLECTION: 'COLLECTION', FILES_BUCKET: 'FILES_BUCKET', SCHEMA_STORE: 'SCHEMA_STORE' };
const SHAL_ORDER = ['rh:doc', 'rh:file', 'rh:bucket', 'rh:db', 'rh:coll', 'rh:index', 'rh:result', 'rh:schema', 'rh:schema-store'];

function requestPath(req: MongoRequest): string {
  const p = decodeURI(req.path).replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

function childHref(p: string, child: string): string {
  return `${p === '/' ? '' : p}/${child}`;
}

function parent(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** `_lastupdated_on`: the instant of the _etag ObjectId, second precision. */
function lastUpdated(doc: Document): string | undefined {
  return doc._etag instanceof ObjectId ? doc._etag.getTimestamp().toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

function fullDocument(doc: Document, self: string, type: string): Document {
  const out: Document = { ...doc, _type: type };
  const lu = type === 'DOCUMENT' || type === 'SCHEMA' || type === 'FILE' ? lastUpdated(doc) : undefined;
  if (lu) out._lastupdated_on = lu;
  out._links = { self: { href: self } };
  return out;
}

/** RESTHeart's form of a warning inside a HAL resource. */
function warningsOf(messages: string[]): Document {
  return { 'rh:warnings': messages.map((message) => ({ message, _links: { self: { href: '#warnings' } } })) };
}

/** A document of a collection with `rels` metadata gains its relationship links (and warnings). */
function withRelationships(req: MongoRequest, doc: Document, props: Document | null | undefined): Document {
  const { links, warnings } = relationshipLinks(req, props, doc);
  if (!warnings.length && !Object.keys(links).length) return doc;
  const { _links: own, ...rest } = doc;
  const out: Document = rest;
  if (warnings.length) out._embedded = warningsOf(warnings);
  const all = { ...(own as Document | undefined), ...links };
  if (Object.keys(all).length) out._links = all;
  return out;
}

function paginationLinks(req: MongoRequest, p: string, size: number | undefined): Document {
  const { page, pagesize } = req.params;
  if (pagesize === 0) return {};
  const rest = new URLSearchParams(req.params.raw);
  rest.delete('page');
  rest.delete('pagesize');
  const r = decodeURIComponent(rest.toString().replaceAll('=&', '&').replace(/=$/, ''));
  const q = (pg?: number) => `${p}?${pg ? `page=${pg}&` : ''}pagesize=${pagesize}${r ? `&${r}` : ''}`;
  const totalPages = size === undefined ? 0 : Math.max(1, Math.ceil(size / pagesize));
  const links: Document = { first: { href: q() } };
  if (totalPages === 0 || page < totalPages) links.next = { href: q(page + 1) };
  if (totalPages > 0) links.last = { href: totalPages === 1 ? q() : q(totalPages) };
  if (page > 1) links.previous = { href: q(page - 1) };
  return links;
}

function resourceLinks(req: MongoRequest, p: string, type: string): Document {
  const t = (href: string) => ({ href, templated: true });
  const segs = p.split('/').filter(Boolean).length;
  switch (type) {
    case 'ROOT': return { 'rh:root': { href: p }, 'rh:db': t(`${p}{dbname}`), 'rh:paging': t(`${p}{?page}{&pagesize}`) };
    case 'DB': return {
      ...(segs >= 1 ? { 'rh:root': { href: parent(p) } } : {}),
      'rh:db': t(`${parent(p) === '/' ? '' : parent(p)}/{dbname}`), 'rh:coll': t(`${childHref(p, '{collname}')}`),
      'rh:bucket': t(childHref(p, '{bucketname}.files')), 'rh:paging': t(`${p}{?page}{&pagesize}`),
    };
    default: return {
      ...(segs >= 2 ? { 'rh:db': { href: parent(p) } } : {}),
      ...(type === 'COLLECTION' ? { 'rh:coll': t(`${parent(p)}/{collname}`), 'rh:document': t(childHref(p, '{docid}{?id_type}')) } : {}),
      ...(type === 'FILES_BUCKET' ? { 'rh:bucket': t(`${parent(p)}/{bucketname}.files`), 'rh:file': t(childHref(p, '{fileid}{?id_type}')) } : {}),
      'rh:indexes': { href: childHref(p, '_indexes') }, 'rh:filter': t(`${p}{?filter}`),
      'rh:sort': t(`${p}{?sort_by}`), 'rh:paging': t(`${p}{?page}{&pagesize}`),
    };
  }
}

/** Compact-mode links to the collection's aggregations and change streams. */
function metadataLinks(p: string, props: Document | undefined): Document {
  const links: Document = {};
  for (const [key, seg] of [['aggrs', '_aggrs'], ['streams', '_streams']] as const) {
    const defs = props?.[key];
    if (!Array.isArray(defs)) continue;
    for (const d of defs) if (isPlainObject(d) && typeof d.uri === 'string') links[d.uri] = { href: `${childHref(p, seg)}/${d.uri}` };
  }
  return links;
}

function hal(req: MongoRequest, l: Listing): Document {
  const type = TYPE_OF[req.resource.type] ?? 'COLLECTION';
  const schemas = type === 'SCHEMA_STORE';
  const files = type === 'FILES_BUCKET';
  const full = req.params.halFull;
  const p = requestPath(req);
  const out: Document = req.params.np || !l.props ? {} : { ...l.props };
  const items = l.docs ?? l.embedded ?? [];
  if (l.size !== undefined) {
    out._size = new Int32(l.size);
    if (req.params.pagesize > 0) out._total_pages = new Int32(l.size === 0 ? 0 : Math.max(1, Math.ceil(l.size / req.params.pagesize)));
  }
  out._returned = new Int32(items.length);
  if (full) out._type = type;
  const embedded: Record<string, Document[]> = {};
  for (const item of items) {
    let rel: string = l.relation;
    let itemType = 'DOCUMENT';
    if (l.relation === 'rh:coll') {
      const name = String(item._id);
      rel = name.endsWith('.files') ? 'rh:bucket' : name === '_schemas' ? 'rh:schema-store' : 'rh:coll';
      itemType = rel === 'rh:bucket' ? 'FILES_BUCKET' : rel === 'rh:schema-store' ? 'SCHEMA_STORE' : 'COLLECTION';
    } else if (l.relation === 'rh:db') itemType = 'DB';
    else if (schemas) {
      rel = 'rh:schema';
      itemType = 'SCHEMA';
    } else if (files) {
      rel = 'rh:file';
      itemType = 'FILE';
    }
    const self = l.relation === 'rh:doc' ? childHref(p, idLink(item._id)) : childHref(p, String(item._id));
    const shaped = full ? fullDocument(item, self, itemType) : item;
    if (full && files) (shaped._links as Document)['rh:data'] = { href: `${self}/binary` };
    (embedded[rel] ??= []).push(l.relation === 'rh:doc' && !schemas ? withRelationships(req, shaped, l.props) : shaped);
  }
  if (Object.keys(embedded).length) out._embedded = embedded;
  const links: Document = full
    ? { self: { href: req.query ? `${p}?${safeDecode(req.query)}` : p }, ...paginationLinks(req, p, l.size), ...resourceLinks(req, p, type) }
    : {};
  if (l.relation === 'rh:doc') Object.assign(links, metadataLinks(p, l.props));
  if (Object.keys(links).length) out._links = links;
  return out;
}

function shal(halBody: Document, np: boolean): Document | Document[] {
  const { _embedded, _links, ...rest } = halBody;
  const groups = (_embedded ?? {}) as Record<string, Document[]>;
  const flat = SHAL_ORDER.flatMap((rel) => groups[rel] ?? []);
  return np ? flat : { ...rest, _embedded: flat };
}

export function listing(req: MongoRequest, l: Listing): unknown {
  if (req.params.rep === 'STANDARD') return l.names ?? l.docs;
  const body = hal(req, l);
  return req.params.rep === 'SHAL' ? shal(body, req.params.np) : body;
}

/**
 * A single document (or schema) in HAL/SHAL: its relationship links in any mode; in full mode
 * also `_type`, `_lastupdated_on` and its own links.
 */
export async function documentRepresentation(req: MongoRequest, doc: Document): Promise<Document> {
  if (req.params.rep === 'STANDARD') return doc;
  const { db, coll } = req.resource;
  const props = req.resource.type === 'DOCUMENT' ? await collProps(req.engine, db!, coll!) : null;
  if (!req.params.halFull) return withRelationships(req, doc, props);
  const p = requestPath(req);
  const type = req.resource.type === 'SCHEMA' || req.resource.type === 'FILE' ? req.resource.type : 'DOCUMENT';
  const self = childHref(parent(p), idLink(doc._id));
  const out = fullDocument(doc, self, type);
  const links = out._links as Document;
  if (type === 'FILE') {
    links['rh:data'] = { href: `${self}/binary` };
    links['rh:bucket'] = { href: parent(p) };
    links['rh:file'] = { href: childHref(parent(p), '{fileid}{?id_type}'), templated: true };
    return out;
  }
  links['rh:coll'] = { href: parent(p) };
  links['rh:document'] = { href: childHref(parent(p), '{docid}{?id_type}'), templated: true };
  return withRelationships(req, out, props);
}

/**
 * GET `/_indexes`: STANDARD is the array; HAL `{_size, _returned, _embedded: {rh:index}}` whose
 * full-mode links use the mongo resource path (RESTHeart's quirk); SHAL flattens it.
 */
export function indexesRepresentation(req: MongoRequest, indexes: Document[]): unknown {
  if (req.params.rep === 'STANDARD') return indexes;
  const full = req.params.halFull;
  const items = indexes.filter((d) => typeof d._id === 'string' || d._id instanceof ObjectId);
  const out: Document = { _size: new Int32(indexes.length), _returned: new Int32(items.length) };
  if (full) out._type = 'COLLECTION_INDEXES';
  if (items.length) out._embedded = { 'rh:index': full ? items.map((d) => ({ _type: 'INDEX', ...d })) : items };
  if (full) {
    const m = decodeURI(req.mongoPath).replace(/\/+$/, '');
    const links: Document = { self: { href: req.query ? `${m}?${safeDecode(req.query)}` : m } };
    // RESTHeart: the parent is linked only when the request path has one (a mount can hide it)
    if (req.path.split('/').length > 2) links[req.resource.coll!.endsWith('.files') ? 'rh:bucket' : 'rh:coll'] = { href: parent(m) };
    links['rh:indexes'] = { href: m };
    out._links = links;
  }
  return req.params.rep === 'SHAL' ? shal(out, req.params.np) : out;
}

export function bulkResult(req: MongoRequest, counts: Document): Document {
  if (req.params.rep === 'STANDARD' || counts.errors) return counts;
  const { links, ...rest } = counts;
  const result: Document = { ...rest };
  if (Array.isArray(links) && links.length) result._links = { 'rh:newdoc': links.map((href) => ({ href })) };
  return req.params.rep === 'SHAL' ? result : { _embedded: { 'rh:result': [result] } };
}
