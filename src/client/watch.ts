// Change streams (API.md §12) over SSE, read with fetch so that the client's own authentication
// goes with the request (EventSource cannot send an Authorization header). The stream resumes by
// itself after a dropped connection, a server restart or a redefinition, from the last event it
// delivered (Last-Event-ID): no event is missed or repeated. It ends when the collection or
// database is dropped, and fails when the stream cannot be opened (404, 403, 400: a DocrestError).
import type { Document } from './collection.ts';
import { DocrestError } from './errors.ts';
import type { QueryValue, Transport } from './http.ts';

export interface ChangeEvent<T = Document> {
  operationType: 'insert' | 'update' | 'replace' | 'delete' | 'drop' | 'rename' | 'dropDatabase' | 'invalidate' | string;
  fullDocument?: T;
  documentKey?: { _id: unknown };
  updateDescription?: { updatedFields: Document; removedFields: string[]; truncatedArrays?: unknown[] };
  [field: string]: unknown;
}

export interface WatchOptions {
  /** the stream's variables ($var) */
  avars?: Document;
  /** more query parameters, e.g. the one a notify_when names */
  params?: Record<string, string>;
  /** start after this event (the `resumeToken` of an earlier stream) */
  resumeAfter?: string;
  /** first wait before reconnecting, doubled up to maxRetryDelayMs (default 1 s, 30 s) */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  signal?: AbortSignal;
}

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** SSE frames of a body (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let ev: { id?: string; event?: string; data: string[] } = { data: [] };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (ev.data.length) yield { id: ev.id, event: ev.event ?? 'message', data: ev.data.join('\n') };
        ev = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') ev.data.push(value);
      else if (field === 'id') ev.id = value;
      else if (field === 'event') ev.event = value;
    }
  }
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => {
    clearTimeout(t);
    resolve();
  }, { once: true });
});

/** Statuses worth retrying: the server or a proxy in the way, not the request. */
const transient = (e: unknown) => !(e instanceof DocrestError) || e.status >= 500 || e.status === 408 || e.status === 429;

export class ChangeStream<T = Document> implements AsyncIterable<ChangeEvent<T>> {
  /** the last delivered event's id: give it as `resumeAfter` to continue in another stream */
  resumeToken: string | undefined;
  private readonly http: Transport;
  private readonly path: string;
  private readonly query: Record<string, QueryValue>;
  private readonly o: WatchOptions;
  private readonly abort = new AbortController();
  private started = false;
  private pending: Promise<Response> | undefined;

  constructor(http: Transport, path: string, query: Record<string, QueryValue>, o: WatchOptions) {
    this.http = http;
    this.path = path;
    this.query = query;
    this.o = o;
    this.resumeToken = o.resumeAfter;
    o.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Stops the stream; a pending iteration ends. */
  close(): void {
    this.abort.abort();
  }

  /**
   * Opens the connection now (else the first iteration does) and resolves once the server streams:
   * every change made after that is delivered. Rejects as the iteration would (a DocrestError).
   */
  async opened(): Promise<void> {
    this.pending ??= this.open();
    await this.pending;
  }

  [Symbol.asyncIterator](): AsyncIterator<ChangeEvent<T>> {
    if (this.started) throw new TypeError('a change stream is iterated once');
    this.started = true;
    return this.events();
  }

  private open(): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (this.resumeToken !== undefined) headers['Last-Event-ID'] = this.resumeToken;
    return this.http.raw('GET', this.path, { query: this.query, headers, signal: this.abort.signal });
  }

  private async *events(): AsyncGenerator<ChangeEvent<T>> {
    const first = this.o.retryDelayMs ?? 1000;
    let delay = first;
    try {
      while (!this.closed) {
        let res: Response | undefined;
        try {
          const pending = this.pending ?? this.open();
          this.pending = undefined;
          res = await pending;
        } catch (e) {
          if (this.closed) return;
          if (!transient(e)) throw e;
        }
        if (res?.body) {
          try {
            for await (const ev of sseEvents(res.body)) {
              delay = first;
              if (ev.event === 'close') {
                // dropped collection or database: nothing more will come
                if (/invalidated/.test(ev.data)) return;
                continue;
              }
              if (ev.event !== 'change') continue;
              if (ev.id !== undefined) this.resumeToken = ev.id;
              yield this.http.codec.parse(ev.data) as ChangeEvent<T>;
            }
          } catch (e) {
            if (this.closed) return;
            if (!transient(e)) throw e;
          }
        }
        if (this.closed) return;
        await sleep(delay, this.abort.signal);
        delay = Math.min(delay * 2, this.o.maxRetryDelayMs ?? 30_000);
      }
    } finally {
      this.close();
    }
  }
}
