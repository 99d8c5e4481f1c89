// Sessions of the MongoDB engine: the driver's ClientSession, one per HTTP session id, held by
// this process. MongoDB itself keeps the transaction (its writes, snapshot, conflicts and
// transactionLifetimeLimitSeconds); this registry only maps an id and a transaction number to
// the driver session that runs it. A standalone server refuses transactions: the driver's error
// surfaces (API.md §11: 502).
//
// The server may end a transaction by itself: a failed operation aborts it, and so does its
// lifetime limit (transactionLifetimeLimitSeconds). The driver's session is then told (an
// abortTransaction the server answers NoSuchTransaction, which the driver ignores) so that the
// session's next transaction can start. Nothing tells a client of the lifetime abort: before
// reporting or replacing a transaction in progress this asks the server, as RESTHeart does, with
// a read in the transaction that matches nothing (on the collection of its first operation, which
// docrest's MongoDB user can read).
import type { ClientSession, MongoClient } from 'mongodb';
import { EngineError } from '../../errors.ts';
import type { Session, SessionOption, TransactionStatus } from '../types.ts';
import { engineErrorOf } from './mapping.ts';
import { afterCloseCallbacks } from './phase.ts';

const NO_SUCH_TRANSACTION = 251;
// MongoDB's logical session timeout: an idle session is forgotten after it
const IDLE_MS = 30 * 60_000;

interface Held {
  driver: ClientSession;
  n: number;
  status: TransactionStatus;
  used: number;
  /** a read in the transaction that matches nothing, once an operation was sent in it */
  probe?: (session: ClientSession) => Promise<unknown>;
}

/** An operation's collection, for the probe of its transaction. */
export type Probe = NonNullable<Held['probe']>;

function notInProgress(): EngineError {
  return new EngineError(NO_SUCH_TRANSACTION, 'NoSuchTransaction', 'Given transaction number does not match any in-progress transactions');
}

export class MongoSessions {
  private readonly client: MongoClient;
  private readonly held = new Map<string, Held>();

  constructor(client: MongoClient) {
    this.client = client;
  }

  private get(sid: string): Held | undefined {
    const now = Date.now();
    for (const [id, h] of this.held) {
      if (now - h.used > IDLE_MS && id !== sid) {
        this.held.delete(id);
        void h.driver.endSession().catch(() => undefined);
      }
    }
    const h = this.held.get(sid);
    if (h) h.used = now;
    return h;
  }

  async current(sid: string): Promise<{ txnNumber: number; status: TransactionStatus } | null> {
    const h = this.get(sid);
    if (h) await this.refresh(h);
    return h && h.n > 0 ? { txnNumber: h.n, status: h.status } : null;
  }

  /** Whether the server still holds the transaction in progress (it aborts one at its lifetime limit). */
  private async refresh(h: Held): Promise<void> {
    if (h.status !== 'IN' || !h.probe) return;
    try {
      await h.probe(h.driver);
    } catch (e) {
      const err = engineErrorOf(e);
      if (!(err instanceof EngineError) || err.code !== NO_SUCH_TRANSACTION) throw err;
      await this.ended(h);
    }
  }

  /** The server ended the transaction: so does the driver's session. */
  private async ended(h: Held): Promise<void> {
    h.status = 'ABORTED';
    if (h.driver.inTransaction()) await h.driver.abortTransaction().catch(() => undefined);
  }

  async start(sid: string): Promise<number | null> {
    let h = this.get(sid);
    if (h) await this.refresh(h);
    if (h?.status === 'IN') return null;
    if (!h) {
      h = { driver: this.client.startSession(), n: 0, status: 'NONE', used: Date.now() };
      this.held.set(sid, h);
    }
    try {
      h.driver.startTransaction();
    } catch (e) {
      throw engineErrorOf(e);
    }
    h.n++;
    h.status = 'IN';
    h.probe = undefined;
    return h.n;
  }

  private inProgress(sid: string, n: number): Held {
    const h = this.get(sid);
    if (!h || h.n !== n || h.status !== 'IN') throw notInProgress();
    return h;
  }

  async commit(sid: string, n: number): Promise<void> {
    const h = this.inProgress(sid, n);
    try {
      await afterCloseCallbacks();
      await h.driver.commitTransaction();
      h.status = 'COMMITTED';
    } catch (e) {
      await this.ended(h);
      throw engineErrorOf(e);
    }
  }

  async abort(sid: string, n: number): Promise<void> {
    const held = this.get(sid);
    if (held) await this.refresh(held);
    const h = this.inProgress(sid, n);
    h.status = 'ABORTED';
    try {
      await afterCloseCallbacks();
      await h.driver.abortTransaction();
    } catch (e) {
      throw engineErrorOf(e);
    }
  }

  async end(sid: string): Promise<void> {
    const h = this.held.get(sid);
    this.held.delete(sid);
    await h?.driver.endSession().catch(() => undefined);
  }

  /** The driver option of an operation in this session's transaction; throws when it is not in progress. */
  optionOf(opts: SessionOption | undefined, probe: Probe): { session?: ClientSession } {
    const s = opts?.session;
    if (!s || s.txnNumber === undefined) return {};
    const h = this.inProgress(s.id, s.txnNumber);
    h.probe ??= probe;
    return { session: h.driver };
  }

  /** A failed operation ends its transaction on the server: mirror that. */
  async failed(opts: SessionOption | undefined, e: unknown): Promise<void> {
    const s = opts?.session;
    const h = s && this.held.get(s.id);
    if (h && h.n === s.txnNumber && h.status === 'IN' && e instanceof EngineError) await this.ended(h);
  }

  async close(): Promise<void> {
    for (const h of this.held.values()) await h.driver.endSession().catch(() => undefined);
    this.held.clear();
  }
}

export class MongoSession implements Session {
  readonly id: string;
  readonly txnNumber: number | undefined;
  private readonly sessions: MongoSessions;

  constructor(sessions: MongoSessions, id: string, txnNumber?: number) {
    this.sessions = sessions;
    this.id = id;
    this.txnNumber = txnNumber;
  }

  async currentTransaction(): Promise<{ txnNumber: number; status: TransactionStatus } | null> {
    return this.sessions.current(this.id);
  }

  startTransaction(): Promise<number | null> {
    return this.sessions.start(this.id);
  }

  commitTransaction(txnNumber: number): Promise<void> {
    return this.sessions.commit(this.id, txnNumber);
  }

  abortTransaction(txnNumber: number): Promise<void> {
    return this.sessions.abort(this.id, txnNumber);
  }

  endSession(): Promise<void> {
    return this.sessions.end(this.id);
  }
}
