// Figures over all workers (docrest.workers > 1): the worker that serves /metrics asks the primary,
// the primary asks every worker for its own figures and hands them back together; the asking
// worker sums them (exposition.ts). A worker that does not answer within REPLY_MS (dying, stuck)
// is left out rather than holding the scrape.
import cluster, { type Worker } from 'node:cluster';
import type { MetricJson } from './exposition.ts';

/** registry name → its metrics; with no registry asked for, every registry the process has (empty lists) */
export type Part = Record<string, MetricJson[]>;
export type Collect = (registry: string | null) => Promise<Part>;

const REPLY_MS = 2000;
const KEY = 'docrestMetrics';

type Msg =
  | { docrestMetrics: 'ask'; id: number; registry: string | null }
  | { docrestMetrics: 'collect'; id: string; registry: string | null }
  | { docrestMetrics: 'part'; id: string; part: Part }
  | { docrestMetrics: 'answer'; id: number; parts: Part[] };

function isMsg(m: unknown): m is Msg {
  return typeof m === 'object' && m !== null && KEY in m;
}

let local: Collect | undefined;
let nextId = 0;
const waiting = new Map<number, (parts: Part[]) => void>();

/** In a worker: answers the primary's requests for this process's figures with `collect`. */
export function serveWorkerMetrics(collect: Collect): void {
  if (!cluster.isWorker) return;
  const first = local === undefined;
  local = collect;
  if (!first) return;
  process.on('message', (msg: unknown) => {
    if (!isMsg(msg)) return;
    if (msg.docrestMetrics === 'collect') {
      local!(msg.registry).then(
        (part) => process.send?.({ docrestMetrics: 'part', id: msg.id, part }),
        () => process.send?.({ docrestMetrics: 'part', id: msg.id, part: {} }),
      );
    } else if (msg.docrestMetrics === 'answer') {
      waiting.get(msg.id)?.(msg.parts);
      waiting.delete(msg.id);
    }
  });
}

/** Every process's figures: this one's alone outside a cluster (or when the primary does not answer). */
export async function gather(collect: Collect, registry: string | null): Promise<Part[]> {
  if (!cluster.isWorker || !process.send || local === undefined) return [await collect(registry)];
  const id = ++nextId;
  const answered = new Promise<Part[] | undefined>((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      resolve(undefined);
    }, REPLY_MS * 2);
    waiting.set(id, (parts) => {
      clearTimeout(timer);
      resolve(parts);
    });
  });
  process.send({ docrestMetrics: 'ask', id, registry });
  return (await answered) ?? [await collect(registry)];
}

/** In the primary: relays the workers' figures to the worker that asks. */
export function relayMetrics(): void {
  const rounds = new Map<string, { asker: Worker; askId: number; expected: Set<number>; parts: Part[]; timer: NodeJS.Timeout }>();
  const finish = (key: string) => {
    const r = rounds.get(key);
    if (!r) return;
    rounds.delete(key);
    clearTimeout(r.timer);
    if (r.asker.isConnected()) r.asker.send({ docrestMetrics: 'answer', id: r.askId, parts: r.parts });
  };
  cluster.on('message', (worker, msg: unknown) => {
    if (!isMsg(msg)) return;
    if (msg.docrestMetrics === 'ask') {
      const key = `${worker.id}:${msg.id}`;
      const targets = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
      rounds.set(key, { asker: worker, askId: msg.id, expected: new Set(targets.map((w) => w.id)), parts: [], timer: setTimeout(() => finish(key), REPLY_MS) });
      for (const w of targets) w.send({ docrestMetrics: 'collect', id: key, registry: msg.registry });
    } else if (msg.docrestMetrics === 'part') {
      const r = rounds.get(msg.id);
      if (!r || !r.expected.delete(worker.id)) return;
      r.parts.push(msg.part);
      if (r.expected.size === 0) finish(msg.id);
    }
  });
}
