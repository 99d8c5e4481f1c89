// Test harness: the real server on a random port with a fresh temp data directory, and a
// table-driven scenario runner (request → expected status, headers, body).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { start, type Running } from '../../src/app.ts';
import type { ServerOptions } from '../../src/http/server.ts';
import { applyCliArgs, loadConfig } from '../../src/config/load.ts';

export interface TestServer {
  url: string;
  dataDir: string;
  running: Running;
  close: () => Promise<void>;
}

export const ADMIN = `Basic ${Buffer.from('admin:secret').toString('base64')}`;

/** `services`/`interceptors`: registered programmatically, after the built-in ones */
type Extensions = Pick<ServerOptions, 'services' | 'interceptors'>;

export async function startServer(opts: { rho?: string; dataDir?: string } & Extensions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'docrest-test-'));
  const rho = ['/http-listener/host->"127.0.0.1"', opts.rho].filter(Boolean).join(';');
  const cfg = applyCliArgs(loadConfig({ rho, warn: () => {} }), { port: 0, dataDir });
  const running = await start(cfg, { logLevel: 'fatal', services: opts.services, interceptors: opts.interceptors });
  return {
    url: running.url,
    dataDir,
    running,
    close: async () => {
      await running.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates the collection at `path` and fills it with `count` documents, 5,000 a bulk POST. */
export async function bulkLoad(srv: { url: string }, path: string, count: number, make: (i: number) => Record<string, unknown>): Promise<void> {
  assert.equal((await call(srv, 'PUT', path)).status, 201);
  for (let i = 0; i < count; i += 5000) {
    const docs = Array.from({ length: Math.min(5000, count - i) }, (_, j) => make(i + j));
    assert.equal((await call(srv, 'POST', path, { body: docs })).status, 200);
  }
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: () => any;
}

export async function call(srv: { url: string }, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = { Authorization: ADMIN, ...opts.headers };
  let body: string | ReadableStream<Uint8Array> | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' || opts.body instanceof ReadableStream ? opts.body : JSON.stringify(opts.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  // a stream is sent chunked (no Content-Length)
  const res = await fetch(srv.url + path, { method, headers, body, redirect: 'manual', ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

export interface Scenario {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  /** exact header values; null = header must be absent; RegExp = must match */
  expectHeaders?: Record<string, string | RegExp | null>;
  /** deep-equal on the parsed JSON body; '' = empty body */
  expectBody?: unknown;
  /** subset of the parsed body that must match */
  expectBodyPartial?: Record<string, unknown>;
  check?: (r: Reply) => void | Promise<void>;
  /** a known gap: runs and reports, but does not fail the suite */
  todo?: string;
}

export function errorBody(status: number, description: string, message: string) {
  return { 'http status code': status, 'http status description': description, message };
}

/** A step of a table whose paths are known only when it runs (ids that earlier steps returned). */
export interface Step {
  name: string;
  method: string;
  path: () => string;
  body?: unknown;
  status: number;
  expectBody?: unknown;
  check?: (r: Reply, srv: TestServer) => void;
}

/**
 * Runs a step as a scenario. An expected error body is compared on the fields it names: engine
 * errors may add exception fields (API.md §3.6).
 */
export function checkStep(srv: TestServer, s: Step, headers?: Record<string, string>): Promise<Reply> {
  const isError = typeof s.expectBody === 'object' && s.expectBody !== null && 'http status code' in s.expectBody;
  return checkScenario(srv, {
    name: s.name, method: s.method, path: s.path(), body: s.body, status: s.status, headers, check: (r) => s.check?.(r, srv),
    ...(isError ? { expectBodyPartial: s.expectBody as Record<string, unknown> } : { expectBody: s.expectBody }),
  });
}

export async function checkScenario(srv: { url: string }, s: Scenario): Promise<Reply> {
  const r = await call(srv, s.method, s.path, { headers: s.headers, body: s.body });
  const where = `${s.method} ${s.path} → ${r.status} ${r.text.slice(0, 300)}`;
  assert.equal(r.status, s.status, where);
  for (const [h, v] of Object.entries(s.expectHeaders ?? {})) {
    const got = r.headers.get(h);
    if (v === null) assert.equal(got, null, `${h} must be absent: ${where}`);
    else if (v instanceof RegExp) assert.match(got ?? '', v, `${h}: ${where}`);
    else assert.equal(got, v, `${h}: ${where}`);
  }
  if (s.expectBody !== undefined) {
    if (s.expectBody === '') assert.equal(r.text, '', where);
    else assert.deepEqual(r.json(), s.expectBody, where);
  }
  if (s.expectBodyPartial) {
    const body = r.json();
    for (const [k, v] of Object.entries(s.expectBodyPartial)) assert.deepEqual(body[k], v, `${k}: ${where}`);
  }
  await s.check?.(r);
  return r;
}

/** Runs scenarios in order (later ones may rely on earlier writes) against one fresh server. */
export function scenarios(opts: { rho?: string; setup?: (srv: TestServer) => Promise<void> } & Extensions, list: Scenario[]): void {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: opts.rho, services: opts.services, interceptors: opts.interceptors });
    await opts.setup?.(srv);
  });
  after(async () => srv.close());
  for (const s of list) test(s.name, { todo: s.todo }, async () => { await checkScenario(srv, s); });
}

export interface ChildServer {
  url: string;
  child: ChildProcess;
}

/**
 * The URL the child logs when it listens (stdout, log level INFO); stdout is read to its end. The
 * port is the system's choice at bind time: a port found free beforehand could be taken, before the
 * child binds it, by a connection of a test running beside this one.
 */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let said = '';
    let found = false;
    // a start on a loaded machine (CI, parallel suites) has taken over 10 s
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${said}`));
    }, 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (found) return;
      said += chunk.toString();
      const m = /listening on (http:\/\/[^ ,]+)/.exec(said);
      if (!m) return;
      found = true;
      clearTimeout(timer);
      resolve(m[1]!);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`docrest exited (${code}) before listening: ${said}`));
    });
  });
}

/**
 * The real server in a child process (`node src/cli.ts`): a test can kill it, and time out a
 * request that would freeze an in-process server together with the test itself. `port`: only to
 * start again where a killed one listened.
 */
export async function spawnServer(opts: { dataDir: string; port?: number; rho?: string }): Promise<ChildServer> {
  const rho = ['/http-listener/host->"127.0.0.1"', '/logging/log-level->"INFO"', opts.rho].filter(Boolean).join(';');
  const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [cli, '--port', String(opts.port ?? 0), '--data-dir', opts.dataDir], {
    env: { ...process.env, RHO: rho }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  return { url: await listeningUrl(child), child };
}

/**
 * The real server with `--workers n` in a child process, once its primary says every worker
 * listens (a start under load can take many seconds).
 */
export async function spawnWorkers(opts: { dataDir: string; workers: number; port?: number; rho?: string }): Promise<ChildServer> {
  const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [cli, '--port', String(opts.port ?? 0), '--data-dir', opts.dataDir, '--workers', String(opts.workers)], {
    env: { ...process.env, RHO: ['/http-listener/host->"127.0.0.1";/logging/log-level->"INFO"', opts.rho].filter(Boolean).join(';') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listening = listeningUrl(child);
  await new Promise<void>((resolve, reject) => {
    let said = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes(`all ${opts.workers} workers listening`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`docrest exited (${code}) before its workers listened: ${said}`)));
  });
  return { url: await listening, child };
}
