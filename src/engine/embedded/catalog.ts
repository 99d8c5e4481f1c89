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

const key = (db: string, name: string) => `${db}\u0000${name}`;

export class Catalog {
  private readonly collections = new Map<string, CollectionInfo>();
  private readonly indexRows = new Map<string, IndexRow[]>();
  // names per database, rebuilt after the catalog changes: every document request checks its collection exists
  private names: Map<string, string[]> | undefined;

  load(collections: CollectionInfo[], indexes: IndexRow[]): void {
    this.collections.clear();
    this.names = undefined;
    for (const c of collections) this.collections.set(key(c.db, c.name), c);
    this.indexRows.clear();
    for (const row of indexes) (this.indexRows.get(row.coll) ?? this.indexRows.set(row.coll, []).get(row.coll)!).push(row);
  }

  get(db: string, name: string): CollectionInfo | undefined {
    return this.collections.get(key(db, name));
  }

  add(info: CollectionInfo): void {
    this.collections.set(key(info.db, info.name), info);
    this.names = undefined;
  }

  remove(db: string, name: string): void {
    this.collections.delete(key(db, name));
    this.names = undefined;
  }

  indexesOf(table: string): IndexRow[] {
    return this.indexRows.get(table) ?? [];
  }

  collectionsOf(db: string): string[] {
    if (!this.names) {
      this.names = new Map();
      for (const c of this.collections.values()) (this.names.get(c.db) ?? this.names.set(c.db, []).get(c.db)!).push(c.name);
    }
    return [...(this.names.get(db) ?? [])];
  }

  databases(): string[] {
    return [...new Set([...this.collections.values()].map((c) => c.db))];
  }
}
