// Relationship links (API.md §16.3b): collection metadata `rels` declares how a document refers
// to documents of another collection; HAL and SHAL give every document of the collection one
// `_links.<rel>` per relationship, in compact mode too. As in RESTHeart, an invalid `rels`
// gives no links and a warning; a document whose reference cannot make a link gets a warning.
import { isPlainObject, type Document } from '../engine/values.ts';
import { renderJson } from '../json/render.ts';
import type { MongoRequest } from './context.ts';
import { idLink } from './ids.ts';

const TYPES = ['ONE_TO_ONE', 'ONE_TO_MANY', 'MANY_TO_ONE', 'MANY_TO_MANY'] as const;
const ROLES = ['OWNING', 'INVERSE'] as const;

interface Relationship {
  rel: string;
  type: (typeof TYPES)[number];
  role: (typeof ROLES)[number];
  targetDb?: string;
  targetColl: string;
  refField: string;
}

export interface RelLinks {
  links: Record<string, { href: string }>;
  warnings: string[];
}

class InvalidRels extends Error {}

function str(rel: Document, key: string, optional = false): string | undefined {
  const v = rel[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw new InvalidRels(`${v === undefined ? 'missing' : 'invalid'} ${key} element.`);
  return v;
}

function parseRels(rels: unknown): Relationship[] {
  if (!Array.isArray(rels)) throw new InvalidRels("element 'rels' is not an array list.");
  return rels.map((r) => {
    if (!isPlainObject(r)) throw new InvalidRels("element 'rels' is not valid.");
    const type = str(r, 'type') as Relationship['type'];
    const role = str(r, 'role') as Relationship['role'];
    if (!TYPES.includes(type)) throw new InvalidRels(`invalid type value: ${type}. valid values are [${TYPES.join(', ')}]`);
    if (!ROLES.includes(role)) throw new InvalidRels(`invalid role value ${role}. valid values are [${ROLES.join(', ')}]`);
    return { rel: str(r, 'rel')!, type, role, targetDb: str(r, 'target-db', true), targetColl: str(r, 'target-coll')!, refField: str(r, 'ref-field')! };
  });
}

/** Values a `$.a.b`, `$.a.[*]`, `$.a.*` path reaches (`[*]`/`*`: every element or property). */
function jsonPath(doc: Document, path: string): unknown[] {
  let nodes: unknown[] = [doc];
  for (const seg of path.slice(2).split('.').filter(Boolean)) {
    nodes = nodes.flatMap((n) => {
      if (seg === '[*]' || seg === '*') return Array.isArray(n) ? n : isPlainObject(n) ? Object.values(n) : [];
      const index = /^\[(\d+)\]$/.exec(seg);
      if (index) return Array.isArray(n) && Number(index[1]) < n.length ? [n[Number(index[1])]] : [];
      return isPlainObject(n) && Object.hasOwn(n, seg) ? [n[seg]] : [];
    });
  }
  return nodes;
}

/** The ref-field's value: a JSON path gives the array of what it reaches (undefined when nothing). */
function refValue(doc: Document, field: string): unknown {
  if (!field.startsWith('$.')) return doc[field];
  const found = jsonPath(doc, field).filter((v) => v !== undefined && v !== null);
  return found.length ? found : undefined;
}

/** An id inside a link's filter: JSON with single quotes, as RESTHeart writes it. */
const idJson = (id: unknown) => renderJson(id).replaceAll('"', "'");

function link(req: MongoRequest, r: Relationship, doc: Document): string | undefined {
  const db = r.targetDb ?? req.resource.db!;
  const coll = req.toRequestPath(`/${db}/${r.targetColl}`);
  const base = coll === '/' ? '' : coll;
  if (r.role === 'INVERSE') {
    if (doc._id === undefined) return undefined;
    const cond = r.type === 'ONE_TO_ONE' || r.type === 'ONE_TO_MANY' ? idJson(doc._id) : `{'$elemMatch':{'$eq':${idJson(doc._id)}}}`;
    return `${coll}?filter={'${r.refField}':${cond}}`;
  }
  let value = refValue(doc, r.refField);
  if (value === undefined || value === null) return undefined;
  if (r.type === 'ONE_TO_ONE' || r.type === 'MANY_TO_ONE') {
    if (Array.isArray(value) && value.length === 1) value = value[0];
    if (Array.isArray(value) || isPlainObject(value)) {
      throw new Error(`in resource ${req.resource.db}/${req.resource.coll}/${renderJson(doc._id)} the ${r.type} relationship ref-field ${r.refField} is not a valid document id: ${renderJson(value)}`);
    }
    return `${base}/${idLink(value)}`;
  }
  if (!Array.isArray(value)) {
    throw new Error(`in resource ${req.resource.db}/${req.resource.coll}/${renderJson(doc._id)} the ${r.type} relationship ref-field ${r.refField} should be an array, but it is ${renderJson(value)}`);
  }
  return `${coll}?filter={'_id':{'$in':[${value.map(idJson).join(',')}]}}`;
}

/** The relationship links of a document of the collection whose metadata is `props`. */
export function relationshipLinks(req: MongoRequest, props: Document | null | undefined, doc: Document): RelLinks {
  const out: RelLinks = { links: {}, warnings: [] };
  if (props?.rels === undefined) return out;
  let rels: Relationship[];
  try {
    rels = parseRels(props.rels);
  } catch (e) {
    if (!(e instanceof InvalidRels)) throw e;
    out.warnings.push(`collection ${req.resource.db}/${req.resource.coll} has invalid relationships definition`);
    return out;
  }
  for (const r of rels) {
    try {
      const href = link(req, r, doc);
      if (href !== undefined) out.links[r.rel] = { href };
    } catch (e) {
      out.warnings.push((e as Error).message);
    }
  }
  return out;
}
