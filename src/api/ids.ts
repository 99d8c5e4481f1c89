// Document ids in URLs (API.md §5): segment → _id by id_type, and _id → link segment.
import { badRequest } from '../errors.ts';
import { Double, Int32, Long, MaxKey, MinKey, ObjectId, isNumeric, numberOf } from '../engine/values.ts';
import { parseJson } from '../json/parse.ts';
import type { IdType } from './params.ts';

const HEX24 = /^[0-9a-fA-F]{24}$/;

const SPECIAL: Record<string, () => unknown> = {
  _null: () => null, _true: () => true, _false: () => false, _minkey: () => new MinKey(), _maxkey: () => new MaxKey(),
};

function wrongFormat(type: string): never {
  throw badRequest(`wrong document id format: not a valid ${type}`);
}

export function idFromUrl(segment: string, idType: IdType): unknown {
  const special = SPECIAL[segment.toLowerCase()];
  if (special) return special();
  switch (idType) {
    case 'STRING_OID': return HEX24.test(segment) ? new ObjectId(segment) : segment;
    case 'OID': return HEX24.test(segment) ? new ObjectId(segment) : wrongFormat('ObjectId');
    case 'STRING': return segment;
    case 'NUMBER': {
      let n: unknown;
      try {
        n = parseJson(segment);
      } catch {
        wrongFormat('number');
      }
      return n instanceof Int32 || n instanceof Long || n instanceof Double ? n : wrongFormat('number');
    }
    case 'DATE': {
      if (!/^-?\d+$/.test(segment)) wrongFormat('date');
      return new Date(Number(segment));
    }
    case 'MINKEY': return new MinKey();
    case 'MAXKEY': return new MaxKey();
    case 'NULL': return null;
    case 'BOOLEAN': {
      const b = segment.toLowerCase();
      return b === 'true' ? true : b === 'false' ? false : wrongFormat('boolean');
    }
  }
}

/** The id as RESTHeart writes it in links: `<segment>` plus `?id_type=…` where needed. */
export function idLink(id: unknown): string {
  if (id === null || id === undefined) return '_null';
  if (id === true) return '_true';
  if (id === false) return '_false';
  if (id instanceof MinKey) return '_MinKey';
  if (id instanceof MaxKey) return '_MaxKey';
  if (id instanceof ObjectId) return id.toHexString();
  if (typeof id === 'string') return HEX24.test(id) ? `${encodeURIComponent(id)}?id_type=STRING` : encodeURIComponent(id);
  if (isNumeric(id)) return `${numberOf(id)}?id_type=NUMBER`;
  if (id instanceof Date) return `${id.getTime()}?id_type=DATE`;
  return encodeURIComponent(String(id));
}

/** How RESTHeart names an id in messages: strings single-quoted, ObjectIds bare. */
export function idForMessage(id: unknown): string {
  if (typeof id === 'string') return `'${id}'`;
  if (id instanceof ObjectId) return id.toHexString();
  if (id === null) return 'null';
  if (isNumeric(id)) return String(numberOf(id));
  if (id instanceof Date) return String(id.getTime());
  return String(id);
}
