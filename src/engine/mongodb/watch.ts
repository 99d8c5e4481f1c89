// Change streams of the MongoDB engine: the driver's watch(), its events converted to the exact
// model. The driver's stream is read as an iterator so that `init` can tell when MongoDB accepted
// it (a standalone server refuses $changeStream; a resume point no longer in the oplog fails
// with ChangeStreamHistoryLost) before the first event arrives: the first answer with no event
// sets the stream's resume token from its postBatchResumeToken (`resumeTokenChanged`), which is
// sooner than the first tryNext, whose getMore waits up to a second for an event.
import { EventEmitter } from 'node:events';
import type { ChangeStream as DriverChangeStream } from 'mongodb';
import type { ChangeStream, ChangeStreamOptions } from '../types.ts';
import type { Document } from '../values.ts';
import { engineErrorOf, toExact } from './mapping.ts';

interface Watchable {
  watch(pipeline: Document[], options: Document): DriverChangeStream;
}

export class MongoChangeStream extends EventEmitter implements ChangeStream {
  resumeToken: unknown = null;
  closed = false;
  private readonly cs: DriverChangeStream;

  constructor(target: Watchable, pipeline: Document[] = [], opts: ChangeStreamOptions = {}) {
    super();
    const options: Document = {};
    if (opts.fullDocument) options.fullDocument = opts.fullDocument;
    if (opts.resumeAfter) options.resumeAfter = opts.resumeAfter;
    if (opts.startAfter) options.startAfter = opts.startAfter;
    this.cs = target.watch(pipeline, options);
    void this.pump();
  }

  private async pump(): Promise<void> {
    let opened = false;
    const open = () => {
      if (opened || this.closed) return;
      opened = true;
      this.emit('init');
    };
    this.cs.once('resumeTokenChanged', open);
    try {
      let change = await this.cs.tryNext();
      if (this.closed) return;
      open();
      for (;;) {
        if (change) {
          const exact = toExact(change as unknown as Document);
          this.resumeToken = toExact(this.cs.resumeToken);
          this.emit('change', exact);
          if (exact.operationType === 'invalidate') break;
        }
        if (this.closed) return;
        change = await this.cs.next();
      }
    } catch (e) {
      if (!this.closed) {
        const err = engineErrorOf(e);
        this.emit('error', err instanceof Error ? err : new Error(String(err)));
      }
    }
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cs.close().catch(() => undefined);
    this.emit('close');
  }
}
