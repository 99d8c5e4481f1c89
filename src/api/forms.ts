// Form bodies for documents (API.md §3.1; RESTHeart's forms tests): every non-file field of an
// application/x-www-form-urlencoded or multipart/form-data body becomes a property, its value
// parsed as relaxed JSON when it parses, else kept as the string it is.
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { badRequest } from '../errors.ts';
import type { Document } from '../engine/values.ts';
import { JsonSyntaxError, parseJson } from '../json/parse.ts';
import { parseMultipart } from './multipart.ts';

/** `1` → 1, `"1"` → "1", `foo` → "foo", blank → as it is; a `{`/`[` value that does not parse → 400. */
export function formValue(v: string): unknown {
  const t = v.trim();
  if (t === '') return v;
  try {
    return parseJson(t);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    if (t.startsWith('{') || t.startsWith('[')) throw badRequest(`Invalid JSON. ${e.message}`);
    return v;
  }
}

/** The first value of each field (as RESTHeart's form parser keeps it). */
export function urlencodedForm(text: string): Document {
  const out: Document = {};
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out)) out[k] = formValue(v);
  return out;
}

/** The fields of a multipart body read whole (within the JSON body limit); file parts are skipped. */
export async function multipartForm(raw: Buffer, headers: IncomingHttpHeaders, fieldLimit: number): Promise<Document> {
  const out: Document = {};
  await parseMultipart(Readable.from([raw]), headers, fieldLimit, {
    field: (name, value) => {
      if (!(name in out)) out[name] = formValue(value);
    },
    file: (part) => part.stream.resume(),
  }).done;
  return out;
}
