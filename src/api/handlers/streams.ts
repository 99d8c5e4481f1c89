// CHANGE_STREAM: GET /{db}/{coll}/_streams/{uri} (API.md §12) over WebSocket or SSE. Checked in
// RESTHeart's order — the collection, the definition (404), the transport (400), avars and the
// stage variables (400), pipeline security (403) — then the shared stream is opened (its errors
// answered before anything is streamed) and the connection taken over: upgraded to a WebSocket,
// or kept open as an event stream. Authentication, the ACL and the originVetoer ran before, as on
// any request; CORS headers are already on the SSE response.
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocketServer } from 'ws';
import { EngineError, HttpError, badRequest, forbidden, notFound } from '../../errors.ts';
import type { Engine } from '../../engine/types.ts';
import { isPlainObject, type Document } from '../../engine/values.ts';
import { httpErrorOfEngineError } from '../../http/engine-errors.ts';
import type { TakeoverResponse } from '../../http/response.ts';
import { parseJson } from '../../json/parse.ts';
import type { AggregationSecurity, Settings } from '../../settings.ts';
import { SseClient, WsClient } from '../../streams/clients.ts';
import { streamsOf } from '../../streams/definitions.ts';
import { StreamHub, type SharedStream } from '../../streams/hub.ts';
import { PipelineGuard } from '../aggr-security.ts';
import { interpolate, parseAvars, predefinedVariables } from '../aggr-variables.ts';
import type { MongoRequest } from '../context.ts';
import { collProps, requireColl } from '../meta.ts';

const NEITHER = "Change Stream requires WebSocket or SSE — send either 'Upgrade: websocket' or 'Accept: text/event-stream'";
// MongoDB's error for a $changeStream on a standalone server
const STANDALONE = 40573;
// …and of a server that does not know the $changeStream stage at all
const UNKNOWN_STAGE = 40324;

const hubs = new WeakMap<Settings, StreamHub>();
const guards = new WeakMap<AggregationSecurity, PipelineGuard>();
// the handshake only: the server that accepted the request owns the sockets
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

function hubOf(settings: Settings, engine: Engine): StreamHub {
  let h = hubs.get(settings);
  if (!h) hubs.set(settings, (h = new StreamHub(engine, settings.changeStreams.heartbeatMs)));
  return h;
}

/** Ends every stream of the server with these settings (before its listeners close). */
export function closeStreams(settings: Settings): void {
  hubs.get(settings)?.close();
  hubs.delete(settings);
}

/** Clients connected to the server's streams and not told to close (tests, metrics). */
export function streamClients(settings: Settings): number {
  return hubs.get(settings)?.clients ?? 0;
}

function isWebSocket(h: IncomingHttpHeaders): boolean {
  return /\bupgrade\b/i.test(String(h.connection ?? '')) && /\bwebsocket\b/i.test(String(h.upgrade ?? ''));
}

function guardOf(s: AggregationSecurity): PipelineGuard {
  let g = guards.get(s);
  if (!g) guards.set(s, (g = new PipelineGuard(s)));
  return g;
}

/** The SSE Last-Event-ID: the JSON of a resume token (400 when it is not one). */
function resumeToken(raw: string | string[] | undefined): Document | undefined {
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || text.trim() === '') return undefined;
  let token: unknown;
  try {
    token = parseJson(text);
  } catch {
    token = undefined;
  }
  if (!isPlainObject(token)) throw badRequest(`invalid Last-Event-ID, it is not a resume token: ${text.slice(0, 200)}`);
  return token;
}

function openError(e: unknown): unknown {
  if (!(e instanceof EngineError)) return e;
  if (e.code === 286 || e.codeName === 'ChangeStreamHistoryLost') {
    return badRequest(e.message, { extra: { exception: 'EngineError', 'exception message': { code: e.code, codeName: e.codeName, errmsg: e.message } } });
  }
  // a server without change streams (API.md §12: a replica set is required), as sessions on one answer (§11)
  if (e.code === STANDALONE || (e.code === UNKNOWN_STAGE && e.message.includes('$changeStream'))) return new HttpError(502, e.message);
  return httpErrorOfEngineError(e);
}

export async function getChangeStream(req: MongoRequest): Promise<TakeoverResponse> {
  const { db, coll, name } = req.resource;
  await requireColl(req);
  const def = streamsOf(await collProps(req.engine, db!, coll!)).find((d) => d.uri === name);
  if (!def) throw notFound('Change Stream does not exist');
  const ws = isWebSocket(req.headers);
  if (!ws && !String(req.headers.accept ?? '').includes('text/event-stream')) throw badRequest(NEITHER);
  const stages = interpolate(def.stages, { ...parseAvars(req), ...predefinedVariables(req) });
  try {
    guardOf(req.settings.aggregationSecurity).check(stages, db!);
  } catch (e) {
    if (e instanceof HttpError && e.status === 403) throw forbidden(`Cannot open change stream: ${e.message}`);
    throw e;
  }
  const nw = def.notifyWhen;
  const bound = nw ? (req.params.raw.get(nw.param) ?? undefined) : undefined;
  // RESTHeart: Last-Event-ID is ignored when notify_when is defined
  const resumeAfter = ws || nw ? undefined : resumeToken(req.headers['last-event-id']);
  const hub = hubOf(req.settings, req.engine);
  let shared: SharedStream;
  try {
    shared = await hub.open({ db: db!, coll: coll!, def, stages, jsonMode: req.params.jsonMode, resumeAfter });
  } catch (e) {
    throw openError(e);
  }
  const limit = req.settings.changeStreams.clientBufferBytes;
  return {
    kind: 'takeover',
    run(t) {
      if (t.upgrade) {
        let attached = false;
        t.socket.once('close', () => attached || shared.release());
        wss.handleUpgrade(t.req, t.socket, t.head ?? Buffer.alloc(0), (socket) => {
          attached = true;
          shared.attach(new WsClient(socket, t.socket, limit, bound));
        });
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'text/event-stream; charset=UTF-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
      // HTTP/2 forbids connection headers
      if (t.req.httpVersionMajor < 2) headers.connection = 'keep-alive';
      t.res.writeHead(200, headers);
      // the headers go out now: EventSource reports the connection open before the first event
      t.res.flushHeaders();
      shared.attach(new SseClient(t.res, limit, bound));
    },
  };
}
