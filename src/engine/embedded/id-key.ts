// Order-preserving binary encoding of _id values: memcmp order of the keys equals MongoDB's BSON
// order of the values, so SQLite's primary key serves both point reads and the default `_id` sort.
// Equal values get equal keys (Int32 1, Long 1 and Double 1.0 collide, as in MongoDB's unique _id).
// Known approximation: Long beyond 2^53 and Decimal128 are keyed by their double value.
import { serialize } from 'bson';
import { Binary, MaxKey, MinKey, ObjectId, Timestamp, isNumeric, numberOf, typeRank } from '../values.ts';

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);

function numberKey(rank: number, n: number): Buffer {
  if (Number.isNaN(n)) return Buffer.from([rank, 0]); // NaN sorts below every other number
  f64[0] = n === 0 ? 0 : n; // -0 equals 0
  const out = Buffer.alloc(10);
  out[0] = rank;
  out[1] = 1;
  // big-endian bytes, sign bit flipped for positives, all bits flipped for negatives
  const negative = (u8[7]! & 0x80) !== 0;
  for (let i = 0; i < 8; i++) {
    const b = u8[7 - i]!;
    out[2 + i] = negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
  }
  return out;
}

export function idKey(id: unknown): Buffer {
  const rank = typeRank(id);
  if (id === null || id === undefined || id instanceof MinKey || id instanceof MaxKey) return Buffer.from([rank]);
  if (typeof id === 'string') return Buffer.concat([Buffer.from([rank]), Buffer.from(id, 'utf8')]);
  if (typeof id === 'number' || isNumeric(id)) return numberKey(rank, numberOf(id));
  if (id instanceof ObjectId) return Buffer.concat([Buffer.from([rank]), Buffer.from(id.id)]);
  if (typeof id === 'boolean') return Buffer.from([rank, id ? 1 : 0]);
  if (id instanceof Date) return numberKey(rank, id.getTime());
  if (id instanceof Timestamp) {
    const out = Buffer.alloc(9);
    out[0] = rank;
    out.writeUInt32BE(id.t, 1);
    out.writeUInt32BE(id.i, 5);
    return out;
  }
  if (id instanceof Binary) return Buffer.concat([Buffer.from([rank, id.sub_type]), Buffer.from(id.buffer)]);
  // Objects (and exotic types): unique, though not MongoDB-ordered among themselves.
  return Buffer.concat([Buffer.from([rank]), Buffer.from(serialize({ v: id }))]);
}
