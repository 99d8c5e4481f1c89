// Worker threads for the in-memory part of embedded aggregations (aggregate-worker.ts). A few
// workers serve every engine of the process; jobs beyond them wait in line. A job past its
// deadline ends its worker (a synchronous mingo call cannot be interrupted otherwise), and the
// next job starts a new one. Idle workers do not keep the process alive.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../../errors.ts';
import { timeLimitExceeded } from './time-limit.ts';
import type { WorkerJob, WorkerReply } from './aggregate-worker.ts';

// at least two: one long aggregation (up to its time limit) must not hold up every other
const MAX_WORKERS = Math.max(2, Math.min(4, availableParallelism() - 1));
/** heap of one worker: the input is at most MAX_INPUT_BYTES of BSON (aggregate.ts) */
const WORKER_HEAP_MB = 1024;

interface Pending {
  job: WorkerJob;
  deadline: number;
  resolve: (chunks: Uint8Array[]) => void;
  reject: (e: unknown) => void;
}

const idle: Worker[] = [];
const queue: Pending[] = [];
let running = 0;

function spawn(): Worker {
  const w = new Worker(new URL('./aggregate-worker.ts', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  // a busy worker's failure is its job's (start); an idle one that fails just leaves the pool
  w.on('error', () => {});
  w.on('exit', () => {
    const i = idle.indexOf(w);
    if (i >= 0) idle.splice(i, 1);
  });
  return w;
}

function transferables(job: WorkerJob): ArrayBuffer[] {
  const all = [job.pipeline, ...job.source, ...job.lookups.flatMap(([, c]) => c)];
  return all.map((c) => c.buffer as ArrayBuffer);
}

function next(): void {
  while (queue.length && (idle.length || running < MAX_WORKERS)) {
    const p = queue.shift()!;
    if (Date.now() >= p.deadline) {
      p.reject(timeLimitExceeded());
      continue;
    }
    start(p, idle.pop() ?? spawn());
  }
}

function start(p: Pending, worker: Worker): void {
  running++;
  worker.ref();
  let settled = false;
  const finish = (keep: boolean): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    running--;
    if (keep) {
      worker.unref();
      idle.push(worker);
    } else {
      void worker.terminate();
    }
    next();
    return true;
  };
  const timer = setTimeout(() => {
    if (finish(false)) p.reject(timeLimitExceeded());
  }, Math.max(0, p.deadline - Date.now()));
  const onMessage = (reply: WorkerReply) => {
    if (!finish(true)) return;
    if (reply.ok) p.resolve(reply.chunks);
    else p.reject(new EngineError(reply.code, reply.codeName, reply.message));
  };
  const onError = (e: Error & { code?: string }) => {
    if (!finish(false)) return;
    p.reject(e.code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? new EngineError(146, 'ExceededMemoryLimit', 'the aggregation exceeded the memory of the embedded engine\'s aggregation worker')
      : e);
  };
  const onExit = () => {
    if (finish(false)) p.reject(new EngineError(1, 'InternalError', 'the aggregation worker stopped'));
  };
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  worker.postMessage(p.job, transferables(p.job));
}

/** Runs the job on a worker; the result documents as BSON chunks. Throws MaxTimeMSExpired past the deadline. */
export function runOnWorker(job: WorkerJob, deadline: number): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    queue.push({ job, deadline, resolve, reject });
    next();
  });
}
