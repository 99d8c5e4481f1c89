// Change streams of the embedded engine (watch()): one feed per process tails the change log
// (change-log.ts) and hands each new entry to the streams watching its namespace. This process's
// own commits are read once they are on disk (Store.onCommit), never earlier; other workers' commits are
// found by polling PRAGMA data_version (which moves only when another connection committed) while
// any stream is open. A stream resuming from a token first reads the log from there, a slice per
// event-loop turn, then joins the feed; sequence numbers keep it from seeing an entry twice.
import { EventEmitter } from 'node:events';
import { Aggregator } from 'mingo/aggregator';
import { BAD_VALUE, EngineError } from '../../errors.ts';
import { MONGO_CONTEXT, Query } from '../mingo-context.ts';
import type { ChangeStream, ChangeStreamOptions } from '../types.ts';
import { forMingo } from '../update-ops.ts';
import { fromView, isPlainObject, toView, type Document } from '../values.ts';
import { eventOf, seqOfToken, tokenOf, type ChangeLog, type ChangeRow } from './change-log.ts';
import { changeStreamMetrics } from '../../metrics/docrest-registry.ts';
import type { Store } from './store.ts';

const SLICE = 500;
// the stages MongoDB allows in a change stream's pipeline
const STAGES = new Set(['$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$redact']);

function badValue(message: string): EngineError {
  return new EngineError(BAD_VALUE, 'BadValue', message);
}

/** The pipeline as one function from an event to its output (undefined: filtered out). */
function compile(pipeline: Document[]): (ev: Document) => Document | undefined {
  for (const stage of pipeline) {
    const keys = isPlainObject(stage) ? Object.keys(stage) : [];
    if (keys.length !== 1) throw badValue('A pipeline stage specification object must contain exactly one field.');
    if (!STAGES.has(keys[0]!)) throw badValue(`${keys[0]} is not permitted in a $changeStream pipeline`);
  }
  if (pipeline.length === 0) return (ev) => ev;
  // only $match: the event itself, exact values kept
  if (pipeline.every((s) => '$match' in s)) {
    const queries = pipeline.map((s) => new Query(forMingo(s.$match) as Record<string, unknown>));
    return (ev) => {
      const view = toView(ev) as Document;
      return queries.every((q) => q.test(view)) ? ev : undefined;
    };
  }
  const aggregator = new Aggregator(forMingo(pipeline) as Document[], { context: MONGO_CONTEXT, scriptEnabled: false });
  return (ev) => {
    const out = aggregator.run([toView(ev) as Document])[0];
    return out === undefined ? undefined : (fromView(out) as Document);
  };
}

export class EmbeddedChangeStream extends EventEmitter implements ChangeStream {
  resumeToken: unknown = null;
  closed = false;
  /** the last log entry this stream has seen */
  pos = 0;
  readonly db: string;
  readonly coll: string | undefined;
  private readonly feed: ChangeFeed;
  private readonly apply: (ev: Document) => Document | undefined;
  private readonly updateLookup: boolean;

  constructor(feed: ChangeFeed, db: string, coll: string | undefined, pipeline: Document[], opts: ChangeStreamOptions) {
    super();
    this.feed = feed;
    this.db = db;
    this.coll = coll;
    this.updateLookup = opts.fullDocument === 'updateLookup';
    let apply: (ev: Document) => Document | undefined = () => undefined;
    let failure: unknown;
    try {
      apply = compile(pipeline);
    } catch (e) {
      failure = e;
    }
    this.apply = apply;
    const token = opts.startAfter ?? opts.resumeAfter;
    setImmediate(() => {
      if (this.closed) return;
      if (failure === undefined && token === undefined) this.pos = feed.join(this);
      else if (failure === undefined) {
        const seq = seqOfToken(token);
        if (seq === undefined) failure = badValue('invalid resume token');
        else {
          try {
            feed.log.checkResumable(seq);
            this.pos = seq;
          } catch (e) {
            failure = e;
          }
        }
      }
      if (failure !== undefined) return this.fail(failure);
      this.emit('init');
      if (token !== undefined) this.catchUp();
    });
  }

  /** Reads the log from the resume point, a slice per turn, until it reaches the feed. */
  private catchUp(): void {
    if (this.closed) return;
    let rows: ChangeRow[];
    try {
      rows = this.feed.read(this.pos);
    } catch (e) {
      return this.fail(e);
    }
    for (const row of rows) if (!this.closed) this.take(row);
    if (rows.length === SLICE) setImmediate(() => this.catchUp());
    else if (!this.closed) this.feed.join(this);
  }

  private fail(e: unknown): void {
    this.emit('error', e instanceof Error ? e : new Error(String(e)));
    void this.close();
  }

  /** A log entry, in commit order; ignored when seen already or of another namespace. */
  take(row: ChangeRow): void {
    if (row.seq <= this.pos) return;
    this.pos = row.seq;
    if (row.db !== this.db || (this.coll !== undefined && row.coll !== this.coll)) return;
    if (this.coll !== undefined && row.op === 'dropDatabase') return;
    let out: Document | undefined;
    try {
      out = this.apply(eventOf(row, this.updateLookup));
    } catch (e) {
      return this.fail(e);
    }
    if (out !== undefined) {
      this.resumeToken = tokenOf(row.seq);
      this.emit('change', out);
    }
    if (this.closed) return;
    const ends = this.coll !== undefined ? row.op === 'drop' : row.op === 'dropDatabase';
    if (ends) {
      this.resumeToken = tokenOf(row.seq);
      this.emit('change', { _id: tokenOf(row.seq), operationType: 'invalidate', wallTime: new Date(row.ts) });
      void this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.leave(this);
    this.emit('close');
  }
}

export class ChangeFeed {
  readonly log: ChangeLog;
  private readonly store: Store;
  private readonly streams = new Set<EmbeddedChangeStream>();
  private readonly dataVersion: { get(): unknown } | undefined;
  private readonly pollMs: number;
  private pos: number;
  /** the last entry known to be on disk: alone with the file, commits are acknowledged after an fsync (durability.ts) */
  private durableSeq: number;
  private readonly exclusive: boolean;
  private seenVersion: unknown;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private more = false;

  /** exclusive: no other process writes the file, so only this process's commits need reading */
  constructor(log: ChangeLog, store: Store, opts: { exclusive: boolean; pollMs: number }) {
    this.log = log;
    this.store = store;
    this.pollMs = opts.pollMs;
    this.pos = log.lastSeq();
    this.durableSeq = this.pos;
    this.exclusive = opts.exclusive;
    this.dataVersion = opts.exclusive ? undefined : store.sql.prepare('PRAGMA data_version').pluck();
  }

  /** Entries after `seq` that are on disk, a slice of them. */
  read(seq: number): ChangeRow[] {
    // with several workers every COMMIT is durable when it returns (synchronous=FULL)
    return this.log.read(seq, SLICE, this.exclusive ? this.durableSeq : Number.MAX_SAFE_INTEGER);
  }

  /** This process's commits up to entry `seq` are on disk: the streams get them. */
  durable(seq: number): void {
    if (seq > this.durableSeq) this.durableSeq = seq;
    this.poll();
  }

  watch(db: string, coll: string | undefined, pipeline: Document[] = [], opts: ChangeStreamOptions = {}): ChangeStream {
    return new EmbeddedChangeStream(this, db, coll, pipeline, opts);
  }

  /** The stream receives every entry after the feed's position; returns that position. */
  join(s: EmbeddedChangeStream): number {
    this.poll();
    this.streams.add(s);
    if (this.dataVersion && !this.timer) this.timer = setInterval(() => this.pollForeign(), this.pollMs).unref();
    return this.pos;
  }

  leave(s: EmbeddedChangeStream): void {
    this.streams.delete(s);
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private pollForeign(): void {
    const v = this.dataVersion!.get();
    if (v === this.seenVersion) return;
    this.seenVersion = v;
    this.poll();
  }

  /**
   * Hands the entries committed since the last call to the streams, a slice per event-loop turn;
   * after every commit of this process (never inside a write).
   */
  poll(): void {
    if (this.reading) return;
    if (this.streams.size === 0) {
      this.pos = this.exclusive ? this.durableSeq : this.log.lastSeq();
      return;
    }
    this.reading = true;
    let rows: ChangeRow[] = [];
    try {
      rows = this.read(this.pos);
      if (rows.length) changeStreamMetrics.eventsRead(rows.length);
      for (const row of rows) {
        this.pos = row.seq;
        for (const s of this.streams) s.take(row);
      }
    } finally {
      this.reading = false;
    }
    if (rows.length === SLICE && !this.more) {
      this.more = true;
      setImmediate(() => {
        this.more = false;
        this.poll();
      });
    }
  }

  close(): void {
    for (const s of [...this.streams]) void s.close();
    if (this.timer) clearInterval(this.timer);
  }
}
