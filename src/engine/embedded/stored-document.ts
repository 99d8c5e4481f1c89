// A document as the embedded engine stores it: BSON bytes with _id first.
import { BSONError, deserialize, serialize } from 'bson';
import { BAD_VALUE, EngineError } from '../../errors.ts';
import { ObjectId, type Document } from '../values.ts';

const EXACT = { promoteValues: false, bsonRegExp: true } as const;

/**
 * A document's stored bytes. A key BSON cannot hold (one with a NUL) is the client's error, as the
 * MongoDB engine's driver reports it (mongodb/mapping.ts), not a 500.
 */
export function storedBytes(doc: Document): Uint8Array {
  try {
    return serialize(doc);
  } catch (e) {
    if (e instanceof BSONError) throw new EngineError(BAD_VALUE, 'BadValue', e.message);
    throw e;
  }
}

/** The stored bytes as a new document of the exact model. */
export function fresh(bytes: Buffer): Document {
  return deserialize(bytes, EXACT);
}

/** MongoDB stores _id first; a document without one gets a new ObjectId. */
export function withIdFirst(doc: Document, id?: unknown): Document {
  const _id = id !== undefined ? id : doc._id !== undefined ? doc._id : new ObjectId();
  const out: Document = { _id };
  for (const k in doc) if (k !== '_id') out[k] = doc[k];
  return out;
}
