// Documents travel to and from the aggregation workers as BSON written back to back in chunks
// (aggregate.ts packs them); this walks them, for both sides.

/** The bytes of each BSON document in the chunks, in order (views, not copies). */
export function* bsonDocuments(chunks: Uint8Array[]): Generator<Buffer> {
  for (const c of chunks) {
    const view = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    for (let at = 0; at < view.length;) {
      const n = view.readInt32LE(at);
      yield view.subarray(at, at + n);
      at += n;
    }
  }
}
