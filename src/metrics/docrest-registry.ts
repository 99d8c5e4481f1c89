// docrest's own metrics registry, `/docrest` under /metrics: change streams, the embedded engine,
// and the process (prom-client's default metrics: memory, CPU, event-loop lag, GC).
//
// Parts of docrest count through the functions below. Each is an addition to a plain number (no
// label hashing, nothing allocated), so it may be called per event or per query; prom-client reads
// the numbers when /metrics is asked for. Counts are kept whether or not metrics are enabled.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricJson } from './exposition.ts';

export const DOCREST_REGISTRY = '/docrest';

export type Transport = 'websocket' | 'sse';

const clients = { websocket: 0, sse: 0 };
const notifications = { websocket: 0, sse: 0 };
const dropped = { websocket: 0, sse: 0 };
let events = 0;
const scanned = { collection: 0, index: 0 };
let cacheHits = 0;
let cacheMisses = 0;
let memoryLookups = 0;
let passwordChecks = 0;
let releases = 0;
let releasedBytes = 0;
let releaseSeconds = 0;

/** Change streams (API.md §12): call from the stream endpoints and the change-event fan-out. */
export const changeStreamMetrics = {
  clientConnected(t: Transport): void {
    clients[t]++;
  },
  clientDisconnected(t: Transport): void {
    clients[t]--;
  },
  /** a client closed by the server because it read too slowly (its buffer passed the limit) */
  slowClientDropped(t: Transport): void {
    dropped[t]++;
  },
  /** change events read from the change log and evaluated against the streams */
  eventsRead(n = 1): void {
    events += n;
  },
  /** messages written to clients */
  notificationsSent(t: Transport, n = 1): void {
    notifications[t] += n;
  },
};

/** The embedded engine: one call per query, never per document. */
export const engineMetrics = {
  /** `collection`: every row a column scan judged; `index`: the rows an _id or index plan read */
  documentsScanned(plan: 'collection' | 'index', n: number): void {
    scanned[plan] += n;
  },
  resultCacheHit(): void {
    cacheHits++;
  },
  resultCacheMiss(): void {
    cacheMisses++;
  },
  /** a lookup of index keys answered from the postings in memory (resident-read.ts) */
  memoryLookup(): void {
    memoryLookups++;
  },
};

/** Authentication (security/realm.ts). */
export const authMetrics = {
  /** a password checked against a user's stored one (bcrypt, unless stored in plain text) */
  passwordChecked(): void {
    passwordChecks++;
  },
};

/** The idle-time memory release (memory-release.ts). */
export const memoryMetrics = {
  released(bytes: number, ms: number): void {
    releases++;
    releasedBytes += Math.max(0, bytes);
    releaseSeconds += ms / 1000;
  },
};

let registry: Registry | undefined;

function byLabel(name: string, help: string, label: string, source: Record<string, number>, kind: 'counter' | 'gauge', reg: Registry): void {
  const Kind = kind === 'counter' ? Counter : Gauge;
  new Kind({
    name, help, labelNames: [label], registers: [reg],
    collect(this: Counter | Gauge) {
      this.reset();
      for (const [k, v] of Object.entries(source)) (this as Gauge).inc({ [label]: k }, v);
    },
  });
}

function single(name: string, help: string, read: () => number, reg: Registry): void {
  new Counter({
    name, help, registers: [reg],
    collect(this: Counter) {
      this.reset();
      this.inc(read());
    },
  });
}

/** Made on first use: the default metrics start observing GC and the event loop only when metrics are on. */
function docrestRegistry(): Registry {
  if (registry) return registry;
  const reg = new Registry();
  collectDefaultMetrics({ register: reg });
  // summed over the workers: how many processes the figures come from
  new Gauge({ name: 'docrest_processes', help: 'server processes whose figures these are', registers: [reg], collect(this: Gauge) { this.set(1); } });
  byLabel('docrest_change_stream_clients', 'change-stream clients connected', 'transport', clients, 'gauge', reg);
  byLabel('docrest_change_stream_notifications_total', 'change events written to change-stream clients', 'transport', notifications, 'counter', reg);
  byLabel('docrest_change_stream_slow_clients_dropped_total', 'change-stream clients closed for reading too slowly', 'transport', dropped, 'counter', reg);
  single('docrest_change_stream_events_total', 'change events read from the change log', () => events, reg);
  byLabel('docrest_engine_documents_scanned_total', 'documents the embedded engine judged for queries, by plan', 'plan', scanned, 'counter', reg);
  single('docrest_engine_result_cache_hits_total', 'embedded-engine queries answered from the result cache', () => cacheHits, reg);
  single('docrest_engine_result_cache_misses_total', 'embedded-engine queries that ran', () => cacheMisses, reg);
  single('docrest_engine_memory_lookups_total', 'embedded-engine index lookups answered from memory', () => memoryLookups, reg);
  single('docrest_auth_password_checks_total', 'passwords checked against the users collection: credential-cache misses and renewals', () => passwordChecks, reg);
  single('docrest_memory_releases_total', 'full collections run to give memory back once the server was idle', () => releases, reg);
  single('docrest_memory_released_bytes_total', 'resident memory given back by those collections', () => releasedBytes, reg);
  single('docrest_memory_release_seconds_total', 'time the event loop spent in those collections', () => releaseSeconds, reg);
  registry = reg;
  return reg;
}

/** Starts the default metrics' observers (call once metrics are known to be enabled). */
export function startDocrestMetrics(): void {
  docrestRegistry();
}

export async function docrestMetricsJson(): Promise<MetricJson[]> {
  return (await docrestRegistry().getMetricsAsJSON()) as unknown as MetricJson[];
}
