// The wire shim's change streams: an aggregate whose first stage is $changeStream opens the
// embedded engine's watch() on the collection (or, `aggregate: 1`, the database) and answers once
// the stream is established (its resume point checked, its pipeline accepted) or with its error;
// its events are queued under a cursor id and handed out by getMore, which waits for one up to
// maxTimeMS (mongod's default for an awaitData cursor: 1 s). Every batch carries a
// postBatchResumeToken: the last event handed out, or, once the queue is empty, the stream's
// position in the change log (past events its pipeline filtered out, as mongod's).
import { Long } from 'bson';
import { EmbeddedChangeStream } from '../../../src/engine/embedded/change-feed.ts';
import { tokenOf } from '../../../src/engine/embedded/change-log.ts';
import type { ChangeStream, ChangeStreamOptions, Database } from '../../../src/engine/types.ts';
import { isPlainObject, type Document } from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';
import { num } from './commands.ts';

const AWAIT_DATA_MS = 1000;
const CURSOR_NOT_FOUND = 43;

class StreamCursor {
  readonly ns: string;
  readonly stream: ChangeStream;
  private readonly queue: Array<{ event: Document; token: unknown }> = [];
  private failure: unknown;
  private wake: (() => void) | undefined;
  private lastToken: unknown;

  constructor(ns: string, stream: ChangeStream, start: unknown) {
    this.ns = ns;
    this.stream = stream;
    this.lastToken = start;
    stream.on('change', (event) => {
      this.queue.push({ event, token: stream.resumeToken });
      this.wake?.();
    });
    stream.on('error', (e) => {
      this.failure = e;
      this.wake?.();
    });
    stream.on('close', () => this.wake?.());
  }

  /** Resolves once the stream is established; rejects with its error. */
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.on('init', resolve);
      this.stream.on('error', reject);
    });
  }

  /** Up to `size` events, waiting up to `waitMs` for the first; `done` when the stream ended. */
  async batch(size: number, waitMs: number): Promise<{ events: Document[]; done: boolean; token: unknown }> {
    if (this.queue.length === 0 && this.failure === undefined && !this.stream.closed && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
    if (this.queue.length === 0 && this.failure !== undefined) throw this.failure;
    const taken = this.queue.splice(0, size > 0 ? size : this.queue.length);
    if (taken.length) this.lastToken = taken.at(-1)!.token;
    const s = this.stream;
    const token = this.queue.length === 0 && s instanceof EmbeddedChangeStream ? tokenOf(s.pos) : this.lastToken;
    // a failure after these events is the next getMore's answer
    return { events: taken.map((t) => t.event), done: this.queue.length === 0 && s.closed && this.failure === undefined, token };
  }
}

export class WireCursors {
  private readonly open = new Map<bigint, StreamCursor>();
  private nextId = 1n;

  /** aggregate [{$changeStream: {...}}, ...pipeline] on a collection (coll undefined: the database). */
  async changeStream(db: Database, coll: string | undefined, ns: string, pipeline: Document[], batchSize: number): Promise<Document> {
    const spec = pipeline[0]!.$changeStream;
    if (!isPlainObject(spec)) throw new EngineError(50808, 'Location50808', '$changeStream stage expects a document as argument');
    if (spec.allChangesForCluster) throw new EngineError(115, 'CommandNotSupported', 'the wire shim has no cluster-wide change streams');
    const opts: ChangeStreamOptions = {};
    if (spec.fullDocument === 'updateLookup') opts.fullDocument = 'updateLookup';
    if (isPlainObject(spec.resumeAfter)) opts.resumeAfter = spec.resumeAfter;
    if (isPlainObject(spec.startAfter)) opts.startAfter = spec.startAfter;
    if (spec.startAtOperationTime !== undefined) throw new EngineError(115, 'CommandNotSupported', 'the wire shim has no operation times (startAtOperationTime)');
    const rest = pipeline.slice(1);
    const stream = coll === undefined ? db.watch(rest, opts) : db.collection(coll).watch(rest, opts);
    const cursor = new StreamCursor(ns, stream, opts.startAfter ?? opts.resumeAfter);
    await cursor.opened();
    const id = this.nextId++;
    this.open.set(id, cursor);
    return this.reply(id, cursor, 'firstBatch', batchSize, 0);
  }

  async getMore(body: Document): Promise<Document> {
    const id = BigInt(String(body.getMore));
    const cursor = this.open.get(id);
    if (!cursor) throw new EngineError(CURSOR_NOT_FOUND, 'CursorNotFound', `cursor id ${id} not found`);
    try {
      return await this.reply(id, cursor, 'nextBatch', num(body.batchSize), body.maxTimeMS === undefined ? AWAIT_DATA_MS : num(body.maxTimeMS));
    } catch (e) {
      this.open.delete(id);
      await cursor.stream.close();
      throw e;
    }
  }

  private async reply(id: bigint, cursor: StreamCursor, key: string, size: number, waitMs: number): Promise<Document> {
    const { events, done, token } = await cursor.batch(size, waitMs);
    if (done) {
      this.open.delete(id);
      await cursor.stream.close();
    }
    const out: Document = { id: Long.fromBigInt(done ? 0n : id), ns: cursor.ns, [key]: events };
    if (token !== undefined) out.postBatchResumeToken = token;
    return { cursor: out };
  }

  async kill(ids: unknown[]): Promise<Document> {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of ids) {
      const id = BigInt(String(raw));
      const cursor = this.open.get(id);
      (cursor ? killed : notFound).push(Long.fromBigInt(id));
      this.open.delete(id);
      await cursor?.stream.close();
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
  }

  async closeAll(): Promise<void> {
    for (const c of this.open.values()) await c.stream.close();
    this.open.clear();
  }
}
