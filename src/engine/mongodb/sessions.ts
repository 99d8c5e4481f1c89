// Sessions of the MongoDB engine: the driver's ClientSession, one per HTTP session id, held by
// this process. MongoDB itself keeps the transaction (its writes, snapshot, conflicts and
// transactionLifetimeLimitSeconds); this registry only maps an id and a transaction number to
// the driver session that runs it. A standalone server refuses transactions: the driver's error
// surfaces (API.md §11: 502).
import type { ClientSession, MongoClient } from 'mongodb';
import { EngineError } from '../../errors.ts';
import type { Session, SessionOption, TransactionStatus } from '../types.ts';
import { engineErrorOf } from './mapping.ts';

const NO_SUCH_TRANSACTION = 251;
// MongoDB's logical session timeout: an idle session is forgotten after it
const IDLE_MS = 30 * 60_000;

interface Held {
  driver: ClientSession;
  n: number;
  status: TransactionStatus;
  used: number;
}

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

  current(sid: string): { txnNumber: number; status: TransactionStatus } | null {
    const h = this.get(sid);
    return h && h.n > 0 ? { txnNumber: h.n, status: h.status } : null;
  }

  async start(sid: string): Promise<number | null> {
    let h = this.get(sid);
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
      await h.driver.commitTransaction();
      h.status = 'COMMITTED';
    } catch (e) {
      h.status = 'ABORTED';
      await h.driver.abortTransaction().catch(() => undefined);
      throw engineErrorOf(e);
    }
  }

  async abort(sid: string, n: number): Promise<void> {
    const h = this.inProgress(sid, n);
    h.status = 'ABORTED';
    try {
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
  optionOf(opts: SessionOption | undefined): { session?: ClientSession } {
    const s = opts?.session;
    if (!s || s.txnNumber === undefined) return {};
    return { session: this.inProgress(s.id, s.txnNumber).driver };
  }

  /** A failed operation ends its transaction on the server: mirror that. */
  failed(opts: SessionOption | undefined, e: unknown): void {
    const s = opts?.session;
    const h = s && this.held.get(s.id);
    if (h && h.n === s.txnNumber && h.status === 'IN' && e instanceof EngineError) h.status = 'ABORTED';
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
