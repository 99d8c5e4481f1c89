// Request bodies of the MongoDB API (API.md §3.1): content types, relaxed JSON, form fields.
import { HttpError, badRequest } from '../errors.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import { JsonSyntaxError, parseJson } from '../json/parse.ts';
import { parseJsonBytesInSlices } from '../json/parse-bytes.ts';
import { urlencodedForm } from './forms.ts';

export interface Body {
  /** an object, an array of objects, or undefined when the request had no content */
  value: Document | Document[] | undefined;
}

function typeName(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return 'STRING';
  if (typeof v === 'boolean') return 'BOOLEAN';
  if (typeof v === 'number') return 'NUMBER';
  const name = (v as object).constructor?.name ?? 'OBJECT';
  return name === 'Int32' || name === 'Long' || name === 'Double' || name === 'Decimal128' ? name.toUpperCase() : name.toUpperCase();
}

function parseJsonBody(text: string): unknown {
  try {
    return parseJson(text);
  } catch (e) {
    throw invalidJson(e);
  }
}

function invalidJson(e: unknown): unknown {
  return e instanceof JsonSyntaxError ? badRequest(`Invalid JSON. ${e.message}`) : e;
}

const isJson = (ct: string) => ct === '' || ct.startsWith('application/json') || ct.startsWith('application/hal+json');

/** JSON bodies from this size on are parsed in slices (parseBodyInSlices) */
export const LARGE_BODY = 256 * 1024;

/**
 * parseBody for a large JSON body (LARGE_BODY and up), parsed a slice at a time
 * (parseJsonBytesInSlices); undefined for a body of another type, which parseBody reads when asked.
 */
export async function parseBodyInSlices(raw: Buffer, contentType: string | undefined, giveWay: () => Promise<unknown>, sliceMs: number): Promise<Body | undefined> {
  if (!isJson((contentType ?? '').toLowerCase())) return undefined;
  let value: unknown;
  try {
    value = await parseJsonBytesInSlices(raw, giveWay, sliceMs);
  } catch (e) {
    throw invalidJson(e);
  }
  return value === undefined ? { value: undefined } : checked(value);
}

export function parseBody(raw: Buffer | undefined, contentType: string | undefined): Body {
  const ct = (contentType ?? '').toLowerCase();
  const text = raw && raw.length ? raw.toString('utf8') : '';
  let value: unknown;
  if (isJson(ct)) {
    if (text.trim() === '') return { value: undefined };
    value = parseJsonBody(text);
  } else if (ct.startsWith('application/x-www-form-urlencoded')) {
    if (text.trim() === '') return { value: undefined };
    value = urlencodedForm(text);
  } else if (ct.startsWith('multipart/form-data')) {
    // a document's form is parsed before (MongoService.prepare); a file bucket's upload streams
    return { value: undefined };
  } else {
    throw new HttpError(415, 'Content-Type must be either: application/json or application/hal+json');
  }
  return checked(value);
}

/** An object or an array of objects, as the API takes them. */
function checked(value: unknown): Body {
  if (Array.isArray(value)) {
    if (!value.every(isPlainObject)) throw badRequest('request data must be either a json object or an array of objects');
    return { value: value as Document[] };
  }
  if (!isPlainObject(value)) throw badRequest(`request data must be either a json object or an array, got ${typeName(value)}`);
  if (Array.isArray(value._id)) throw badRequest('the type of _id in request data is not supported: ARRAY');
  return { value };
}
