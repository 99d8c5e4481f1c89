// The wire shim's sessions and transactions: the driver's logical session (lsid) is an embedded
// engine session of the same UUID, and the driver's transaction number (txnNumber, which the
// driver also spends on retryable writes) names the embedded transaction the shim started for it.
// The embedded engine keeps every transaction's state (its writes, conflicts, lifetime); this
// only maps numbers and answers as mongod does: NoSuchTransaction (251) for a number that is not
// the session's transaction in progress, the TransientTransactionError label on 112 and 251
// answered to a command of a transaction, a retried commit of a committed transaction succeeds.
import { Binary } from 'bson';
import type { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';
import type { Session } from '../../../src/engine/types.ts';
import type { Document } from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';
import { bool, num } from './commands.ts';

const ILLEGAL_OPERATION = 20;
const WRITE_CONFLICT = 112;
const NO_SUCH_TRANSACTION = 251;
const NOT_IN_TRANSACTION = 263;
// catalog commands mongod refuses in a transaction; the refusal aborts it
const REFUSED = new Set(['count', 'listcollections', 'listindexes', 'listdatabases', 'drop', 'dropdatabase', 'dropindexes']);

function noSuchTransaction(t: number): EngineError {
  return new EngineError(NO_SUCH_TRANSACTION, 'NoSuchTransaction', `Transaction with { txnNumber: ${t} } has been aborted or is not in progress.`);
}

function sidOf(lsid: unknown): string {
  const id = (lsid as { id?: unknown } | undefined)?.id;
  if (!(id instanceof Binary)) throw new EngineError(2, 'BadValue', 'lsid.id must be a UUID');
  const hex = Buffer.from(id.buffer).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A command of a multi-document transaction (autocommit: false), as opposed to a retryable write. */
export function inTransaction(body: Document): boolean {
  return body.txnNumber !== undefined && body.autocommit !== undefined && !bool(body.autocommit);
}

/** mongod's error labels for a command's error. */
export function errorLabels(body: Document, code: unknown): string[] | undefined {
  return inTransaction(body) && (code === WRITE_CONFLICT || code === NO_SUCH_TRANSACTION) ? ['TransientTransactionError'] : undefined;
}

export class WireTransactions {
  private readonly engine: EmbeddedEngine;
  /** session id → the driver's number of its latest transaction and the embedded engine's */
  private readonly latest = new Map<string, { txnNumber: number; n: number }>();
  private readonly replicaSet: boolean;

  constructor(engine: EmbeddedEngine, replicaSet: boolean) {
    this.engine = engine;
    this.replicaSet = replicaSet;
  }

  /** The session the command `name` runs in: undefined outside a transaction. */
  async sessionOf(name: string, body: Document): Promise<Session | undefined> {
    const session = await this.transactionOf(body);
    if (session && REFUSED.has(name)) {
      await this.engine.session(session.id).abortTransaction(session.txnNumber!);
      throw new EngineError(NOT_IN_TRANSACTION, 'OperationNotSupportedInTransaction', `Cannot run '${Object.keys(body)[0]}' in a multi-document transaction.`);
    }
    return session;
  }

  private async transactionOf(body: Document): Promise<Session | undefined> {
    if (body.txnNumber !== undefined && !this.replicaSet) {
      throw new EngineError(ILLEGAL_OPERATION, 'IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
    }
    if (!inTransaction(body)) return undefined;
    const sid = sidOf(body.lsid);
    const t = num(body.txnNumber);
    if (bool(body.startTransaction)) {
      const s = this.engine.session(sid);
      let n = await s.startTransaction();
      if (n === null) {
        // a higher transaction number aborts the session's transaction in progress
        await s.abortTransaction((await s.currentTransaction())!.txnNumber);
        n = (await s.startTransaction())!;
      }
      this.latest.set(sid, { txnNumber: t, n });
      return this.engine.session(sid, n);
    }
    return this.engine.session(sid, this.numbered(sid, t));
  }

  private numbered(sid: string, t: number): number {
    const l = this.latest.get(sid);
    if (!l || l.txnNumber !== t) throw noSuchTransaction(t);
    return l.n;
  }

  async commit(body: Document): Promise<Document> {
    const sid = sidOf(body.lsid);
    const n = this.numbered(sid, num(body.txnNumber));
    const s = this.engine.session(sid);
    const current = await s.currentTransaction();
    // the driver retries a commit whose answer it did not get
    if (current?.txnNumber === n && current.status === 'COMMITTED') return {};
    await s.commitTransaction(n);
    return {};
  }

  async abort(body: Document): Promise<Document> {
    const sid = sidOf(body.lsid);
    const t = num(body.txnNumber);
    try {
      await this.engine.session(sid).abortTransaction(this.numbered(sid, t));
    } catch (e) {
      // mongod names the driver's number
      if (e instanceof EngineError && e.code === NO_SUCH_TRANSACTION) throw noSuchTransaction(t);
      throw e;
    }
    return {};
  }

  /** endSessions: a transaction in progress is aborted. */
  async end(body: Document): Promise<Document> {
    for (const lsid of (body.endSessions ?? []) as Document[]) {
      const sid = sidOf(lsid);
      this.latest.delete(sid);
      await this.engine.session(sid).endSession();
    }
    return {};
  }
}
