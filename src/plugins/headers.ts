// RESTHeart's HeaderMap, as plugins use it from JavaScript (getFirst, put, add, remove, …), over
// a plain record of lower-case header names: a request's headers, or a response's.
import type { PluginHeaders } from './api.ts';

type Value = string | string[] | number | undefined;

export interface HeaderStore {
  read(): Readonly<Record<string, Value>>;
  /** undefined removes the header */
  write(name: string, value: string | undefined): void;
}

function values(v: Value): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [String(v)];
}

function checked(name: string, value: unknown): string {
  if (typeof name !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
  const v = String(value);
  if (/[\r\n\0]/.test(v)) throw new TypeError(`invalid value of header ${name}`);
  return v;
}

export class Headers implements PluginHeaders {
  private readonly store: HeaderStore;
  constructor(store: HeaderStore) {
    this.store = store;
  }
  get(name: string): string | undefined {
    return this.getAll(name)[0];
  }
  getFirst(name: string): string | undefined {
    return this.get(name);
  }
  getAll(name: string): string[] {
    return values(this.store.read()[String(name).toLowerCase()]);
  }
  has(name: string): boolean {
    return this.store.read()[String(name).toLowerCase()] !== undefined;
  }
  contains(name: string): boolean {
    return this.has(name);
  }
  put(name: string, value: string): this {
    this.store.write(name.toLowerCase(), checked(name, value));
    return this;
  }
  add(name: string, value: string): this {
    const v = checked(name, value);
    const before = this.getAll(name);
    this.store.write(name.toLowerCase(), before.length ? `${before.join(', ')}, ${v}` : v);
    return this;
  }
  remove(name: string): this {
    this.store.write(String(name).toLowerCase(), undefined);
    return this;
  }
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.store.read())) if (v !== undefined) out[k] = values(v).join(', ');
    return out;
  }
}
