// A CSV body → documents, as RESTHeart's BsonFromCsvRequest builds them: the first line names the
// fields, each further line is a document with a new ObjectId as `_etag`, the `id` column (0-based)
// becomes `_id`, and a cell is read as relaxed JSON when it parses (42, true, {"a":1},
// {"$oid":…}) and as a string otherwise. Parsed as the body streams in (csv-parse), decoded with
// the Content-Type's charset (UTF-8 by default); invalid bytes, unbalanced quotes and rows whose
// field count differs from the header are a 400 naming the line.
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { ObjectId } from 'bson';
import { badRequest, HttpError } from '../errors.ts';
import { CONSTRUCTORS } from '../json/ejson.ts';
import { parseJson } from '../json/parse.ts';
import type { Document } from '../engine/values.ts';

export interface CsvShape {
  sep: string;
  /** the column that becomes _id; -1: none */
  idIdx: number;
}

/** Characters parsed into a CSV at a time: the event loop gets a turn between slices. */
const SLICE = 4096;
/** Rows turned into documents between turns of the event loop. */
const ROWS_PER_TURN = 50;

/** Bare words the JSON reader takes as values (true, NaN, ObjectId(…), new Date(…)). */
const VALUE_WORDS = new Set(['true', 'false', 'null', 'undefined', 'NaN', 'Infinity', 'new', ...CONSTRUCTORS]);
const LEADING_WORD = /^\s*([A-Za-z_$][\w$]*)/;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A cell as RESTHeart reads it; a quoted cell is a string as written (RESTHeart keeps the quotes and reads them as JSON). */
export function cellValue(raw: string, quoted: boolean): unknown {
  if (quoted || raw.trim() === '') return raw;
  // most text cells start with a word no JSON value starts with: no parse (and no exception) for them
  const word = LEADING_WORD.exec(raw);
  if (word && !VALUE_WORDS.has(word[1]!)) return raw;
  try {
    return parseJson(raw);
  } catch {
    return raw;
  }
}

/** Bytes → text in the given charset; bytes that are not valid in it fail the stream with a 400. */
function decoder(charset: string): Transform {
  let td: TextDecoder;
  try {
    td = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new HttpError(415, `unsupported charset ${charset}`);
  }
  const invalid = () => badRequest(`the CSV is not valid ${td.encoding}`);
  return new Transform({
    readableObjectMode: false,
    // the text goes on in slices, one per turn of the event loop: the parser works on a slice at a time
    transform(chunk: Buffer, _enc, cb) {
      let text: string;
      try {
        text = td.decode(chunk, { stream: true });
      } catch {
        cb(invalid());
        return;
      }
      const next = (at: number): void => {
        if (at >= text.length) {
          cb();
          return;
        }
        this.push(text.slice(at, at + SLICE));
        setImmediate(next, at + SLICE);
      };
      next(0);
    },
    flush(cb) {
      try {
        cb(null, td.decode());
      } catch {
        cb(invalid());
      }
    },
  });
}

/** A field named by the CSV: `__proto__` included, as a plain own property. */
function put(doc: Document, name: string, value: unknown): void {
  Object.defineProperty(doc, name, { value, enumerable: true, writable: true, configurable: true });
}

interface Row {
  record: { value: string; quoted: boolean }[];
  info: { lines: number };
}

/** The documents of a CSV body (header line excluded). */
export async function csvDocuments(body: Readable, charset: string, shape: CsvShape): Promise<Document[]> {
  const parser = parse({
    delimiter: shape.sep,
    bom: true,
    skip_empty_lines: true,
    // a quote inside an unquoted cell is a character, as in RESTHeart
    relax_quotes: true,
    relax_column_count: true,
    info: true,
    cast: (value, ctx) => ({ value, quoted: ctx.quoting }),
  });
  const text = decoder(charset);
  body.on('error', (e) => text.destroy(e));
  text.on('error', (e) => parser.destroy(e));
  body.pipe(text).pipe(parser);
  const docs: Document[] = [];
  let header: string[] | undefined;
  try {
    for await (const row of parser as AsyncIterable<Row>) {
      const cells = row.record;
      if (!header) {
        header = cells.map((c) => c.value);
        if (shape.idIdx >= header.length) throw badRequest(`id=${shape.idIdx}: the header line has ${header.length} columns`);
        continue;
      }
      if (cells.length !== header.length) {
        throw badRequest(`line ${row.info.lines}: ${cells.length} fields where the header line has ${header.length}`);
      }
      const doc: Document = {};
      if (shape.idIdx >= 0) doc._id = cellValue(cells[shape.idIdx]!.value, cells[shape.idIdx]!.quoted);
      doc._etag = new ObjectId();
      cells.forEach((c, i) => {
        if (i !== shape.idIdx) put(doc, header![i]!, cellValue(c.value, c.quoted));
      });
      docs.push(doc);
      if (docs.length % ROWS_PER_TURN === 0) await turn();
    }
  } catch (e) {
    if (e instanceof CsvError) throw badRequest(`invalid CSV: ${e.message}`);
    throw e;
  } finally {
    body.unpipe();
    body.resume();
  }
  return docs;
}
