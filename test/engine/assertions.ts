// Assertions shared by the engine unit tests: exact BSON types and key order.
import assert from 'node:assert/strict';
import { EngineError } from '../../src/errors.ts';

/** The tree's key order and the constructor of every non-plain value. */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') {
    if (Object.getPrototypeOf(v) === Object.prototype) return Object.entries(v).map(([k, x]) => [k, shape(x)]);
    return v.constructor.name;
  }
  return typeof v;
}

/** deepStrictEqual does not see key order; shape() does, and names the BSON types. */
export function assertDoc(actual: unknown, expected: unknown): void {
  assert.deepStrictEqual(actual, expected);
  assert.deepStrictEqual(shape(actual), shape(expected));
}

export function assertEngineError(fn: () => unknown, code: number, message?: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EngineError, `expected EngineError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}
