// One worker per core (docrest.workers / --workers): the primary bootstraps the data once, then
// forks workers that share the listening port (node:cluster) and the data directory (SQLite WAL:
// concurrent readers, one writer at a time, busy timeout). Workers that die are replaced; when
// workers keep failing before they listen, the server stops with exit code 1.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { prepareData } from './app.ts';
import { getString, section, type Config } from './config/load.ts';
import { planListeners, probeListeners } from './http/listeners.ts';
import { relayMetrics } from './metrics/cluster-relay.ts';

const SHARED_KEY_ENV = 'DOCREST_SHARED_JWT_KEY';

export function isWorker(): boolean {
  return cluster.isWorker;
}

/**
 * In a worker: the JWT key the primary generated when none is configured, so that a token issued
 * by one worker is accepted by all of them.
 */
export function adoptSharedKey(cfg: Config): void {
  const key = process.env[SHARED_KEY_ENV];
  if (!key) return;
  const provider = (cfg.raw.jwtConfigProvider ??= {}) as Record<string, unknown>;
  provider.key = key;
}

const LISTENING = 'docrest:listening';
/** workers in a row that die before listening: a cause that is not transient */
const MAX_START_FAILURES = 3;

/** In a worker: tells the primary that this worker serves requests. */
export function reportListening(): void {
  process.send?.(LISTENING);
}

export async function runPrimary(cfg: Config, workers: number, log: (m: string) => void): Promise<void> {
  // the listeners' errors once, here, rather than from every worker
  await probeListeners(planListeners(cfg, log));
  await prepareData(cfg, log);
  const env: Record<string, string> = {};
  if (getString(section(cfg, 'jwtConfigProvider'), 'key', null) === null) env[SHARED_KEY_ENV] = randomBytes(32).toString('hex');
  let stopping = false;
  const listening = new Set<number>();
  let ready = false;
  let startFailures = 0;
  for (let i = 0; i < workers; i++) cluster.fork(env);
  // /metrics in any worker shows the figures of all of them
  relayMetrics();
  cluster.on('message', (worker, msg) => {
    if (msg !== LISTENING) return;
    listening.add(worker.id);
    startFailures = 0;
    // said once: scripts and tests wait for it instead of guessing how long a start takes
    if (listening.size === workers && !ready) {
      ready = true;
      log(`all ${workers} workers listening`);
    }
  });
  const stop = (exitCode: number) => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    setTimeout(() => process.exit(exitCode), 3000).unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    // the worker printed why
    if (!listening.has(worker.id) && ++startFailures >= MAX_START_FAILURES) return stop(1);
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
    cluster.fork(env);
  });
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
}
