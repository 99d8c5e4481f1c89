// The compiled forms of query filters (mingo's matcher, predicate.ts's column predicate), kept
// by their rendering: clients repeat the same filters, and compiling mingo costs 10–25 µs.
import type { Filter } from '../types.ts';
import { renderJson } from '../../json/render.ts';
import { FrequencySketch, hashString } from './admission.ts';
import { compilePredicate, type CompiledFilter } from './predicate.ts';
import { compileFilter, type Matcher } from './query.ts';

/** Matches every document: callers test for it and skip the call. */
export const matchAll: Matcher = () => true;

const MAX_COMPILED = 1000;

/**
 * Compiled forms of filters, kept by their rendering (clients repeat the same filters) once asked
 * for before: a filter with a new value in every request would only fill the cache with closures
 * that die in V8's old generation (admission.ts).
 */
class Compiled<T> {
  private readonly cache = new Map<string, T>();
  private readonly asked = new FrequencySketch(MAX_COMPILED);

  get(key: string, make: () => T): T {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = make();
      const h = hashString(key);
      this.asked.increment(h);
      if (this.asked.frequency(h) < 2) return v;
      if (this.cache.size >= MAX_COMPILED) this.cache.clear();
      this.cache.set(key, v);
    }
    return v;
  }
}

const matchers = new Compiled<Matcher>();
const predicates = new Compiled<CompiledFilter>();

export function matcherFor(filter: Filter, key = renderJson(filter, 'extended')): Matcher {
  return Object.keys(filter).length === 0 ? matchAll : matchers.get(key, () => compileFilter(filter));
}

export function predicateFor(filter: Filter, key: string): CompiledFilter {
  return predicates.get(key, () => compilePredicate(filter));
}
