// The embedded engine: MongoDB's database API over one SQLite file (store.ts).
import type { Collection, Database, Engine } from '../types.ts';
import { EmbeddedCollection } from './collection.ts';
import { Store } from './store.ts';

class EmbeddedDatabase implements Database {
  readonly name: string;
  private readonly store: Store;

  constructor(store: Store, name: string) {
    this.store = store;
    this.name = name;
  }

  collection(name: string): Collection {
    return new EmbeddedCollection(this.store, this.name, name);
  }

  async listCollections(): Promise<string[]> {
    return this.store.listCollections(this.name);
  }

  async createCollection(name: string): Promise<void> {
    await this.store.write(() => this.store.createCollection(this.name, name));
  }

  async dropCollection(name: string): Promise<boolean> {
    return this.store.write(() => this.store.dropCollection(this.name, name));
  }

  async dropDatabase(): Promise<void> {
    await this.store.write(() => {
      for (const c of this.store.listCollections(this.name)) this.store.dropCollection(this.name, c);
    });
  }
}

export class EmbeddedEngine implements Engine {
  readonly kind = 'embedded' as const;
  private readonly store: Store;

  constructor(dataDir: string) {
    this.store = new Store(dataDir);
  }

  db(name: string): Database {
    return new EmbeddedDatabase(this.store, name);
  }

  async listDatabases(): Promise<string[]> {
    return this.store.listDatabases();
  }

  async ping(): Promise<void> {
    this.store.sql.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.store.close();
  }
}
