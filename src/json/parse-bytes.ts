// A large JSON body parsed from its bytes, a slice at a time, without ever holding it as one string.
//
// Decoding a 13 MB body into one string held the event loop for 33-55 ms (most of it the kernel
// mapping the fresh pages of a 13 MB allocation; plain Node and in the server), on top of the
// 34 ms its reading took to join the chunks (request-body.ts now fills one buffer as they come).
// The items of a top-level array (a bulk write's documents) are found in the bytes instead, a
// slice at a time, and each is decoded and parsed on its own by parse.ts.
//
// Finding them needs only brackets, commas and strings: anything this scan does not follow (a
// regex literal, a non-ASCII character between values) and any item that fails to parse send
// the whole body down parse.ts's path, so that values and errors are always parse.ts's own.
import { parseJsonAt, parseJsonInSlices } from './parse.ts';

const WS = new Uint8Array(256);
for (const c of [9, 10, 11, 12, 13, 32]) WS[c] = 1;

/**
 * The value of the JSON in `bytes` (UTF-8), undefined when they hold only whitespace; gives way
 * (`giveWay`) every `sliceMs` ms of work between the items of a top-level array.
 */
export async function parseJsonBytesInSlices(bytes: Buffer, giveWay: () => Promise<unknown>, sliceMs: number): Promise<unknown> {
  const items = await arrayItems(bytes, giveWay, sliceMs);
  if (items) return items;
  const text = bytes.toString('utf8');
  if (text.trim() === '') return undefined;
  return parseJsonInSlices(text, giveWay, sliceMs);
}

/**
 * The parsed items of the top-level array in `b`, giving way between items once a slice is used;
 * undefined when `b` holds something else, or something this scan does not follow, or an error.
 */
export async function arrayItems(b: Buffer, giveWay: () => Promise<unknown>, sliceMs: number): Promise<unknown[] | undefined> {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && WS[b[i]!]) i++;
  if (b[i] !== 0x5b) return undefined;
  const items: unknown[] = [];
  let start = performance.now();
  let from = ++i;
  let depth = 1;
  while (depth > 0) {
    if (items.length > 0 && performance.now() - start >= sliceMs) {
      await giveWay();
      start = performance.now();
    }
    // to the end of this item: a comma or the closing bracket at the array's own depth
    for (; i < b.length; i++) {
      const c = b[i]!;
      if (c === 0x22 || c === 0x27) {
        // a string (JSON's double quotes or the Java reader's single ones) ends at the next quote
        // not escaped, one after an even run of backslashes (the opening quote stops the run);
        // found by indexOf (memchr): most of a document's bytes are in its strings
        let j = i;
        for (;;) {
          j = b.indexOf(c, j + 1);
          if (j < 0) return undefined;
          let k = j - 1;
          while (b[k] === 0x5c) k--;
          if ((j - 1 - k) % 2 === 0) break;
        }
        i = j;
      } else if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) {
        if (--depth === 0) break;
      } else if (c === 0x2c) {
        if (depth === 1) break;
      } else if (c === 0x2f || c > 0x7f) return undefined;
    }
    if (i >= b.length || (depth === 0 && b[i] !== 0x5d)) return undefined;
    const text = b.toString('utf8', from, i);
    if (text.trim() === '') {
      // an empty item ends the array (`[]`, or `[1,]` as the Java reader allows), never a comma (`[1,,2]`)
      if (depth !== 0) return undefined;
    } else {
      try {
        items.push(parseJsonAt(text, 1));
      } catch {
        return undefined;
      }
    }
    from = ++i;
  }
  for (; i < b.length; i++) if (!WS[b[i]!]) return undefined;
  return items;
}
