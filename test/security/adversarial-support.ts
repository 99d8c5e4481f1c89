// The adversarial suites' runner: each probe is an attack and its control. The attack must be
// refused (or neutralised) and must leave the stored data as it was; then the control — the same
// kind of request on data the caller may touch — must succeed, so that no refusal passes by
// accident (a wrong path, a missing permission, a malformed body...).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { send, startServer, type Reply, type TestServer } from './http-support.ts';

export const q = (o: unknown) => encodeURIComponent(JSON.stringify(o));

export interface Req {
  method: string;
  path: string;
  /** Authorization header; null = none, undefined = admin */
  auth?: string | null;
  body?: unknown;
  /** may be computed at run time, e.g. an If-Match from the stored document */
  headers?: Record<string, string> | ((srv: TestServer) => Promise<Record<string, string>>);
  raw?: boolean;
}

export interface Expect {
  status: number | number[];
  check?: (r: Reply, srv: TestServer) => void | Promise<void>;
}

export interface Probe {
  name: string;
  /** requests that set the stage (each must answer 2xx) */
  prepare?: Req[];
  attack: Req & Expect;
  /** default: every watched collection is exactly as before the attack */
  state?: 'unchanged' | ((srv: TestServer) => Promise<void>);
  control: Req & Expect;
}

/** Grey-box: all documents of a collection of database restheart, as stored. */
export async function stored(srv: TestServer, coll: string): Promise<Array<Record<string, unknown>>> {
  return srv.running.engine.db('restheart').collection(coll).find({}, { sort: [['_id', 1]] }) as Promise<Array<Record<string, unknown>>>;
}

export async function storedDoc(srv: TestServer, coll: string, id: unknown): Promise<Record<string, any> | null> {
  return srv.running.engine.db('restheart').collection(coll).findOne({ _id: id }) as Promise<Record<string, any> | null>;
}

async function request(srv: TestServer, r: Req): Promise<Reply> {
  const headers = typeof r.headers === 'function' ? await r.headers(srv) : r.headers;
  return send(srv, r.method, r.path, { auth: r.auth, body: r.body, headers, raw: r.raw });
}

async function expectReply(srv: TestServer, what: string, r: Req & Expect): Promise<Reply> {
  const reply = await request(srv, r);
  const where = `${what}: ${r.method} ${r.path} → ${reply.status} ${reply.text.slice(0, 300)}`;
  const ok = Array.isArray(r.status) ? r.status.includes(reply.status) : reply.status === r.status;
  assert.ok(ok, `expected ${String(r.status)}; ${where}`);
  await r.check?.(reply, srv);
  return reply;
}

export async function runProbe(srv: TestServer, p: Probe, watched: string[]): Promise<void> {
  for (const r of p.prepare ?? []) {
    const reply = await request(srv, r);
    assert.ok(reply.status >= 200 && reply.status < 300, `prepare ${r.method} ${r.path} → ${reply.status} ${reply.text}`);
  }
  const snapshot = await Promise.all(watched.map((c) => stored(srv, c)));
  await expectReply(srv, 'attack', p.attack);
  if (typeof p.state === 'function') await p.state(srv);
  else assert.deepEqual(await Promise.all(watched.map((c) => stored(srv, c))), snapshot, `the attack changed stored data: ${p.attack.method} ${p.attack.path}`);
  await expectReply(srv, 'control', p.control);
}

/** Registers the probes, in order, against one fresh server; `watched` collections must not change on an attack. */
export function probes(opts: { rho?: string; setup: (srv: TestServer) => Promise<void>; watched: string[] }, list: Probe[]): { srv: () => TestServer } {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: opts.rho });
    await opts.setup(srv);
  });
  after(async () => srv.close());
  for (const p of list) test(p.name, async () => runProbe(srv, p, opts.watched));
  return { srv: () => srv };
}
