// Sessions and transactions (API.md §11): a session is POST /_sessions, its transactions POST
// /_sessions/{sid}/_txns; requests made through `session.db()` or `transaction.db()` carry
// ?sid (and ?txn) and so run in them.
import type { Database } from './database.ts';
import { ConflictError } from './errors.ts';
import type { Transport } from './http.ts';

export type TransactionStatus = 'NONE' | 'IN' | 'COMMITTED' | 'ABORTED';

/** The last path segment of a Location header. */
function lastSegment(location: string | undefined, what: string): string {
  if (!location) throw new TypeError(`the server did not say where the new ${what} is (no Location)`);
  const path = new URL(location, 'http://x').pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

export class Transaction {
  readonly session: Session;
  readonly number: number;
  private readonly http: Transport;
  private readonly dbOf: (name: string, scope: Record<string, string>) => Database;

  constructor(http: Transport, session: Session, n: number, dbOf: (name: string, scope: Record<string, string>) => Database) {
    this.http = http;
    this.session = session;
    this.number = n;
    this.dbOf = dbOf;
  }

  /** A database whose requests run inside this transaction. */
  db(name: string): Database {
    return this.dbOf(name, { sid: this.session.id, txn: String(this.number) });
  }

  /** Commits; a write conflict is a ConflictError (409) and the transaction is then aborted. */
  async commit(): Promise<void> {
    await this.http.request('PATCH', `/_sessions/${this.session.id}/_txns/${this.number}`);
  }

  async abort(): Promise<void> {
    await this.http.request('DELETE', `/_sessions/${this.session.id}/_txns/${this.number}`);
  }
}

export class Session {
  readonly id: string;
  private readonly http: Transport;
  private readonly dbOf: (name: string, scope: Record<string, string>) => Database;

  constructor(http: Transport, id: string, dbOf: (name: string, scope: Record<string, string>) => Database) {
    this.http = http;
    this.id = id;
    this.dbOf = dbOf;
  }

  static async start(http: Transport, dbOf: (name: string, scope: Record<string, string>) => Database, causallyConsistent = true): Promise<Session> {
    const r = await http.request('POST', '/_sessions', { body: { ops: { causallyConsistent } } });
    return new Session(http, lastSegment(r.location, 'session'), dbOf);
  }

  /** A database whose requests run in this session (outside any transaction). */
  db(name: string): Database {
    return this.dbOf(name, { sid: this.id });
  }

  /** Starts the next transaction; ConflictError when one is already in progress (the server answers 304). */
  async startTransaction(): Promise<Transaction> {
    const r = await this.http.request('POST', `/_sessions/${this.id}/_txns`);
    if (r.status === 304) throw new ConflictError(304, undefined, 'POST', `/_sessions/${this.id}/_txns`, undefined);
    return new Transaction(this.http, this, Number(lastSegment(r.location, 'transaction')), this.dbOf);
  }

  async currentTransaction(): Promise<{ id: number; status: TransactionStatus } | null> {
    const r = await this.http.request<{ currentTxn: { id: number; status: TransactionStatus } | null }>('GET', `/_sessions/${this.id}/_txns`);
    const t = r.body.currentTxn;
    return t ? { id: Number(t.id), status: t.status } : null;
  }

  /** Runs `fn` in a new transaction: committed when it resolves, aborted when it throws (and the error rethrown). */
  async withTransaction<R>(fn: (txn: Transaction) => Promise<R>): Promise<R> {
    const txn = await this.startTransaction();
    let result: R;
    try {
      result = await fn(txn);
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }
    await txn.commit();
    return result;
  }

  /** Ends the session (a transaction in progress is aborted). */
  async end(): Promise<void> {
    await this.http.request('DELETE', `/_sessions/${this.id}`);
  }
}
