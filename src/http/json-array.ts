// A JSON array answer (a page of documents, an aggregation's output) rendered an item at a time.
// Most go out whole, as any JSON answer does: one string with its Content-Length. One whose text
// passes LARGE, or whose rendering used up a slice of time, is streamed instead (chunked, gzip or
// deflate when accepted): what is rendered so far goes first, the rest follows in chunks, giving
// way to other requests between slices and waiting for a slow client to read.
//
// Rendering a page of 1,000 documents of 18 KB in one go held the event loop 160-345 ms, a /ping
// beside it waiting as long (the text, then its UTF-8 copy for the socket, each 18 MB).
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createDeflate, createGzip } from 'node:zlib';
import { renderItem, type JsonMode } from '../json/render.ts';
import { contentEncoding, endEncoded, type OutHeaders } from './response.ts';

/** rendered text from which an answer is streamed */
const LARGE = 1 << 20;
/** how long rendering runs before giving way, in ms */
const SLICE_MS = 2;
/** the size of a streamed chunk */
const CHUNK = 64 * 1024;

export function sendJsonArray(res: ServerResponse, status: number, h: OutHeaders, items: unknown[], mode: JsonMode): void | Promise<void> {
  const parts: string[] = [];
  let size = 0;
  const start = performance.now();
  for (let i = 0; i < items.length; i++) {
    const text = renderItem(items[i], mode);
    parts.push(text);
    size += text.length;
    // the clock is read every 16 items: a page of small documents must not pay for it
    if (size >= LARGE || ((i & 15) === 15 && performance.now() - start >= SLICE_MS)) return stream(res, status, h, items, i + 1, parts, mode);
  }
  // the brackets go on the first and last items, so the join makes the whole text as one flat
  // string: a bracketed join was one more copy of the body to measure and write (V5, a 5 KB page)
  if (parts.length === 0) return endEncoded(res, status, h, '[]');
  parts[0] = `[${parts[0]!}`;
  parts[parts.length - 1] += ']';
  return endEncoded(res, status, h, parts.join(','));
}

async function stream(res: ServerResponse, status: number, h: OutHeaders, items: unknown[], from: number, first: string[], mode: JsonMode): Promise<void> {
  const encoding = contentEncoding(h, res.req.headers['accept-encoding']);
  res.writeHead(status, h);
  const text = Readable.from(chunks(items, from, `[${first.join(',')}`, mode), { objectMode: false });
  await (encoding ? pipeline(text, encoding === 'gzip' ? createGzip() : createDeflate(), res) : pipeline(text, res));
}

async function* chunks(items: unknown[], from: number, first: string, mode: JsonMode): AsyncGenerator<string> {
  yield first;
  let chunk = '';
  let start = performance.now();
  for (let i = from; i < items.length; i++) {
    chunk += `,${renderItem(items[i], mode)}`;
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = '';
    }
    if (performance.now() - start >= SLICE_MS) {
      await nextTurn();
      start = performance.now();
    }
  }
  yield `${chunk}]`;
}
