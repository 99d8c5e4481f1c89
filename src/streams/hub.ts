// Shared change streams (API.md §12): one engine change stream per (collection, stream uri,
// resolved stages, jsonMode), its events rendered once and fanned out to every WebSocket and SSE
// client on it; a client resuming from a Last-Event-ID gets a stream of its own. notify_when
// clients are grouped by their bound value, so an event costs one lookup, not one per client.
// A shared stream ends — closing its clients with the reason — when the engine invalidates it
// (collection or database dropped), when the stream's definition in the collection metadata
// changes or goes, when it fails, or when its last client leaves.
import type { ChangeStream, Engine } from '../engine/types.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import { renderJson, type JsonMode } from '../json/render.ts';
import { PROPS_COLL, collPropsId, collProps } from '../api/meta.ts';
import { CLOSE, type CloseReason, type PreparedEvent, type StreamClient } from './clients.ts';
import { notifyValue, streamsOf, type NotifyWhen, type StreamDef } from './definitions.ts';

export interface StreamSpec {
  db: string;
  coll: string;
  def: StreamDef;
  /** the definition's stages, variables bound */
  stages: Document[];
  jsonMode: JsonMode;
  resumeAfter?: Document;
}

/** What a client receives of an event (RESTHeart's order; absent keys when null). */
function payloadOf(change: Document): Document {
  const out: Document = {};
  if (change.fullDocument !== undefined && change.fullDocument !== null) out.fullDocument = change.fullDocument;
  if (change.documentKey !== undefined && change.documentKey !== null) out.documentKey = change.documentKey;
  const ud = change.updateDescription;
  if (isPlainObject(ud)) out.updateDescription = { updatedFields: ud.updatedFields ?? null, removedFields: ud.removedFields ?? [] };
  if (change.operationType !== undefined) out.operationType = change.operationType;
  return out;
}

const definitionKey = (d: StreamDef | undefined) => (d ? renderJson(d, 'extended') : '');

export class SharedStream {
  readonly spec: StreamSpec;
  private readonly stream: ChangeStream;
  private meta: ChangeStream | undefined;
  private readonly hub: StreamHub;
  private readonly nw: NotifyWhen | undefined;
  /** clients without a bound notify_when value (all of them when there is no notify_when) */
  private readonly everyone = new Set<StreamClient>();
  private readonly byValue = new Map<string, Set<StreamClient>>();
  /** clients plus handlers about to attach one */
  private refs = 1;
  private ended: CloseReason | undefined;
  readonly key: string | undefined;
  /** a resuming client's stream: the events read from the log before the client is attached */
  private backlog: PreparedEvent[] | undefined;

  constructor(hub: StreamHub, engine: Engine, spec: StreamSpec, key: string | undefined) {
    this.hub = hub;
    this.spec = spec;
    this.key = key;
    this.nw = spec.def.notifyWhen;
    if (key === undefined) this.backlog = [];
    const opts = spec.resumeAfter ? { fullDocument: 'updateLookup' as const, startAfter: spec.resumeAfter } : { fullDocument: 'updateLookup' as const };
    this.stream = engine.db(spec.db).collection(spec.coll).watch(spec.stages, opts);
    this.stream.on('change', (c) => this.fanOut(c));
    this.stream.on('error', (e) => this.end(CLOSE.failed(e.message)));
    this.stream.on('close', () => this.end(CLOSE.invalidated));
  }

  /** Resolves once the engine accepted the stream; rejects with its error. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.on('init', resolve);
      this.stream.on('error', reject);
    });
  }

  /** Closes every client when the stream's definition changes (a change to the collection's metadata document). */
  watchDefinition(engine: Engine): void {
    const { db, coll, def } = this.spec;
    const original = definitionKey(def);
    this.meta = engine.db(db).collection(PROPS_COLL).watch([{ $match: { 'documentKey._id': collPropsId(coll) } }]);
    this.meta.on('change', () => {
      collProps(engine, db, coll)
        .then((props) => definitionKey(streamsOf(props).find((d) => d.uri === def.uri)))
        .catch(() => '')
        .then((now) => {
          if (now !== original) this.end(CLOSE.redefined);
        });
    });
    this.meta.on('error', () => undefined);
  }

  private fanOut(change: Document): void {
    if (this.ended) return;
    const payload = payloadOf(change);
    const ev: PreparedEvent = {
      payload: Buffer.from(renderJson(payload, this.spec.jsonMode)),
      id: renderJson(this.stream.resumeToken, 'relaxed'),
    };
    if (this.backlog) {
      this.backlog.push(ev);
      return;
    }
    for (const c of this.everyone) c.deliver(ev);
    if (!this.nw || this.byValue.size === 0) return;
    const v = notifyValue(this.nw, payload);
    // RESTHeart matches string values, and string elements of an array
    const values = typeof v === 'string' ? [v] : Array.isArray(v) ? [...new Set(v.filter((x) => typeof x === 'string'))] : [];
    for (const x of values) for (const c of this.byValue.get(x) ?? []) c.deliver(ev);
  }

  /** Another handler is about to attach a client. */
  retain(): boolean {
    if (this.ended) return false;
    this.refs++;
    return true;
  }

  /** Attaches a client retained for; it leaves when its connection goes. */
  attach(c: StreamClient): void {
    if (this.ended) {
      c.close(this.ended);
      this.release();
      return;
    }
    const group = c.bound === undefined || !this.nw ? this.everyone
      : (this.byValue.get(c.bound) ?? this.byValue.set(c.bound, new Set()).get(c.bound)!);
    group.add(c);
    if (this.backlog) {
      const backlog = this.backlog;
      this.backlog = undefined;
      for (const ev of backlog) c.deliver(ev);
    }
    c.onGone(() => {
      group.delete(c);
      if (c.bound !== undefined && group !== this.everyone && group.size === 0) this.byValue.delete(c.bound);
      this.release();
    });
  }

  release(): void {
    if (--this.refs <= 0) this.end(undefined);
  }

  /** clients not told to close */
  get clients(): number {
    let n = 0;
    this.forEachClient((c) => {
      if (!c.closing) n++;
    });
    return n;
  }

  forEachClient(fn: (c: StreamClient) => void): void {
    for (const c of this.everyone) fn(c);
    for (const g of this.byValue.values()) for (const c of g) fn(c);
  }

  /** Ends the stream; its clients are closed with `why` (none left when undefined). */
  end(why: CloseReason | undefined): void {
    if (this.ended) return;
    this.ended = why ?? CLOSE.shutdown;
    this.hub.forget(this);
    void this.stream.close();
    void this.meta?.close();
    if (why) this.forEachClient((c) => c.close(why));
  }
}

export class StreamHub {
  private readonly engine: Engine;
  private readonly shared = new Map<string, Promise<SharedStream>>();
  private readonly owners = new Map<string, SharedStream>();
  private readonly all = new Set<SharedStream>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(engine: Engine, heartbeatMs: number) {
    this.engine = engine;
    this.heartbeat = setInterval(() => {
      for (const s of this.all) s.forEachClient((c) => c.heartbeat());
    }, heartbeatMs).unref();
  }

  /**
   * The shared stream for the spec, retained for one client (attach it, or release it); a new one
   * when resuming. Rejects with the engine's error when the stream cannot be opened.
   */
  async open(spec: StreamSpec): Promise<SharedStream> {
    const key = spec.resumeAfter ? undefined : [spec.db, spec.coll, spec.def.uri, renderJson(spec.stages, 'extended'), spec.jsonMode].join('\u0000');
    if (key !== undefined) {
      const existing = this.shared.get(key);
      if (existing) {
        const s = await existing;
        if (s.retain()) return s;
      }
    }
    const s = new SharedStream(this, this.engine, spec, key);
    const ready = s.ready().then(() => s);
    if (key !== undefined) {
      this.shared.set(key, ready);
      this.owners.set(key, s);
    }
    this.all.add(s);
    try {
      await ready;
    } catch (e) {
      s.end(undefined);
      throw e;
    }
    s.watchDefinition(this.engine);
    return s;
  }

  forget(s: SharedStream): void {
    this.all.delete(s);
    if (s.key !== undefined && this.owners.get(s.key) === s) {
      this.shared.delete(s.key);
      this.owners.delete(s.key);
    }
  }

  /** Clients on every stream not told to close, for tests and metrics. */
  get clients(): number {
    let n = 0;
    for (const s of this.all) n += s.clients;
    return n;
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const s of [...this.all]) s.end(CLOSE.shutdown);
  }
}
