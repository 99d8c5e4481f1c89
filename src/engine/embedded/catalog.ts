// The embedded store's in-memory copy of its catalog: the collections by database and name, and
// the secondary indexes of each collection table. Loaded from the file by the store (store.ts)
// whenever the schema moved, kept current by the store's own creates and drops.

export interface CollectionInfo {
  db: string;
  name: string;
  table: string;
}

/** A secondary index as stored in the catalog: its spec (BSON) and its own table. */
export interface IndexRow {
  coll: string;
  name: string;
  spec: Buffer;
  table: string;
  /** while the index is being built: the builder's pid and when it last worked (index-build.ts) */
  builder: number | null;
  beat: number | null;
}

export class Catalog {
  // by database, then name: a key joining both was a new string to flatten and hash at every
  // lookup, and a request makes several (its collection, its user, the collection's metadata)
  private readonly collections = new Map<string, Map<string, CollectionInfo>>();
  private readonly indexRows = new Map<string, IndexRow[]>();
  // names per database, rebuilt after the catalog changes: every document request checks its collection exists
  private names: Map<string, string[]> | undefined;

  load(collections: CollectionInfo[], indexes: IndexRow[]): void {
    this.collections.clear();
    this.names = undefined;
    for (const c of collections) this.add(c);
    this.indexRows.clear();
    for (const row of indexes) (this.indexRows.get(row.coll) ?? this.indexRows.set(row.coll, []).get(row.coll)!).push(row);
  }

  get(db: string, name: string): CollectionInfo | undefined {
    return this.collections.get(db)?.get(name);
  }

  add(info: CollectionInfo): void {
    let named = this.collections.get(info.db);
    if (!named) this.collections.set(info.db, (named = new Map()));
    named.set(info.name, info);
    this.names = undefined;
  }

  remove(db: string, name: string): void {
    const named = this.collections.get(db);
    named?.delete(name);
    if (named?.size === 0) this.collections.delete(db);
    this.names = undefined;
  }

  indexesOf(table: string): IndexRow[] {
    return this.indexRows.get(table) ?? [];
  }

  collectionsOf(db: string): string[] {
    if (!this.names) {
      this.names = new Map();
      for (const [db, named] of this.collections) this.names.set(db, [...named.keys()]);
    }
    return [...(this.names.get(db) ?? [])];
  }

  databases(): string[] {
    return [...this.collections.keys()];
  }
}
